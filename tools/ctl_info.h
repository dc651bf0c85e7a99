/*
 * ctl_info.h - ssmpctl's commands that look at the gateway rather than
 * change it: config (the effective configuration), status (the daemons
 * and the store) and check (a domain's whole SSMP path).
 */
#ifndef SSMP_CTL_INFO_H
#define SSMP_CTL_INFO_H

/*
 * "config [-n|-d] [KEY...]": ssmp_config_dump() of conf (NULL: the
 * default file, all defaults when it does not exist).  Returns the exit
 * status.
 */
int ctl_config(const char *conf, int argc, char **argv);

#endif
