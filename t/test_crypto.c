/*
 * test_crypto.c - Ed25519 (RFC 8032 vector), SHA-256, base64, nonces
 * and byte buffers.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ssmp_b64.h"
#include "ssmp_buf.h"
#include "ssmp_crypto.h"
#include "t/tap.h"

/* RFC 8032 section 7.1, TEST 1: empty message. */
#define T1_SEED	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define T1_PK	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define T1_SIG	"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155" \
		"5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"

static void
hex2bin(unsigned char *out, size_t n, const char *hex)
{
	size_t len;

	if (sodium_hex2bin(out, n, hex, strlen(hex), NULL, &len, NULL) != 0 ||
	    len != n)
		memset(out, 0, n);
}

static const char *
bin2hex(const unsigned char *b, size_t n)
{
	static char buf[2 * SSMP_SIG_BYTES + 1];

	return sodium_bin2hex(buf, sizeof(buf), b, n);
}

static void
test_ed25519(void)
{
	unsigned char	seed[SSMP_SEED_BYTES], back[SSMP_SEED_BYTES];
	unsigned char	sig[SSMP_SIG_BYTES];
	struct ssmp_key	k, k2;
	struct ssmp_err	e;

	hex2bin(seed, sizeof(seed), T1_SEED);
	ssmp_key_from_seed(&k, seed);
	is_str(bin2hex(k.pk, sizeof(k.pk)), T1_PK, "RFC 8032 test 1 public key");
	ssmp_sign(&k, "", 0, sig);
	is_str(bin2hex(sig, sizeof(sig)), T1_SIG, "RFC 8032 test 1 signature");
	is_int(ssmp_verify(k.pk, "", 0, sig, &e), 0, "verifies");
	is_int(ssmp_verify(k.pk, "x", 1, sig, &e), -1, "other message fails");
	is_str(e.msg, "signature does not verify", "verify error");
	sig[0] ^= 1;
	is_int(ssmp_verify(k.pk, "", 0, sig, &e), -1, "flipped bit fails");
	ssmp_key_seed(&k, back);
	ok(memcmp(back, seed, sizeof(seed)) == 0, "seed recovered");

	ssmp_key_generate(&k2);
	ssmp_sign(&k2, "hello", 5, sig);
	is_int(ssmp_verify(k2.pk, "hello", 5, sig, &e), 0, "generated key");
	is_int(ssmp_verify(k.pk, "hello", 5, sig, &e), -1, "wrong key fails");
	ssmp_key_wipe(&k2);
	ok(sodium_is_zero((unsigned char *)&k2, sizeof(k2)), "wiped");
}

static void
test_sha256(void)
{
	struct ssmp_hash	h;
	char			hex[SSMP_HASH_HEX + 1];

	ssmp_hash_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	    "f20015ad", "SHA-256(abc)");
	ssmp_hash_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
	    "7852b855", "SHA-256(empty)");
	ssmp_hash_init(&h);
	ssmp_hash_update(&h, "a", 1);
	ssmp_hash_update(&h, "", 0);
	ssmp_hash_update(&h, "bc", 2);
	ssmp_hash_final_hex(&h, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	    "f20015ad", "streamed SHA-256(abc)");
}

static const struct {
	const char	*in;
	enum ssmp_b64	 v;
	size_t		 want;
	const char	*msg;
} bad_b64[] = {
	{ "", SSMP_B64_STD, 0, "x: empty base64 value" },
	{ "Zm9v YmFy", SSMP_B64_STD, 0, "x: invalid base64" },
	{ "Zm9vYg", SSMP_B64_STD, 0, "x: invalid base64" },	/* no padding */
	/* unused bits set: libsodium itself refuses them as invalid */
	{ "Zm9vYh==", SSMP_B64_STD, 0, "x: invalid base64" },
	{ "Zm9vYmE=", SSMP_B64_STD, 3, "x: decodes to 5 bytes, want 3" },
	{ "Zm9v-_8=", SSMP_B64_STD, 0, "x: invalid base64" },
	{ "Zm9v+/8", SSMP_B64_URL, 0, "x: invalid base64 at offset 4" },
	{ "Zm9vYg==", SSMP_B64_URL, 0, "x: invalid base64" },
	{ "Zm9vYh", SSMP_B64_URL, 0, "x: invalid base64url (unpadded)" },
	{ "Zm9v\n", SSMP_B64_STD, 0, "x: invalid base64" },
};

