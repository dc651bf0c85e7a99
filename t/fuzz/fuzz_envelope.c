/*
 * fuzz_envelope.c - the envelope decoder must survive any input, and
 * whatever it accepts must re-encode to a text that decodes to the same
 * envelope (encode(decode(x)) is a fixed point).
 */
#include "ssmp_envelope.h"
#include "roundtrip.h"

static void
same(const struct ssmp_envelope *a, const struct ssmp_envelope *b)
{
	if (a->tm.sec != b->tm.sec || a->tm.usec != b->tm.usec ||
	    a->nto != b->nto ||
	    strcmp(a->from_addr.full, b->from_addr.full) != 0 ||
	    strcmp(a->to_addr[a->nto - 1].full,
	    b->to_addr[b->nto - 1].full) != 0)
		abort();
}

FUZZ_ROUNDTRIP(struct ssmp_envelope, ssmp_envelope_decode, ssmp_envelope_encode)
