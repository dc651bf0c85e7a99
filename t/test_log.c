/*
 * test_log.c - log lines on stderr: format, ids, levels, injection.
 *
 * stderr is pointed at a temporary file so each line can be read back
 * exactly.  The syslog path is opened and used once (no /dev/log is
 * needed for it not to fail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssmp_log.h"
#include "t/tap.h"

static FILE *cap;

/* Everything written to stderr since the last call. */
static const char *
captured(void)
{
	static char	buf[4096];
	size_t		n;

	fflush(stderr);
	rewind(cap);
	n = fread(buf, 1, sizeof(buf) - 1, cap);
	buf[n] = '\0';
	rewind(cap);
	if (ftruncate(fileno(cap), 0) != 0)
		abort();
	return buf;
}

int
main(void)
{
	char	want[256];
	int	saved = dup(2);

	cap = tmpfile();
	if (cap == NULL || saved < 0 || dup2(fileno(cap), 2) < 0)
		return 1;

	is_int(ssmp_log_facility("mail"), LOG_MAIL, "facility mail");
	is_int(ssmp_log_facility("daemon"), LOG_DAEMON, "facility daemon");
	is_int(ssmp_log_facility("user"), LOG_USER, "facility user");
	is_int(ssmp_log_facility("local0"), LOG_LOCAL0, "facility local0");
	is_int(ssmp_log_facility("LOCAL7"), LOG_LOCAL7, "facility LOCAL7");
	is_int(ssmp_log_facility("local8"), -1, "local8 unknown");
	is_int(ssmp_log_facility("kern"), -1, "kern refused");
	is_int(ssmp_log_open("x", false, "bogus"), -1, "open: bad facility");

	is_int(ssmp_log_open("ssmp-test", false, NULL), 0, "open stderr");
	ssmp_log(LOG_INFO, "4BC2D1F", "to=<%s>, status=%s", "a@b.example",
	    "sent");
	snprintf(want, sizeof(want), "ssmp-test[%ld]: 4BC2D1F: "
	    "to=<a@b.example>, status=sent\n", (long)getpid());
	is_str(captured(), want, "info line with id");

	ssmp_log(LOG_WARNING, NULL, "dns: %s", "timeout");
	snprintf(want, sizeof(want), "ssmp-test[%ld]: warning: "
	    "dns: timeout\n", (long)getpid());
	is_str(captured(), want, "warning prefix; no id, no NOQUEUE");

	ssmp_log(LOG_ERR, "R1", "e");
	like(captured(), "]: error: R1: e\n", "error prefix");
	ssmp_log(LOG_CRIT, "R1", "c");
	like(captured(), "]: fatal: R1: c\n", "crit is fatal");
	ssmp_log(LOG_EMERG | LOG_MAIL, "R1", "p");
	like(captured(), "]: panic: R1: p\n", "emerg is panic, facility bits");

	ssmp_log(LOG_INFO, "Q\r\n1", "from=<%s>", "evil\r\nssmp[1]: forged\t");
	snprintf(want, sizeof(want), "ssmp-test[%ld]: Q??1: "
	    "from=<evil??ssmp[1]: forged?>\n", (long)getpid());
	is_str(captured(), want, "CR, LF, TAB replaced in id and text");

	ssmp_log(LOG_DEBUG, "D", "hidden");
	is_str(captured(), "", "debug filtered at default level");
	ssmp_log_set_level(LOG_DEBUG);
	ssmp_log(LOG_DEBUG, "D", "shown");
	like(captured(), "D: shown\n", "debug shown after set_level");
	ssmp_log_set_level(LOG_WARNING);
	ssmp_log(LOG_NOTICE, "N", "hidden");
	ssmp_log(LOG_WARNING, "W", "shown");
	like(captured(), "warning: W: shown\n", "filter keeps warning");
	ssmp_log_set_level(LOG_INFO);

	memset(want, 'x', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	ssmp_log(LOG_INFO, NULL, "%s%s%s%s%s%s%s%s%s%s", want, want, want,
	    want, want, want, want, want, want, want);
	{
		const char *got = captured();
		size_t len = strlen(got);

		ok(len > 2000 && len < 2200 && got[len - 1] == '\n' &&
		    strchr(got, '\n') == got + len - 1,
		    "long message truncated to one line (%zu bytes)", len);
	}

	is_int(ssmp_log_open("ssmp-test", true, "local3"), 0, "open syslog");
	ssmp_log(LOG_INFO, NULL, "syslog line from test_log");
	is_str(captured(), "", "syslog mode writes nothing to stderr");
	ssmp_log_close();

	dup2(saved, 2);
	close(saved);
	fclose(cap);
	is_int(ssmp_log_level("notice"), LOG_NOTICE, "LogLevel notice");
	is_int(ssmp_log_level("DEBUG"), LOG_DEBUG, "LogLevel: any case");
	is_int(ssmp_log_level("loud"), -1, "LogLevel: unknown name");
	return done_testing();
}