static void
test_b64(void)
{
	unsigned char	bin[64];
	char		out[64];
	size_t		n = 0, i;
	struct ssmp_err	e;

	is_int(ssmp_b64_encoded_len(32, SSMP_B64_STD), SSMP_PUBKEY_B64 + 1,
	    "32 bytes -> 44 chars + NUL");
	is_int(ssmp_b64_encoded_len(64, SSMP_B64_STD), SSMP_SIG_B64 + 1,
	    "64 bytes -> 88 chars + NUL");
	is_int(ssmp_b64_encoded_len(16, SSMP_B64_URL), SSMP_NONCE_LEN + 1,
	    "16 bytes -> 22 chars + NUL (url)");
	ssmp_b64_encode(out, sizeof(out), (const unsigned char *)"foob", 4,
	    SSMP_B64_STD);
	is_str(out, "Zm9vYg==", "encode std");
	ssmp_b64_encode(out, sizeof(out), (const unsigned char *)"\xfb\xff", 2,
	    SSMP_B64_URL);
	is_str(out, "-_8", "encode url");
	is_int(ssmp_b64_decode("Zm9vYg==", bin, sizeof(bin), &n, 0,
	    SSMP_B64_STD, "x", &e), 0, "decode std");
	ok(n == 4 && memcmp(bin, "foob", 4) == 0, "decoded bytes");
	is_int(ssmp_b64_decode("-_8", bin, sizeof(bin), &n, 2, SSMP_B64_URL,
	    "x", &e), 0, "decode url");
	ok(n == 2 && bin[0] == 0xfb && bin[1] == 0xff, "decoded url bytes");
	for (i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++) {
		e.msg[0] = '\0';
		is_int(ssmp_b64_decode(bad_b64[i].in, bin, sizeof(bin), &n,
		    bad_b64[i].want, bad_b64[i].v, "x", &e), -1,
		    "refuse base64 %zu", i);
		like(e.msg, bad_b64[i].msg, "error for base64 %zu", i);
	}
	is_int(ssmp_b64_decode("Zm9vYmFy", bin, 3, &n, 0, SSMP_B64_STD, "x",
	    &e), -1, "longer than buffer");
}

static void
test_nonce(void)
{
	char		a[SSMP_NONCE_LEN + 1], b[SSMP_NONCE_LEN + 1];
	struct ssmp_err	e;

	ssmp_nonce_new(a);
	ssmp_nonce_new(b);
	is_int(strlen(a), SSMP_NONCE_LEN, "nonce length");
	ok(strcmp(a, b) != 0, "two nonces differ");
	is_int(ssmp_nonce_check(a, &e), 0, "fresh nonce passes");
	is_int(ssmp_nonce_check("AAAAAAAAAAAAAAAAAAAAAA", &e), 0, "zero nonce");
	is_int(ssmp_nonce_check("AAAAAAAAAAAAAAAAAAAAA", &e), -1, "21 chars");
	is_str(e.msg, "nonce: must be 22 base64url characters", "length error");
	is_int(ssmp_nonce_check("AAAAAAAAAAAAAAAAAAAAA+", &e), -1, "'+'");
	like(e.msg, "nonce: invalid base64url", "'+' error");
	is_int(ssmp_nonce_check("AAAAAAAAAAAAAAAAAAAAAB", &e), -1,
	    "unused bits set");
	like(e.msg, "nonce: invalid base64url", "non-canonical error");
	is_int(ssmp_nonce_check("AAAAAAAAAAAAAAAAAAAA==", &e), -1, "padding");
}

static void
test_buf(void)
{
	struct ssmp_buf	 b;
	char		*hex, *s;
	int		 i;

	ssmp_buf_init(&b);
	ssmp_buf_reset(&b);
	ok(b.len == 0 && b.p == NULL, "empty buffer");
	ssmp_buf_line(&b, "time", "20240101000000000000");
	ssmp_buf_line(&b, "from", "a@b.example");
	is_str(b.p, "time:20240101000000000000\nfrom:a@b.example\n", "lines");
	ssmp_buf_reset(&b);
	is_str(b.p, "", "reset");
	ssmp_buf_add(&b, "\x00\xff", 2);
	hex = ssmp_buf_hex(&b);
	is_str(hex, "00ff", "hex of binary");
	free(hex);
	for (i = 0; i < 1000; i++)
		ssmp_buf_adds(&b, "0123456789");
	is_int(b.len, 10002, "grows");
	ok(b.p[b.len] == '\0' && b.cap > b.len, "NUL-terminated");
	ssmp_buf_free(&b);
	ok(b.p == NULL && b.len == 0, "freed");
	s = ssmp_xstrdup("dup");
	is_str(s, "dup", "xstrdup");
	free(s);
}

int
main(void)
{
	struct ssmp_err e;

	if (ssmp_crypto_init(&e) != 0) {
		diag("%s", e.msg);
		return 1;
	}
	test_ed25519();
	test_sha256();
	test_b64();
	test_nonce();
	test_buf();
	return done_testing();
}
