/*
 * ssmp_daemon.c - background, PidFile and privilege drop shared by
 * ssmpd and ssmp-milter (see ssmp_daemon.h).
 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "ssmp_daemon.h"
#include "ssmp_notify.h"

static void
to_devnull(int fd)
{
	int n = open("/dev/null", O_RDWR);

	if (n >= 0 && n != fd) {
		dup2(n, fd);
		close(n);
	}
}

int
ssmp_daemon_background(int *readyfd, struct ssmp_err *err)
{
	int p[2];
	char c = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0)
		return ssmp_err_set(err, "Background: pipe: %s",
		    strerror(errno));
	if ((pid = fork()) < 0)
		return ssmp_err_set(err, "Background: fork: %s",
		    strerror(errno));
	if (pid > 0) {
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		/* one byte: the child is ready; EOF: it died */
		_exit(n == 1 && c == 'R' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		return ssmp_err_set(err, "Background: setsid: %s",
		    strerror(errno));
	if (chdir("/") != 0)
		return ssmp_err_set(err, "Background: chdir /: %s",
		    strerror(errno));
	to_devnull(STDIN_FILENO);
	to_devnull(STDOUT_FILENO);
	*readyfd = p[1];
	return 0;
}

void
ssmp_daemon_ready(int readyfd)
{
	(void)ssmp_notify("READY=1");	/* systemd's Type=notify */
	if (readyfd < 0)
		return;
	(void)!write(readyfd, "R", 1);
	close(readyfd);
	to_devnull(STDERR_FILENO);
}

/* The pid in path, or 0 when the file holds none. */
static long
read_pid(const char *path)
{
	char buf[32], *end;
	ssize_t n;
	long pid;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    pid <= 0)
		return 0;
	return pid;
}

int
ssmp_daemon_pidfile_write(const char *path, const char *user,
    struct ssmp_err *err)
{
	struct passwd *pw = NULL;
	char line[32];
	long old;
	int fd, len;

