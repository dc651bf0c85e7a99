/*
 * replay.c - the replay cache store: input checks, then the backend
 * (see replay.h, backend.h).
 */
#include "backend.h"

int
ks_replay_add(struct ks_store *ks, const char *domain, const char *nonce,
    int64_t expires, int64_t now, struct ssmp_err *err)
{
	char d[SSMP_DOMAIN_MAX + 1];

	/* The hot path: the caller checked the domain; lower-case it. */
	if (ks_lower(domain, d, sizeof(d), "domain", err) != 0)
		return -1;
	if (*nonce == '\0')
		return ssmp_err_set(err, "replay: empty nonce");
	return ks->be->replay->add(ks, d, nonce, expires, now, err);
}

int
ks_replay_sweep(struct ks_store *ks, int64_t now, size_t *count,
    struct ssmp_err *err)
{
	return ks->be->replay->sweep(ks, now, count, err);
}
