/*
 * roundtrip.h - the body shared by the wire format fuzz targets.
 *
 * FUZZ_ROUNDTRIP(type, decode, encode) defines LLVMFuzzerTestOneInput:
 * decoding arbitrary input must never crash, and whatever is accepted
 * must re-encode to a text that decodes again and re-encodes to the same
 * text (encode . decode is a fixed point).  The file defines
 * `static void same(type *a, type *b)` beforehand to compare the parsed
 * fields the encoding does not show, aborting on a difference.
 */
#ifndef SSMP_FUZZ_ROUNDTRIP_H
#define SSMP_FUZZ_ROUNDTRIP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "ssmp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ROUNDTRIP(type, decode, encode)				\
int									\
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	static type	a, b;						\
	struct ssmp_buf	ea, eb;						\
	struct ssmp_err	err;						\
									\
	if (decode((const char *)data, size, &a, &err) != 0)		\
		return 0;						\
	ssmp_buf_init(&ea);						\
	ssmp_buf_init(&eb);						\
	encode(&a, &ea);						\
	if (decode(ea.p, ea.len, &b, &err) != 0)			\
		abort();	/* we wrote something we refuse */	\
	encode(&b, &eb);						\
	if (strcmp(ea.p, eb.p) != 0)					\
		abort();						\
	same(&a, &b);							\
	ssmp_buf_free(&ea);						\
	ssmp_buf_free(&eb);						\
	return 0;							\
}

#endif
