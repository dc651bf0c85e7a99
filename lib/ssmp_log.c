/*
 * ssmp_log.c - one log line per event, to syslog or stderr.
 *
 * Lines look like Postfix's so postmasters can grep them the same way:
 * "ident[pid]: warning: QUEUEID: text" on stderr; syslog adds the
 * "ident[pid]: " part itself.  Everything logged may carry text from the
 * network (addresses, reasons), so control characters are replaced
 * before the line is written: one event can never forge a second line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ssmp_log.h"

static struct {
	char	ident[64];
	bool	syslog;
	int	maxprio;
} lg = { "ssmp", false, LOG_INFO };

static const struct {
	const char	*name;
	int		 fac;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
ssmp_log_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].fac;
	return -1;
}

int
ssmp_log_open(const char *ident, bool use_syslog, const char *facility)
{
	int fac = ssmp_log_facility(facility ? facility : "mail");

	if (fac < 0)
		return -1;
	ssmp_log_close();
	snprintf(lg.ident, sizeof(lg.ident), "%s", ident ? ident : "ssmp");
	lg.syslog = use_syslog;
	if (use_syslog)
		openlog(lg.ident, LOG_PID | LOG_NDELAY, fac);
	return 0;
}

void
ssmp_log_close(void)
{
	if (lg.syslog)
		closelog();
	lg.syslog = false;
}

void
ssmp_log_set_level(int max_priority)
{
	lg.maxprio = max_priority;
}

bool
ssmp_log_syslog(void)
{
	return lg.syslog;
}

int
ssmp_log_level(const char *name)
{
	static const struct {
		const char	*name;
		int		 prio;
	} levels[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(name, levels[i].name) == 0)
			return levels[i].prio;
	return -1;
}

/* One write per line, so concurrent writers do not interleave. */
static void
stderr_line(const char *text)
{
	char	line[2200];
	int	n;

	n = snprintf(line, sizeof(line), "%s[%ld]: %s\n", lg.ident,
	    (long)getpid(), text);
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

/* Postfix's words for the severe levels; milder lines get no prefix. */
static const char *
severity(int prio)
{
	switch (prio) {
	case LOG_EMERG:
	case LOG_ALERT:
		return "panic: ";
	case LOG_CRIT:
		return "fatal: ";
	case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	default:
		return "";
	}
}

void
ssmp_log(int prio, const char *id, const char *fmt, ...)
{
	char	 text[2048];
	char	*p;
	va_list	 ap;
	int	 n;

	prio &= LOG_PRIMASK;
	if (prio > lg.maxprio)
		return;
	/* a line about no message (start, reload) has no id at all */
	n = snprintf(text, sizeof(text), "%s%s%s", severity(prio),
	    id ? id : "", id ? ": " : "");
	if (n < 0 || n >= (int)sizeof(text))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (lg.syslog)
		syslog(prio, "%s", text);
	else
		stderr_line(text);
}
