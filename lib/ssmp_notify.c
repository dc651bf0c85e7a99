/*
 * ssmp_notify.c - the service manager's notify protocol (ssmp_notify.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ssmp_notify.h"

/*
 * $NOTIFY_SOCKET as an address: a path, or "@name" for Linux's abstract
 * namespace (leading NUL, length without terminator).  -1 when unset or
 * unusable.
 */
static int
notify_addr(struct sockaddr_un *su, socklen_t *len)
{
	const char *p = getenv("NOTIFY_SOCKET");
	size_t n;

	if (p == NULL || (p[0] != '/' && p[0] != '@')) {
		errno = EINVAL;
		return -1;
	}
	n = strlen(p);
	if (n >= sizeof(su->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(su, 0, sizeof(*su));
	su->sun_family = AF_UNIX;
	memcpy(su->sun_path, p, n);
	if (p[0] == '@')
		su->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (p[0] == '/'));
	return 0;
}

int
ssmp_notify(const char *state)
{
	struct sockaddr_un su;
	socklen_t len;
	ssize_t n;
	int fd, saved;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	if (notify_addr(&su, &len) != 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&su, len);
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(state) ? 0 : -1;
}

int
ssmp_notifyf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	/* a STATUS= cut short is still a status */
	return ssmp_notify(buf);
}

int
ssmp_notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ssmp_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}
