/*
 * fuzz_hdrfilter.c - the hand-off's trust header filter (bridge/
 * hdrfilter.c) over any message, in pieces of any size.
 *
 * The first octet chooses the piece size.  The result must not depend on
 * how the message was cut, must never be longer than the message, and
 * must be a fixed point: filtering it again removes nothing (no
 * SSMP-Trust field and no Authentication-Results field of our authserv-id
 * survives in any form the filter itself would recognise).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdrfilter.h"
#include "ssmp_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
collect(void *arg, const char *p, size_t n)
{
	ssmp_buf_add(arg, p, n);
	return 0;
}

static size_t
run(const char *p, size_t n, size_t step, struct ssmp_buf *out)
{
	static struct hdrfilter f;

	hf_init(&f, "ssmp.b.test", collect, out);
	for (size_t i = 0; i < n; i += step)
		hf_feed(&f, p + i, n - i < step ? n - i : step);
	hf_finish(&f);
	return f.removed;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssmp_buf whole, cut, again;
	size_t step;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	data++, size--;
	ssmp_buf_init(&whole);
	ssmp_buf_init(&cut);
	ssmp_buf_init(&again);
	run((const char *)data, size, size > 0 ? size : 1, &whole);
	run((const char *)data, size, step, &cut);
	if (whole.len != cut.len || (whole.len > 0 &&
	    memcmp(whole.p, cut.p, whole.len) != 0))
		abort();
	if (whole.len > size)
		abort();
	if (run(whole.p, whole.len, whole.len > 0 ? whole.len : 1, &again) != 0)
		abort();
	ssmp_buf_free(&whole);
	ssmp_buf_free(&cut);
	ssmp_buf_free(&again);
	return 0;
}
