/*
 * ssmp_daemon.h - the chores every ssmp daemon does at start and exit:
 * going to the background, the PidFile, dropping root.
 *
 * Order in a daemon's main():
 *	ssmp_daemon_need_user()		root without UserID: refuse
 *	ssmp_daemon_background()	(Background yes, not -f): before any
 *					thread or event base exists
 *	bind sockets, read keys		(as root)
 *	ssmp_daemon_pidfile_write()	(as root, so /run works)
 *	ssmp_daemon_drop()		(UserID)
 *	open databases, start threads
 *	ssmp_daemon_ready()		(the starting shell returns now)
 *	... run ...
 *	ssmp_daemon_pidfile_remove()
 */
#ifndef SSMP_DAEMON_H
#define SSMP_DAEMON_H

#include "ssmp_err.h"

/*
 * Fork into the background: the parent waits until the child calls
 * ssmp_daemon_ready() (then exits 0) or dies first (then exits 1; the
 * child's error went to the shared stderr), so a start script sees
 * configuration and bind errors.  The child gets a new session, "/" as
 * working directory and stdin/stdout on /dev/null; stderr stays until
 * ready.  *readyfd is for ssmp_daemon_ready().
 */
int ssmp_daemon_background(int *readyfd, struct ssmp_err *err);
/*
 * Tell the waiting parent all went well (stderr goes to /dev/null) and
 * the service manager that we are ready (READY=1, ssmp_notify.h).
 */
void ssmp_daemon_ready(int readyfd);

/*
 * Create path (O_EXCL, mode 0644) holding our pid.  A file left by a
 * dead process (or empty, or not a pid) is stale and replaced; a file
 * naming a live process is an error naming it.  When user is set, the
 * file is given to that user so the daemon can still empty it at exit
 * after dropping root (if it can no longer remove it).
 */
int ssmp_daemon_pidfile_write(const char *path, const char *user,
    struct ssmp_err *err);
/* Remove path (or empty it) if it still holds our pid. */
void ssmp_daemon_pidfile_remove(const char *path);

/*
 * Become user for good: initgroups, setgid, setuid, then make sure root
 * cannot be regained (setuid(0) must fail) and no id is left over.
 * Not running as root is fine only when we already are that user (or
 * user is NULL or ""): then the capabilities a service manager gave us
 * (systemd's AmbientCapabilities=, for port 443 and the key process)
 * are dropped, all of them.
 */
int ssmp_daemon_drop(const char *user, struct ssmp_err *err);
/*
 * The same, but CAP_DAC_READ_SEARCH stays (permitted and effective,
 * never inherited) if we had it (root, or started with it): for the key
 * process alone, which must read root-only key files again on reload
 * and has no network (keyproc.h).
 */
int ssmp_daemon_drop_keep_read(const char *user, struct ssmp_err *err);

/*
 * A private directory (SpoolDirectory): there, a directory not writable
 * by others; missing, made with its missing parents (mode 0700, given to
 * user when run as root), as a first start does.  Errors start with
 * "what path:".
 */
int ssmp_daemon_private_dir(const char *what, const char *path,
    const char *user, struct ssmp_err *err);

/*
 * A daemon never serves as root: started as root, it needs UserID (the
 * user to become after binding).  Also checks that UserID names a user,
 * so -n fails where the start would.  0 fine, -1 with err set.
 */
int ssmp_daemon_need_user(const char *user, struct ssmp_err *err);

#endif
