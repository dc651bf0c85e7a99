/*
 * msocket.c - the milter's local: socket (msocket.h).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msocket.h"

static int
owner(const struct ssmp_config *cfg, struct msocket *ms, struct ssmp_err *err)
{
	struct passwd	*pw;
	struct group	*gr;

	ms->uid = (uid_t)-1;
	ms->gid = (gid_t)-1;
	if (cfg->user_id != NULL && *cfg->user_id != '\0') {
		if ((pw = getpwnam(cfg->user_id)) == NULL)
			return ssmp_err_set(err, "UserID %s: no such user",
			    cfg->user_id);
		ms->uid = pw->pw_uid;
		ms->gid = pw->pw_gid;
	}
	if (cfg->socket_group != NULL && *cfg->socket_group != '\0') {
		if ((gr = getgrnam(cfg->socket_group)) == NULL)
			return ssmp_err_set(err, "SocketGroup %s: no such group",
			    cfg->socket_group);
		ms->gid = gr->gr_gid;
	}
	return 0;
}

/* The socket's directory, made if missing (one level). */
static int
make_dir(struct msocket *ms, struct ssmp_err *err)
{
	char		 dir[sizeof(ms->path)], *slash;
	struct stat	 st;

	snprintf(dir, sizeof(dir), "%s", ms->path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return 0;
	if (errno != ENOENT || mkdir(dir, 0750) != 0)
		return ssmp_err_set(err, "Socket %s: directory %s: %s", ms->path,
		    dir, strerror(errno));
	if ((ms->uid != (uid_t)-1 || ms->gid != (gid_t)-1) &&
	    chown(dir, ms->uid, ms->gid) != 0)
		return ssmp_err_set(err, "Socket %s: directory %s: chown: %s",
		    ms->path, dir, strerror(errno));
	return 0;
}

int
msocket_prepare(const struct ssmp_config *cfg, struct msocket *ms,
    struct ssmp_err *err)
{
	struct ssmp_sockspec ss;

	memset(ms, 0, sizeof(*ms));
	if (ssmp_sockspec_parse(cfg->socket, &ss, err) != 0)
		return ssmp_err_prefix(err, "Socket: ");
	if (ss.family != SSMP_SOCK_LOCAL)
		return 0;
	ms->local = true;
	if (snprintf(ms->path, sizeof(ms->path), "%s", ss.path) >=
	    (int)sizeof(ms->path))
		return ssmp_err_set(err, "Socket %s: path too long", ss.path);
	ms->mode = (mode_t)strtol(cfg->socket_mode, NULL, 8);
	if (owner(cfg, ms, err) != 0)
		return -1;
	return make_dir(ms, err);
}

void
msocket_binding(struct msocket *ms)
{
	if (ms->local)
		ms->umask = umask(0177);
}

int
msocket_done(struct msocket *ms, struct ssmp_err *err)
{
	struct stat st;

	if (!ms->local)
		return 0;
	(void)umask(ms->umask);
	if (lstat(ms->path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return ssmp_err_set(err, "Socket %s: not created", ms->path);
	/*
	 * Unprivileged (systemd's User=), a group we are not in can still
	 * come from a setgid directory (tmpfiles: 2750 ssmp:postfix).
	 */
	if ((ms->uid != (uid_t)-1 && ms->uid != st.st_uid) ||
	    (ms->gid != (gid_t)-1 && ms->gid != st.st_gid)) {
		if (chown(ms->path, ms->uid == st.st_uid ? (uid_t)-1 : ms->uid,
		    ms->gid == st.st_gid ? (gid_t)-1 : ms->gid) != 0)
			return ssmp_err_set(err, "Socket %s: cannot give it to "
			    "uid %ld gid %ld: %s", ms->path, (long)ms->uid,
			    (long)ms->gid, strerror(errno));
	}
	if (chmod(ms->path, ms->mode) != 0)
		return ssmp_err_set(err, "Socket %s: chmod: %s", ms->path,
		    strerror(errno));
	return 0;
}
