/*
 * fuzz_keyhttp.c - the answer of a sender's HTTPS key endpoint, as
 * ssmpd's key fetcher (bridge/keyhttp.c, included for its static
 * callbacks) sees it from libcurl: header lines one by one, the body in
 * pieces, then the transfer's status.
 *
 * Input: one byte picking the HTTP status and transfer result, one byte
 * for the body piece size, then header lines up to an empty line, then
 * the body.  The callback must run exactly once, with a record only on
 * success and a bounded reason otherwise.
 */
#include "keyhttp.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int calls;

static void
done(enum keys_dns r, const struct ssmp_keyrec *rec, long maxage,
    const char *why, void *arg)
{
	(void)maxage;
	(void)arg;
	calls++;
	if ((r == KEYS_DNS_OK) != (rec != NULL) ||
	    (r != KEYS_DNS_OK && (why == NULL || strlen(why) >
	    SSMP_REASON_MAX)))
		abort();
}

/* Header lines, each with its CRLF, as CURLOPT_HEADERFUNCTION gets them. */
static size_t
headers(struct fetch *f, const char *p, size_t n)
{
	size_t off = 0, k;
	const char *nl;

	while (off < n) {
		nl = memchr(p + off, '\n', n - off);
		k = nl != NULL ? (size_t)(nl - (p + off)) + 1 : n - off;
		if (on_header((char *)p + off, 1, k, f) != k)
			abort();
		off += k;
		if (k <= 2 && (p[off - 1] == '\n'))
			break;		/* blank line: the body follows */
	}
	return off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long status[] = { 200, 200, 200, 404, 500, 301, 0 };
	struct fetch	*f;
	CURLcode	 cc = CURLE_OK;
	const char	*p = (const char *)data + 2;
	size_t		 n, off, k, piece;

	if (size < 2)
		return 0;
	f = ssmp_xcalloc(1, sizeof(*f));
	f->cb = done;
	f->maxage = -1;
	n = size - 2;
	piece = (size_t)data[1] + 1;
	off = headers(f, p, n);
	for (; off < n; off += k) {
		k = n - off < piece ? n - off : piece;
		if (on_body((char *)p + off, 1, k, f) != k) {
			cc = CURLE_WRITE_ERROR;	/* curl aborts the transfer */
			break;
		}
	}
	if (f->len > BODY_MAX)
		abort();
	if (data[0] & 0x80)
		cc = CURLE_OPERATION_TIMEDOUT;
	calls = 0;
	answer(f, cc, status[data[0] % (sizeof(status) / sizeof(status[0]))]);
	if (calls != 1)
		abort();
	free(f);
	return 0;
}
