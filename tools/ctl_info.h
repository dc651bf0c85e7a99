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

struct ssmp_config;
struct ks_store;
/*
 * "status": ssmpd (admin listener), ssmp-milter (its socket), the store
 * (ks, opened read-only; NULL: say so).  EX_UNAVAILABLE if a daemon is
 * down.
 */
int ctl_status(const struct ssmp_config *cfg, struct ks_store *ks);
/*
 * "check DOMAIN": the sender's path to DOMAIN, one verdict line per
 * step; the dry envelope goes from from (NULL: postmaster@ our signing
 * domain) to to (NULL: postmaster@DOMAIN).  EX_UNAVAILABLE if a step
 * failed.
 */
int ctl_check(const struct ssmp_config *cfg, const char *domain,
    const char *from, const char *to);

#endif
