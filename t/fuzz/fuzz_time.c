/*
 * fuzz_time.c - the 20-digit time stamp.
 *
 * A time that parses formats back to the same twenty digits; raw bytes
 * taken as seconds and microseconds either fail to format or survive a
 * format/parse round trip, and never upset the window check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
raw(const uint8_t *d, size_t n)
{
	struct ssmp_time	t, now = { 1700000000, 0 }, back;
	struct ssmp_err		e;
	char			out[SSMP_TIME_LEN + 1];
	int			window;

	if (n < sizeof(t.sec) + sizeof(t.usec) + sizeof(window))
		return;
	memcpy(&t.sec, d, sizeof(t.sec));
	memcpy(&t.usec, d + sizeof(t.sec), sizeof(t.usec));
	memcpy(&window, d + sizeof(t.sec) + sizeof(t.usec), sizeof(window));
	(void)ssmp_time_check_window(&t, &now, window, &e);
	if (ssmp_time_format(&t, out, &e) != 0)
		return;
	if (ssmp_time_parse(out, &back, &e) != 0 || back.sec != t.sec ||
	    back.usec != t.usec)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ssmp_time	 t, now;
	struct ssmp_err		 e;
	char			*s = malloc(n + 1), out[SSMP_TIME_LEN + 1];

	if (s == NULL)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';
	if (ssmp_time_parse(s, &t, &e) == 0) {
		if (ssmp_time_format(&t, out, &e) != 0 || strcmp(out, s) != 0)
			abort();
		ssmp_time_now(&now);
		(void)ssmp_time_check_window(&t, &now, 300, &e);
	}
	raw(d, n);
	free(s);
	return 0;
}
