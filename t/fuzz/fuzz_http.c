/*
 * fuzz_http.c - raw bytes into ssmpd's request head parser, the code
 * that sees every byte a client sends before any handler runs.  The
 * parse is repeated with the head limit at the input's length (the
 * incremental "need more" path) and at SSMP_HTTP_HEADER_MAX.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_parse.h"
#include "ssmp_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head h;
	struct http_parse_err err;
	size_t used = 0, lim[2] = { size > 1 ? size - 1 : 1,
	    SSMP_HTTP_HEADER_MAX };

	for (int i = 0; i < 2; i++) {
		if (http_head_parse((const char *)data, size, lim[i], &h, &used,
		    &err) == HTTP_PARSE_DONE) {
			if (used > size)
				__builtin_trap();
			(void)http_header_get(&h, "host");
			http_head_free(&h);
		}
	}
	return 0;
}
