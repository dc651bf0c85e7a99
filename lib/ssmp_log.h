/*
 * ssmp_log.h - logging to syslog or stderr, one id on every line.
 *
 * Lines read "ID: text" like Postfix's, where ID is the MTA queue id or
 * the request id; callers without one pass NULL and get "NOQUEUE".
 * Warnings and worse carry Postfix's severity word ("warning: ", "error: ",
 * "fatal: " for LOG_CRIT, "panic: " above); control characters in the id
 * and text become '?'.  Until ssmp_log_open() lines go to stderr as
 * "ssmp[pid]: ...".
 */
#ifndef SSMP_LOG_H
#define SSMP_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* facility: a name like "mail" or "local3"; NULL means mail. */
int ssmp_log_open(const char *ident, bool use_syslog, const char *facility);
void ssmp_log_close(void);
void ssmp_log_set_level(int max_priority);	/* default LOG_INFO */
/* LogLevel's names: error, warning, notice, info, debug; -1 if none. */
int ssmp_log_level(const char *name);
/* Lines go to syslog (else to standard error). */
bool ssmp_log_syslog(void);
void ssmp_log(int prio, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ssmp_log_facility(const char *name);	/* -1 if unknown */

#endif
