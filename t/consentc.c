/*
 * consentc.c - builds a signed consent request (ssmp.7, CONSENT
 * HANDSHAKE) from a key given as a 32-byte hex seed, so the shell tests
 * can replay one or flood ssmpd with fresh ones:
 *   consentc SEED SEL TYPE FROM TO [NONCE]   -> allow request JSON
 * Exit 0, or 1 with a message on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ssmp_allow.h"
#include "ssmp_buf.h"
#include "ssmp_crypto.h"

int
main(int argc, char **argv)
{
	unsigned char		seed[SSMP_SEED_BYTES];
	enum ssmp_allow_type	type;
	struct ssmp_allow	a;
	struct ssmp_key		key;
	struct ssmp_err		err;
	struct ssmp_buf		b;

	if (argc < 6 || argc > 7 || strlen(argv[1]) != 2 * SSMP_SEED_BYTES) {
		fprintf(stderr, "usage: consentc SEED SEL TYPE FROM TO "
		    "[NONCE]\n");
		return 1;
	}
	for (int i = 0; i < SSMP_SEED_BYTES; i++)
		if (sscanf(argv[1] + 2 * i, "%2hhx", &seed[i]) != 1) {
			fprintf(stderr, "consentc: seed: bad hex\n");
			return 1;
		}
	if (ssmp_crypto_init(&err) != 0 ||
	    ssmp_allow_type_parse(argv[3], &type, &err) != 0) {
		fprintf(stderr, "consentc: %s\n", err.msg);
		return 1;
	}
	ssmp_key_from_seed(&key, seed);
	if (ssmp_allow_build(&a, type, NULL, argv[4], argv[5],
	    argc == 7 ? argv[6] : NULL, argv[2], &key, &err) != 0) {
		fprintf(stderr, "consentc: %s\n", err.msg);
		return 1;
	}
	ssmp_buf_init(&b);
	ssmp_allow_encode(&a, &b);
	fwrite(b.p, 1, b.len, stdout);
	fputc('\n', stdout);
	ssmp_buf_free(&b);
	return 0;
}
