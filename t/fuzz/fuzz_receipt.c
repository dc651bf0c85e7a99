/*
 * fuzz_receipt.c - the receipt decoder must survive any input, and
 * whatever it accepts must re-encode to a text that decodes to the same
 * receipt (encode(decode(x)) is a fixed point).
 */
#include "ssmp_receipt.h"
#include "roundtrip.h"

static void
same(const struct ssmp_receipt *a, const struct ssmp_receipt *b)
{
	if (a->nto != b->nto || memcmp(a->sig, b->sig, sizeof(a->sig)) != 0)
		abort();
}

FUZZ_ROUNDTRIP(struct ssmp_receipt, ssmp_receipt_decode, ssmp_receipt_encode)
