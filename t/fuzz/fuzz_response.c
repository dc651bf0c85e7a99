/*
 * fuzz_response.c - the response decoder must survive any input, and
 * whatever it accepts must re-encode to a text that decodes to the same
 * response (encode(decode(x)) is a fixed point).
 */
#include "ssmp_status.h"
#include "roundtrip.h"

static void
same(const struct ssmp_response *a, const struct ssmp_response *b)
{
	if (a->st.verdict != b->st.verdict || a->nrcpt != b->nrcpt ||
	    a->has_receipt != b->has_receipt)
		abort();
}

FUZZ_ROUNDTRIP(struct ssmp_response, ssmp_response_decode, ssmp_response_encode)
