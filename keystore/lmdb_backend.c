/*
 * lmdb_backend.c - the LMDB backend's table: the engine (lmdb.c) and one
 * module per store (lmdb_<store>.c).  Apart from the engine, which the
 * modules call, so that the engine calls none of them.
 */
#include "lmdb_int.h"

static const struct ks_backend lm_backend = {
	.name = "lmdb",
	.close = lm_close,
	.stats = lm_stats,
	.allow = &lm_allow_ops,
	.keycache = &lm_keycache_ops,
	.replay = &lm_replay_ops,
	.delivered = &lm_delivered_ops,
	.consent = &lm_consent_ops,
	.report = &lm_report_ops,
};

int
ks_lmdb_open(const char *dir, size_t mapsize, int flags,
    struct ks_store **out, struct ssmp_err *err)
{
	return lm_open(&lm_backend, dir, mapsize, flags, out, err);
}

void *
ks_raw_env(struct ks_store *ks, enum ks_db db, unsigned *dbi)
{
	if (ks->be != &lm_backend)
		return NULL;
	return lm_raw_env(ks, db, dbi);
}
