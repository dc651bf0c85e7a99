/*
 * fuzz_allow.c - the allow decoder must survive any input, and
 * whatever it accepts must re-encode to a text that decodes to the same
 * allow (encode(decode(x)) is a fixed point).
 */
#include "ssmp_allow.h"
#include "roundtrip.h"

static void
same(const struct ssmp_allow *a, const struct ssmp_allow *b)
{
	if (a->type != b->type || a->tm.sec != b->tm.sec ||
	    strcmp(a->to_addr.full, b->to_addr.full) != 0)
		abort();
}

FUZZ_ROUNDTRIP(struct ssmp_allow, ssmp_allow_decode, ssmp_allow_encode)
