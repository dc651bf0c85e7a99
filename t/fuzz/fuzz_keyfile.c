/*
 * fuzz_keyfile.c - the keystore's file parsers on arbitrary bytes: the
 * KeyTable, PEM private keys and ssmp.conf.  The first byte picks the
 * parser so one corpus covers all three; none may crash or leak, and a
 * parsed key must round-trip.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_config.h"
#include "keyfile.h"
#include "keytable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
keytable(const char *p, size_t n)
{
	struct ks_keytable	*t;
	struct ssmp_err		 err;
	size_t			 i;

	if (ks_keytable_parse("fuzz", p, n, "/d", &t, &err) != 0)
		return;
	for (i = 0; i < t->n; i++)
		if (ks_keytable_find(t, t->v[i].domain, t->v[i].selector) ==
		    NULL || ks_keytable_signing(t, t->v[i].domain) == NULL)
			abort();
	ks_keytable_release(t);
}

static void
pem(const char *p, size_t n)
{
	struct ssmp_key	k, k2;
	unsigned char	seed[SSMP_SEED_BYTES];
	struct ssmp_err	err;

	if (ks_keyfile_parse("fuzz", p, n, &k, &err) != 0)
		return;
	ssmp_key_seed(&k, seed);
	ssmp_key_from_seed(&k2, seed);
	if (memcmp(k.pk, k2.pk, sizeof(k.pk)) != 0)
		abort();
}

static void
config(const char *p, size_t n)
{
	struct ssmp_config	cfg;
	struct ssmp_err		err;

	if (ssmp_config_parse("fuzz", p, n, &cfg, &err) == 0)
		ssmp_config_free(&cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		keytable((const char *)data + 1, size - 1);
		break;
	case 1:
		pem((const char *)data + 1, size - 1);
		break;
	default:
		config((const char *)data + 1, size - 1);
		break;
	}
	return 0;
}
