/*
 * test_time.c - the 20-digit time stamp and the clock-skew window.
 */
#include <string.h>
#include <time.h>

#include "ssmp_time.h"
#include "t/tap.h"

static const struct {
	const char	*in;
	long long	 sec;
	int		 usec;
} good[] = {
	{ "19700101000000000000", 0, 0 },
	{ "19700101000001000001", 1, 1 },
	{ "20000229235959999999", 951868799, 999999 },	/* leap: %400 */
	{ "20240229120000000000", 1709208000, 0 },	/* leap: %4 */
	{ "20381231235959000000", 2177452799LL, 0 },	/* past 2038 */
	{ "21000228000000000000", 4107456000LL, 0 },
	{ "99991231235959999999", 253402300799LL, 999999 },
};

static const struct {
	const char *in, *msg;
} bad[] = {
	{ "", "time: must be 20 digits (YYYYmmddHHMMSSffffff), got 0" },
	{ "2024010112000000000", "got 19" },
	{ "202401011200000000000", "got more than 20" },
	{ "2024-01-01T12:00:00Z", "time: non-digit at offset 4" },
	{ " 20240101120000000000", "time: non-digit at offset 0" },
	{ "2024010112000000000a", "time: non-digit at offset 19" },
	{ "19691231235959000000", "time: year 1969 out of range (1970..9999)" },
	{ "20241301000000000000", "time: month 13 out of range (1..12)" },
	{ "20240001000000000000", "time: month 0 out of range (1..12)" },
	{ "20240100000000000000", "time: day 0 out of range (1..31)" },
	{ "20240132000000000000", "time: day 32 out of range (1..31)" },
	{ "20230229000000000000", "time: day 29 out of range (2023-02 has 28 "
	    "days)" },
	{ "19000229000000000000", "year 1900 out of range" },
	{ "21000229000000000000", "time: day 29 out of range (2100-02 has 28" },
	{ "20240431000000000000", "time: day 31 out of range (2024-04 has 30" },
	{ "20240101240000000000", "time: hour 24 out of range (0..23)" },
	{ "20240101236000000000", "time: minute 60 out of range (0..59)" },
	{ "20161231235960000000", "time: second 60 out of range (0..59)" },
};

static void
test_parse_format(void)
{
	struct ssmp_time	t;
	struct ssmp_err		e;
	char			out[SSMP_TIME_LEN + 1];
	size_t			i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		is_int(ssmp_time_parse(good[i].in, &t, &e), 0, "parse %s",
		    good[i].in);
		is_int(t.sec, good[i].sec, "seconds of %s", good[i].in);
		is_int(t.usec, good[i].usec, "microseconds of %s", good[i].in);
		is_int(ssmp_time_format(&t, out, &e), 0, "format %s",
		    good[i].in);
		is_str(out, good[i].in, "round trip %zu", i);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		is_int(ssmp_time_parse(bad[i].in, &t, &e), -1, "refuse '%s'",
		    bad[i].in);
		like(e.msg, bad[i].msg, "error for '%s'", bad[i].in);
	}
	t.sec = -1;
	t.usec = 0;
	is_int(ssmp_time_format(&t, out, &e), -1, "format before 1970");
	like(e.msg, "outside years 1970..9999", "before 1970 error");
	t.sec = 253402300800LL;
	is_int(ssmp_time_format(&t, out, &e), -1, "format year 10000");
	like(e.msg, "outside years 1970..9999", "year 10000 error");
	t.sec = 0;
	t.usec = 1000000;
	is_int(ssmp_time_format(&t, out, &e), -1, "format usec 1000000");
	like(e.msg, "microseconds 1000000 out of range", "usec error");
}

/* Every day from 1970 to 2200 agrees with gmtime(): the civil maths. */
static void
test_against_gmtime(void)
{
	struct ssmp_time	t, back;
	struct ssmp_err		e;
	struct tm		tm;
	char			out[SSMP_TIME_LEN + 1], want[80];
	time_t			s;
	int			bad_days = 0;

	for (s = 0; s < (time_t)7342 * 86400 * 10; s += 86400 + 3661) {
		t.sec = s;
		t.usec = 42;
		gmtime_r(&s, &tm);
		snprintf(want, sizeof(want), "%04d%02d%02d%02d%02d%02d000042",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		if (ssmp_time_format(&t, out, &e) != 0 || strcmp(out, want) ||
		    ssmp_time_parse(out, &back, &e) != 0 || back.sec != s) {
			if (bad_days++ == 0)
				diag("mismatch at %lld: %s vs %s",
				    (long long)s, out, want);
		}
	}
	is_int(bad_days, 0, "format/parse agree with gmtime for 200 years");
}

static void
test_window(void)
{
	struct ssmp_time	now = { 1700000000, 500000 }, t;
	struct ssmp_err		e;

	t = now;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), 0, "same time");
	t.sec = now.sec + 300;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), 0, "+300 s ok");
	t.sec = now.sec - 300;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), 0, "-300 s ok");
	t.sec = now.sec + 300;
	t.usec = now.usec + 1;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), -1, "+300.000001 s");
	is_str(e.msg, "time: 301 s in the future (window 300 s)",
	    "rounded up");
	t.sec = now.sec + 412;
	t.usec = now.usec;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), -1, "+412 s");
	is_str(e.msg, "time: 412 s in the future (window 300 s)", "future");
	t.sec = now.sec - 1000;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), -1, "-1000 s");
	is_str(e.msg, "time: 1000 s in the past (window 300 s)", "past");
	t.sec = now.sec - 300;
	t.usec = now.usec - 1;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), -1, "-300.000001 s");
	is_str(e.msg, "time: 301 s in the past (window 300 s)", "past rounded");
	t.sec = INT64_MIN;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), -1, "absurd past");
	like(e.msg, "s in the past (window 300 s)", "no overflow");
	t.sec = INT64_MAX;
	is_int(ssmp_time_check_window(&t, &now, 300, &e), -1, "absurd future");
	like(e.msg, "s in the future", "no overflow either");
	ssmp_time_now(&t);
	ok(t.sec > 1700000000 && t.usec >= 0 && t.usec < 1000000, "now sane");
	now = t;
	is_int(ssmp_time_check_window(&t, &now, 0, &e), 0, "window 0, same");
}

int
main(void)
{
	test_parse_format();
	test_against_gmtime();
	test_window();
	return done_testing();
}
