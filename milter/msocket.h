/*
 * msocket.h - the milter's local: socket, its front door: whoever can
 * connect may have mail signed as any of our domains.  Only UserID and
 * SocketGroup (the MTA's group) may reach it: mode SocketMode (0660,
 * never open to others), created so that no other user can connect even
 * for a moment (umask 0177 while libmilter binds it), then given to its
 * owner and group.  A missing directory is created (mode 0750, owner
 * UserID, group SocketGroup), so /var/spool/postfix/ssmp for Postfix's
 * chrooted smtpd needs no set-up.  inet: sockets are left alone.
 */
#ifndef SSMP_MILTER_MSOCKET_H
#define SSMP_MILTER_MSOCKET_H

#include <stdbool.h>
#include <sys/types.h>

#include "ssmp_config.h"
#include "ssmp_err.h"

struct msocket {
	bool	local;		/* a local: socket: the rest is set */
	char	path[108];
	uid_t	uid;		/* -1: leave */
	gid_t	gid;		/* -1: leave */
	mode_t	mode;
	mode_t	umask;		/* the process's, restored by msocket_done */
};

/* Resolve owner, group and mode; create the directory.  Before binding. */
int msocket_prepare(const struct ssmp_config *cfg, struct msocket *ms,
    struct ssmp_err *err);
/* Around libmilter's bind: no access for anyone but the owner. */
void msocket_binding(struct msocket *ms);
/* After binding: owner, group, mode; the umask back. */
int msocket_done(struct msocket *ms, struct ssmp_err *err);

#endif
