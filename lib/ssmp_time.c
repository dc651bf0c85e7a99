/*
 * ssmp_time.c - the twenty-digit UTC time stamp of SSMP/1.
 *
 * The calendar arithmetic is done here (Howard Hinnant's days-from-civil)
 * rather than with timegm(): no locale, TZ or platform time_t range can
 * change what a signed time stamp means.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "ssmp_time.h"

#define YEAR_MIN	1970
#define YEAR_MAX	9999
#define USEC		1000000LL
#define SEC_MAX		253402300799LL	/* 9999-12-31 23:59:59 */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		era;
	unsigned	doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
	static const unsigned char mdays[] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

static unsigned
digits(const char *p, int n)
{
	unsigned v = 0;

	while (n-- > 0)
		v = v * 10 + (unsigned)(*p++ - '0');
	return v;
}

static void
put_digits(char *p, int n, unsigned v)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Fields in string order: name, offset, width, lowest, highest. */
static const struct field {
	const char	*name;
	int		 off, width;
	unsigned	 lo, hi;
} fields[] = {
	{ "year",	0,  4, YEAR_MIN, YEAR_MAX },
	{ "month",	4,  2, 1, 12 },
	{ "day",	6,  2, 1, 31 },
	{ "hour",	8,  2, 0, 23 },
	{ "minute",	10, 2, 0, 59 },
	{ "second",	12, 2, 0, 59 },
	{ "microsecond", 14, 6, 0, 999999 },
};

int
ssmp_time_parse(const char *in, struct ssmp_time *out, struct ssmp_err *err)
{
	unsigned	v[7];
	size_t		i, len;

	len = strnlen(in, SSMP_TIME_LEN + 1);
	for (i = 0; i < len; i++)
		if (in[i] < '0' || in[i] > '9')
			return ssmp_err_set(err, "time: non-digit at offset %zu "
			    "(want YYYYmmddHHMMSSffffff)", i);
	if (len != SSMP_TIME_LEN)
		return ssmp_err_set(err, "time: must be %d digits "
		    "(YYYYmmddHHMMSSffffff), got %s%zu", SSMP_TIME_LEN,
		    len > SSMP_TIME_LEN ? "more than " : "",
		    len > SSMP_TIME_LEN ? (size_t)SSMP_TIME_LEN : len);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		v[i] = digits(in + fields[i].off, fields[i].width);
		if (v[i] < fields[i].lo || v[i] > fields[i].hi)
			return ssmp_err_set(err, "time: %s %u out of range "
			    "(%u..%u)", fields[i].name, v[i], fields[i].lo,
			    fields[i].hi);
	}
	if (v[2] > days_in_month(v[0], v[1]))
		return ssmp_err_set(err, "time: day %u out of range "
		    "(%04u-%02u has %u days)", v[2], v[0], v[1],
		    days_in_month(v[0], v[1]));
	out->sec = days_from_civil(v[0], v[1], v[2]) * 86400 +
	    (int64_t)v[3] * 3600 + v[4] * 60 + v[5];
	out->usec = (int32_t)v[6];
	return 0;
}

int
ssmp_time_format(const struct ssmp_time *t, char *out, struct ssmp_err *err)
{
	int64_t		y, rem;
	unsigned	m, d;

	if (t->usec < 0 || t->usec >= USEC)
		return ssmp_err_set(err, "time: microseconds %ld out of range",
		    (long)t->usec);
	if (t->sec < 0 || t->sec > SEC_MAX)
		return ssmp_err_set(err, "time: %lld seconds is outside years "
		    "%d..%d", (long long)t->sec, YEAR_MIN, YEAR_MAX);
	civil_from_days(t->sec / 86400, &y, &m, &d);
	rem = t->sec % 86400;
	put_digits(out + 0, 4, (unsigned)y);
	put_digits(out + 4, 2, m);
	put_digits(out + 6, 2, d);
	put_digits(out + 8, 2, (unsigned)(rem / 3600));
	put_digits(out + 10, 2, (unsigned)(rem / 60 % 60));
	put_digits(out + 12, 2, (unsigned)(rem % 60));
	put_digits(out + 14, 6, (unsigned)t->usec);
	out[SSMP_TIME_LEN] = '\0';
	return 0;
}

void
ssmp_time_now(struct ssmp_time *out)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	out->sec = tv.tv_sec;
	out->usec = (int32_t)tv.tv_usec;
}

static int
outside(long long secs, int window, struct ssmp_err *err)
{
	return ssmp_err_set(err, "time: %lld s in the %s (window %d s)",
	    secs < 0 ? -secs : secs, secs < 0 ? "past" : "future", window);
}

int
ssmp_time_check_window(const struct ssmp_time *t, const struct ssmp_time *now,
    int window, struct ssmp_err *err)
{
	int64_t	dsec, dus, limit;

	if (window < 0)
		window = 0;
	if (__builtin_sub_overflow(t->sec, now->sec, &dsec))
		dsec = t->sec > now->sec ? INT64_MAX : -INT64_MAX;
	/* Far outside: whole seconds, so microseconds cannot overflow. */
	if (dsec > (int64_t)window + 1 || dsec < -(int64_t)window - 1)
		return outside(dsec < -INT64_MAX ? -INT64_MAX : dsec, window,
		    err);
	dus = dsec * USEC + (t->usec - now->usec);
	limit = (int64_t)window * USEC;
	/* Round away from zero: 300.2 s is over a 300 s window. */
	if (dus > limit)
		return outside((dus + USEC - 1) / USEC, window, err);
	if (dus < -limit)
		return outside((dus - USEC + 1) / USEC, window, err);
	return 0;
}
