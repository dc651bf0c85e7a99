/*
 * ssmp_notify.h - tell the service manager how the daemon is doing, with
 * systemd's notify protocol (sd_notify(3)): one datagram of "NAME=value"
 * lines to the AF_UNIX socket named by $NOTIFY_SOCKET.  Without that
 * variable (not started by systemd, or Type= other than notify) each call
 * does nothing.  Written here rather than linked from libsystemd: a dozen
 * lines of a documented protocol, and no library in the daemons for it.
 *
 * A daemon sends READY=1 once its sockets listen (ssmp_daemon_ready()
 * does), RELOADING=1 when a reload begins and READY=1 when it is over,
 * with STATUS= saying how it went, and STOPPING=1 when it drains.
 */
#ifndef SSMP_NOTIFY_H
#define SSMP_NOTIFY_H

/*
 * Send state (lines "NAME=value", '\n' between them).  0 when sent or
 * when there is no $NOTIFY_SOCKET; -1 (errno set) when it could not be
 * sent: callers go on, a service manager that misses a message times the
 * service out and says so.
 */
int ssmp_notify(const char *state);
/* Printf-style; the same return. */
int ssmp_notifyf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* "RELOADING=1" with MONOTONIC_USEC=, as systemd 253's notify-reload wants. */
int ssmp_notify_reloading(void);

#endif
