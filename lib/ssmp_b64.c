/*
 * ssmp_b64.c - base64 on libsodium's constant-time codec.
 */
#include <string.h>
#include <sodium.h>

#include "ssmp_b64.h"

static int
variant(enum ssmp_b64 v)
{
	return v == SSMP_B64_URL ? sodium_base64_VARIANT_URLSAFE_NO_PADDING :
	    sodium_base64_VARIANT_ORIGINAL;
}

/*
 * The last character of a base64 text can carry unused bits; two texts
 * would then decode to the same bytes.  Signatures and nonces must have
 * one spelling, so re-encode and compare.
 */
static int
canonical(const char *in, size_t inlen, const unsigned char *bin, size_t n,
    enum ssmp_b64 v)
{
	char	buf[1024];
	size_t	need = sodium_base64_ENCODED_LEN(n, variant(v));

	if (need > sizeof(buf))
		return 1;	/* only short fields are checked */
	sodium_bin2base64(buf, sizeof(buf), bin, n, variant(v));
	return strlen(buf) == inlen && memcmp(buf, in, inlen) == 0;
}

size_t
ssmp_b64_encoded_len(size_t binlen, enum ssmp_b64 v)
{
	return sodium_base64_ENCODED_LEN(binlen, variant(v));
}

void
ssmp_b64_encode(char *out, size_t outlen, const unsigned char *bin,
    size_t binlen, enum ssmp_b64 v)
{
	sodium_bin2base64(out, outlen, bin, binlen, variant(v));
}

int
ssmp_b64_decode(const char *in, unsigned char *bin, size_t binmax,
    size_t *binlen, size_t want, enum ssmp_b64 v, const char *what,
    struct ssmp_err *err)
{
	const char	*end;
	size_t		 n = 0, inlen = strlen(in);

	if (inlen == 0)
		return ssmp_err_set(err, "%s: empty base64 value", what);
	if (sodium_base642bin(bin, binmax, in, inlen, NULL, &n, &end,
	    variant(v)) != 0)
		return ssmp_err_set(err, "%s: invalid base64%s", what,
		    v == SSMP_B64_URL ? "url (unpadded)" : "");
	if (end != in + inlen)
		return ssmp_err_set(err, "%s: invalid base64 at offset %zu",
		    what, (size_t)(end - in));
	if (want > 0 && n != want)
		return ssmp_err_set(err, "%s: decodes to %zu bytes, want %zu",
		    what, n, want);
	if (!canonical(in, inlen, bin, n, v))
		return ssmp_err_set(err, "%s: non-canonical base64 (unused bits "
		    "set)", what);
	if (binlen != NULL)
		*binlen = n;
	return 0;
}