	if (path == NULL || *path == '\0')
		return 0;
	if (user != NULL && *user != '\0' && (pw = getpwnam(user)) == NULL)
		return ssmp_err_set(err, "UserID %s: no such user", user);
	for (int tries = 0; ; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries > 0)
			return ssmp_err_set(err, "PidFile %s: %s", path,
			    strerror(errno));
		old = read_pid(path);
		if (old > 0 && old != (long)getpid() &&
		    (kill((pid_t)old, 0) == 0 || errno == EPERM))
			return ssmp_err_set(err, "PidFile %s: process %ld is "
			    "running", path, old);
		/* stale: its process is gone */
		if (unlink(path) != 0)
			return ssmp_err_set(err, "PidFile %s: stale, cannot "
			    "remove: %s", path, strerror(errno));
	}
	len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)len) != len) {
		ssmp_err_set(err, "PidFile %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (pw != NULL && geteuid() == 0 &&
	    fchown(fd, pw->pw_uid, pw->pw_gid) != 0) {
		ssmp_err_set(err, "PidFile %s: chown: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

void
ssmp_daemon_pidfile_remove(const char *path)
{
	if (path == NULL || *path == '\0' || read_pid(path) != (long)getpid())
		return;
	/* after dropping root the directory may not be ours: empty it */
	if (unlink(path) != 0)
		(void)truncate(path, 0);
}

int
ssmp_daemon_need_user(const char *user, struct ssmp_err *err)
{
	if (user != NULL && *user != '\0') {
		if (getpwnam(user) == NULL)
			return ssmp_err_set(err, "UserID %s: no such user",
			    user);
		return 0;
	}
	if (geteuid() == 0)
		return ssmp_err_set(err, "running as root without UserID: "
		    "set UserID (e.g. UserID ssmp) to the user to become "
		    "after binding; refusing to serve as root");
	return 0;
}

/*
 * Keep of our capabilities only those in keep (permitted and effective,
 * none inheritable or ambient): after the switch to UserID, or when a
 * service manager started us as that user with ambient capabilities
 * (systemd's AmbientCapabilities=).
 */
static int
set_caps(uint32_t keep, struct ssmp_err *err)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return ssmp_err_set(err, "capget: %s", strerror(errno));
	keep &= data[0].permitted;
	memset(data, 0, sizeof(data));
	data[0].permitted = data[0].effective = keep;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L);
	if (syscall(SYS_capset, &hdr, data) != 0)
		return ssmp_err_set(err, "capset: %s", strerror(errno));
	return 0;
}

#define READ_CAP	(1U << CAP_DAC_READ_SEARCH)

static int
drop(const char *user, bool keep_read, struct ssmp_err *err)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (user == NULL || *user == '\0')
		return geteuid() == 0 ? 0 : set_caps(keep_read ? READ_CAP : 0,
		    err);
	if ((pw = getpwnam(user)) == NULL)
		return ssmp_err_set(err, "UserID %s: no such user", user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		return ssmp_err_set(err, "UserID %s: is root", user);
	if (geteuid() != 0) {
		if (getuid() == uid && geteuid() == uid)
			return set_caps(keep_read ? READ_CAP : 0, err);
		return ssmp_err_set(err, "UserID %s: not running as root",
		    user);
	}
	if (initgroups(pw->pw_name, gid) != 0)
		return ssmp_err_set(err, "UserID %s: initgroups: %s", user,
		    strerror(errno));
	if (keep_read && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0)
		return ssmp_err_set(err, "UserID %s: keepcaps: %s", user,
		    strerror(errno));
	if (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
		return ssmp_err_set(err, "UserID %s: cannot switch: %s", user,
		    strerror(errno));
	(void)prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
	if (set_caps(keep_read ? READ_CAP : 0, err) != 0)
		return ssmp_err_prefix(err, "UserID %s: ", user);
	/* paranoia: root must be gone for good */
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid ||
	    geteuid() != uid || getgid() != gid || getegid() != gid)
		return ssmp_err_set(err, "UserID %s: root privileges could "
		    "be regained", user);
	return 0;
}

int
ssmp_daemon_drop(const char *user, struct ssmp_err *err)
{
	return drop(user, false, err);
}

int
ssmp_daemon_drop_keep_read(const char *user, struct ssmp_err *err)
{
	return drop(user, true, err);
}

/* mkdir path (0700) and, as root, give it to user. */
static int
make_private(const char *what, const char *path, const struct passwd *pw,
    struct ssmp_err *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return ssmp_err_set(err, "%s %s: cannot create: %s", what, path,
		    strerror(errno));
	if (pw != NULL && chown(path, pw->pw_uid, pw->pw_gid) != 0)
		return ssmp_err_set(err, "%s %s: chown to %s: %s", what, path,
		    pw->pw_name, strerror(errno));
	return 0;
}

int
ssmp_daemon_private_dir(const char *what, const char *path, const char *user,
    struct ssmp_err *err)
{
	struct passwd	*pw = NULL;
	struct stat	 st;
	char		 p[PATH_MAX], *s;

	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return ssmp_err_set(err, "%s %s: not a directory",
			    what, path);
		if (st.st_mode & 002)
			return ssmp_err_set(err, "%s %s: writable by others",
			    what, path);
		return 0;
	}
	if (errno != ENOENT)
		return ssmp_err_set(err, "%s %s: %s", what, path,
		    strerror(errno));
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return ssmp_err_set(err, "%s %s: path too long", what, path);
	if (geteuid() == 0 && user != NULL && *user != '\0' &&
	    (pw = getpwnam(user)) == NULL)
		return ssmp_err_set(err, "UserID %s: no such user", user);
	/* the missing components, from the first that is missing */
	for (s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (stat(p, &st) != 0 && make_private(what, p, pw, err) != 0)
			return -1;
		*s = '/';
	}
	return make_private(what, p, pw, err);
}
