/*
 * ssmp_preflight.c - checks shared by the daemons' -n (ssmp_preflight.h).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ssmp_confparse.h"
#include "ssmp_daemon.h"
#include "ssmp_preflight.h"

int
ssmp_preflight_nofile(unsigned long need, const char *what,
    struct ssmp_err *err)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return ssmp_err_set(err, "getrlimit: %s", strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return ssmp_err_set(err, "%s needs %lu open files, the limit "
		    "is %lu (soft %lu): raise it (systemd: LimitNOFILE=, "
		    "shell: ulimit -n)", what, need,
		    (unsigned long)rl.rlim_max, (unsigned long)rl.rlim_cur);
	return 0;
}

int
ssmp_preflight_as(const char *user,
    int (*check)(void *arg, struct ssmp_err *err), void *arg,
    struct ssmp_err *err)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	fflush(NULL);
	if (pipe(p) != 0)
		return ssmp_err_set(err, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return ssmp_err_set(err, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(p[0]);
		if (ssmp_daemon_drop(user, err) != 0 || check(arg, err) != 0) {
			(void)!write(p[1], err->msg, strlen(err->msg));
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	memset(err->msg, 0, sizeof(err->msg));
	do
		n = read(p[0], err->msg, sizeof(err->msg) - 1);
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (n <= 0)
		return ssmp_err_set(err, "the check as %s died", user ? user :
		    "the daemon's user");
	return -1;
}

int
ssmp_preflight_dir(const char *key, const char *path, struct ssmp_err *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return ssmp_err_set(err, "%s %s: %s", key, path,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ssmp_err_set(err, "%s %s: not a directory", key, path);
	if (access(path, W_OK | X_OK) != 0)
		return ssmp_err_set(err, "%s %s: not writable by uid %ld: %s",
		    key, path, (long)geteuid(), strerror(errno));
	return 0;
}

int
ssmp_preflight_dir_make(const char *key, const char *path,
    struct ssmp_err *err)
{
	char parent[4096], *slash;
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode) && (st.st_mode & 002) != 0)
			return ssmp_err_set(err, "%s %s: writable by others",
			    key, path);
		return ssmp_preflight_dir(key, path, err);
	}
	if (errno != ENOENT)
		return ssmp_err_set(err, "%s %s: %s", key, path,
		    strerror(errno));
	snprintf(parent, sizeof(parent), "%s", path);
	if ((slash = strrchr(parent, '/')) == NULL)
		return ssmp_preflight_dir(key, ".", err);
	slash[slash == parent] = '\0';
	if (ssmp_preflight_dir(key, parent, err) != 0)
		return ssmp_err_prefix(err, "cannot make %s: ", path);
	return 0;
}

int
ssmp_preflight_rw(const char *key, const char *path, struct ssmp_err *err)
{
	if (access(path, F_OK) != 0)
		return 0;
	if (access(path, R_OK | W_OK) != 0)
		return ssmp_err_set(err, "%s %s: not readable and writable by "
		    "uid %ld: %s (chown it to UserID)", key, path,
		    (long)geteuid(), strerror(errno));
	return 0;
}

static int
bind_local(const char *key, const struct ssmp_sockspec *ss, bool mkdir_ok,
    struct ssmp_err *err)
{
	char dir[sizeof(ss->path)], *slash;
	struct stat st;

	if (lstat(ss->path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return ssmp_err_set(err, "%s local:%s: exists and is not a "
		    "socket", key, ss->path);
	snprintf(dir, sizeof(dir), "%s", ss->path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return 0;
	slash[slash == dir] = '\0';
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT && mkdir_ok)
			return 0;
		return ssmp_err_set(err, "%s local:%s: directory %s: %s", key,
		    ss->path, dir, strerror(errno));
	}
	if (access(dir, W_OK | X_OK) != 0)
		return ssmp_err_set(err, "%s local:%s: cannot create it in %s "
		    "as uid %ld: %s", key, ss->path, dir, (long)geteuid(),
		    strerror(errno));
	return 0;
}

int
ssmp_preflight_bind(const char *key, const char *spec, bool mkdir_ok,
    bool in_use_ok, struct ssmp_err *err)
{
	struct ssmp_sockspec ss;
	struct addrinfo *ai;
	int fd, one = 1, rc, e;

	if (ssmp_sockspec_parse(spec, &ss, err) != 0)
		return ssmp_err_prefix(err, "%s: ", key);
	if (ss.family == SSMP_SOCK_LOCAL)
		return bind_local(key, &ss, mkdir_ok, err);
	if ((rc = ssmp_sockspec_addrinfo(&ss, &ai)) != 0)
		return ssmp_err_set(err, "%s %s: %s", key, spec,
		    gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0) {
		e = errno;
		freeaddrinfo(ai);
		return ssmp_err_set(err, "%s %s: socket: %s", key, spec,
		    strerror(e));
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(fd, ai->ai_addr, ai->ai_addrlen);
	e = errno;
	close(fd);
	freeaddrinfo(ai);
	if (rc == 0 || (e == EADDRINUSE && in_use_ok))
		return 0;
	return ssmp_err_set(err, "%s %s: cannot bind: %s%s", key, spec,
	    strerror(e), e == EADDRINUSE ? " (is a daemon running?)" :
	    e == EACCES ? " (a port below 1024 needs root or "
	    "CAP_NET_BIND_SERVICE)" : "");
}
