/*
 * ssmp_preflight.h - the checks a daemon's -n runs that are not about
 * one module's own files: directories the daemon's user must write,
 * sockets it must bind, resource limits.  Each returns 0, or -1 with an
 * error naming the setting and what to change.  None creates a file:
 * -n leaves the machine as it found it.
 */
#ifndef SSMP_PREFLIGHT_H
#define SSMP_PREFLIGHT_H

#include <stdbool.h>

#include "ssmp_err.h"

/*
 * Open files: need descriptors must be possible, if need be by raising
 * the soft limit (a start does).  Fails when the hard limit is below
 * need, naming why (what) and both limits.
 */
int ssmp_preflight_nofile(unsigned long need, const char *what,
    struct ssmp_err *err);

/*
 * Run check(arg, err) with the rights the daemon has once it is running:
 * in a child that becomes user as ssmp_daemon_drop() does (as root:
 * switches to it; started as it: drops the capabilities a service
 * manager gave).  The child's error comes back in err.
 */
int ssmp_preflight_as(const char *user,
    int (*check)(void *arg, struct ssmp_err *err), void *arg,
    struct ssmp_err *err);

/*
 * key (a setting's name) names a directory that must exist and that this
 * process may create files in (run it under ssmp_preflight_as()).
 */
int ssmp_preflight_dir(const char *key, const char *path,
    struct ssmp_err *err);
/*
 * The same for a private directory the daemon makes itself when missing
 * (one level): if there, not writable by others; if not, its parent must
 * take it.
 */
int ssmp_preflight_dir_make(const char *key, const char *path,
    struct ssmp_err *err);
/* path, if it exists, must be readable and writable by this process. */
int ssmp_preflight_rw(const char *key, const char *path,
    struct ssmp_err *err);

/*
 * key's socket spec can be bound by this process: an inet socket is
 * bound and closed at once; for a local: one its directory must be
 * writable (nothing is created), or missing with mkdir_ok (the daemon
 * makes it).  An address in use counts as bindable under a running
 * daemon's reload (in_use_ok: systemd's ExecReload sets $MAINPID).
 */
int ssmp_preflight_bind(const char *key, const char *spec, bool mkdir_ok,
    bool in_use_ok, struct ssmp_err *err);

#endif
