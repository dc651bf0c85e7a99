/*
 * fuzz_allowanswer.c - the answer to an allow request, as the sending
 * side's consent client reads it (client/consent_client.c): the decoder
 * must survive any input, and whatever it accepts must re-encode to a
 * text that decodes to the same answer (encode . decode is a fixed point).
 */
#include "ssmp_allow.h"
#include "roundtrip.h"

static void
same(const struct ssmp_allow_answer *a, const struct ssmp_allow_answer *b)
{
	if (a->st.verdict != b->st.verdict || strcmp(a->st.code,
	    b->st.code) != 0 || (a->st.verdict == SSMP_ACCEPT &&
	    a->state != b->state))
		abort();
}

FUZZ_ROUNDTRIP(struct ssmp_allow_answer, ssmp_allow_answer_decode,
    ssmp_allow_answer_encode)
