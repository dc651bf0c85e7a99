/*
 * tap.h - a minimal Test Anything Protocol harness for the C unit tests.
 * automake's tap-driver.sh reads the output.
 */
#ifndef SSMP_TAP_H
#define SSMP_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static void __attribute__((format(printf, 2, 3), unused))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int c_ = g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0;	\
	ok(c_, __VA_ARGS__);						\
	if (!c_)							\
		printf("#   got:  '%s'\n#   want: '%s'\n",		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define is_int(got, want, ...) do {					\
	long long g_ = (got), w_ = (want);				\
	ok(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_)							\
		printf("#   got:  %lld\n#   want: %lld\n", g_, w_);	\
} while (0)

/* An error message must say what is wrong: check it names `needle`. */
#define like(got, needle, ...) do {					\
	const char *g_ = (got), *n_ = (needle);				\
	int c_ = g_ != NULL && strstr(g_, n_) != NULL;			\
	ok(c_, __VA_ARGS__);						\
	if (!c_)							\
		printf("#   got:  '%s'\n#   want substring: '%s'\n",	\
		    g_ ? g_ : "(null)", n_);				\
} while (0)

static void __attribute__((format(printf, 1, 2), unused))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int __attribute__((unused))
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
