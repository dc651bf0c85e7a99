/*
 * milter.h - process-wide state of ssmp-milter.
 *
 * libmilter callbacks get no user argument, so the configuration, the
 * delivery client, the keystore and the signing keys live in one global,
 * set up in main() before smfi_main() starts threads and read-only after
 * that (the client and the store are thread-safe themselves).
 */
#ifndef SSMP_MILTER_H
#define SSMP_MILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "deliver.h"

struct ks_store;
struct keyproc;
struct signer;

struct milter {
	struct ssmp_config	 cfg;
	struct ssmp_cidr	*nets;		/* InternalHosts */
	size_t			 nnets;
	struct dl_client	*dl;
	struct ks_store		*ks;		/* NULL: no Database */
	struct signer		*signer;
	struct keyproc		*kp;		/* reads the key files */
	const char		*hostname;
};

extern struct milter *milter;

/* callbacks.c */
struct smfiDesc;
extern struct smfiDesc milter_desc;

#endif
