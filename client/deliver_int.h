/*
 * deliver_int.h - what the modules of libdeliver share, nothing more.
 */
#ifndef SSMP_DELIVER_INT_H
#define SSMP_DELIVER_INT_H

#include "deliver.h"

struct ssmp_config;
struct dl_cache;
struct dlh;

struct dl_client {
	struct dl_resolver	 dns;
	struct ks_store		*ks;
	long			 min_ttl, max_ttl;
	struct dl_cache		*cache;
	struct dlh		*http;
};

struct dl_cache *dl_cache_new(void);
void dl_cache_free(struct dl_cache *t);

/*
 * A usable key: DL_DNS_OK; DL_DNS_NONE when it is not published or
 * revoked (lasting), DL_DNS_TEMP when the lookup failed for now; err
 * names why.
 */
enum dl_dns dl_key_get(struct dl_client *c, const char *domain, const char *sel,
    struct ssmp_keyrec *key, struct ssmp_err *err);

/* Copy src into dst[dstlen], cutting what does not fit (batch.c). */
void dl_copy(char *dst, size_t dstlen, const char *src);

/* Bucket of a name in a table of nbucket (the caches of libdeliver). */
unsigned dl_hash(const char *s, unsigned nbucket);

#endif
