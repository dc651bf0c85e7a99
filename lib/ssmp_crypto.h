/*
 * ssmp_crypto.h - Ed25519 (libsodium) and SHA-256 (OpenSSL) as SSMP/1
 * uses them.
 */
#ifndef SSMP_CRYPTO_H
#define SSMP_CRYPTO_H

#include <stddef.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

/* Call once before anything else; -1 if libsodium cannot start. */
int ssmp_crypto_init(struct ssmp_err *err);

struct ssmp_key {
	unsigned char	sk[SSMP_SECKEY_BYTES];	/* seed || public key */
	unsigned char	pk[SSMP_PUBKEY_BYTES];
};

void ssmp_key_generate(struct ssmp_key *k);
void ssmp_key_from_seed(struct ssmp_key *k,
    const unsigned char seed[SSMP_SEED_BYTES]);
void ssmp_key_seed(const struct ssmp_key *k, unsigned char seed[SSMP_SEED_BYTES]);
void ssmp_key_wipe(struct ssmp_key *k);

void ssmp_sign(const struct ssmp_key *k, const void *msg, size_t len,
    unsigned char sig[SSMP_SIG_BYTES]);
/* 0 if sig is valid for msg under pk; -1 with "signature does not verify". */
int ssmp_verify(const unsigned char pk[SSMP_PUBKEY_BYTES], const void *msg,
    size_t len, const unsigned char sig[SSMP_SIG_BYTES], struct ssmp_err *err);

/*
 * Streaming body hash: fed while the message passes through, no 2nd pass.
 * SHA-256 through OpenSSL's EVP, which uses the CPU's SHA instructions
 * (here about six times libsodium's portable code: bench/hot-bench).
 * The context is allocated at the first update and freed by
 * ssmp_hash_final_hex; a hash given up before that needs ssmp_hash_clear.
 */
struct evp_md_ctx_st;
struct ssmp_hash {
	struct evp_md_ctx_st	*md;
};
void ssmp_hash_init(struct ssmp_hash *h);
void ssmp_hash_update(struct ssmp_hash *h, const void *p, size_t len);
/* Finish and write 64 lower-case hex digits + NUL. */
void ssmp_hash_final_hex(struct ssmp_hash *h, char hex[SSMP_HASH_HEX + 1]);
/* Give up an unfinished hash (no-op after final or init). */
void ssmp_hash_clear(struct ssmp_hash *h);
void ssmp_hash_hex(const void *p, size_t len, char hex[SSMP_HASH_HEX + 1]);

/* Random nonce, base64url without padding. */
void ssmp_nonce_new(char out[SSMP_NONCE_LEN + 1]);
int ssmp_nonce_check(const char *nonce, struct ssmp_err *err);

#endif
