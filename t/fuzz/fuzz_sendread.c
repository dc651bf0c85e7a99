/*
 * fuzz_sendread.c - the message ssmp-send reads from its pipe.
 *
 * The input is fed to the reader of send/send_read.c (included for its
 * static reader) twice: whole, and in chunks of 1..256 octets (first
 * byte), as read(2) may return it.  Both must agree on the result, the
 * Message-ID and every spooled octet; an accepted message has CRLF line
 * ends only and starts with its header section.
 */
#include "send_read.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct result {
	enum sr_result		rc;
	struct sr_message	m;
	char			hash[SSMP_HASH_HEX + 1];
	char			*out;
	size_t			len;
};

static void
read_chunked(const char *p, size_t n, size_t chunk, struct result *res)
{
	struct reader	r;
	struct spool	sp;
	struct dl_body	body;
	struct ssmp_err	err;
	size_t		off, k;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	spool_init(&sp, 1 << 22, "/tmp");
	r.s = &sp;
	r.m = &res->m;
	ssmp_buf_init(&r.hdr);
	ssmp_buf_init(&r.line);
	res->rc = SR_OK;
	for (off = 0; res->rc == SR_OK && off < n; off += k) {
		k = n - off < chunk ? n - off : chunk;
		res->rc = feed(&r, p + off, k, &err);
	}
	if (res->rc == SR_OK)
		res->rc = finish(&r, &err);
	if (res->rc == SR_OK) {
		spool_finish(&sp, &body);
		if (body.mem == NULL && body.len > 0)
			abort();	/* 4 MB threshold: always in memory */
		res->out = malloc(body.len + 1);
		memcpy(res->out, body.mem, body.len);
		res->len = body.len;
		memcpy(res->hash, body.hash, sizeof(res->hash));
	}
	spool_reset(&sp);
	ssmp_buf_free(&r.hdr);
	ssmp_buf_free(&r.line);
}

static void
check_crlf(const struct result *a)
{
	for (size_t i = 0; i < a->len; i++)
		if (a->out[i] == '\n' && (i == 0 || a->out[i - 1] != '\r'))
			abort();
	if (a->len < 2 || a->out[0] == '\r' || a->out[0] == ' ' ||
	    a->out[0] == '\t')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result	whole, parts;

	if (size < 1)
		return 0;
	read_chunked((const char *)data + 1, size - 1, size, &whole);
	read_chunked((const char *)data + 1, size - 1, (size_t)data[0] + 1,
	    &parts);
	if (whole.rc != parts.rc || whole.len != parts.len ||
	    whole.m.have_msgid != parts.m.have_msgid ||
	    strcmp(whole.m.msgid, parts.m.msgid) != 0 ||
	    (whole.len > 0 && memcmp(whole.out, parts.out, whole.len) != 0) ||
	    strcmp(whole.hash, parts.hash) != 0)
		abort();
	if (whole.rc == SR_OK)
		check_crlf(&whole);
	free(whole.out);
	free(parts.out);
	return 0;
}
