/*
 * mcheck.h - ssmp-milter -n: what a start reads and needs, checked
 * without creating anything.
 */
#ifndef SSMP_MILTER_MCHECK_H
#define SSMP_MILTER_MCHECK_H

#include "milter.h"

/*
 * After the configuration and the keys loaded (setup()): the key files'
 * owner, SpoolDirectory and Database (as UserID), the Socket (bindable,
 * or in use under a reload: $MAINPID), then DNS against the keys
 * (warnings).  Prints "CONF: OK" and returns 0, or the first problem and
 * returns 1.
 */
int milter_check(struct milter *m, const char *conf);

#endif
