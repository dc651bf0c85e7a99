/*
 * store.c - the keystore handle: which backend serves Database, and the
 * helpers every store module shares (see store.h, backend.h).
 *
 * The stores themselves are one module each: allowlist.c, keycache.c,
 * replay.c, delivered.c, consent.c (input checks), each calling its
 * backend's table (lmdb_*.c for LMDB).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backend.h"

static const char *const db_names[KS_NDB] = {
	"allow", "keycache", "replay", "received", "consent", "sent"
};

const char *
ks_db_name(enum ks_db db)
{
	return (unsigned)db < KS_NDB ? db_names[db] : "?";
}

int
ks_open(const char *dir, size_t mapsize, int flags, struct ks_store **out,
    struct ssmp_err *err)
{
	return ks_lmdb_open(dir, mapsize, flags, out, err);
}

int
ks_open_shared(const char *dir, const char *shared, size_t mapsize, int flags,
    struct ks_store **out, struct ssmp_err *err)
{
	if (shared == NULL)
		return ks_lmdb_open(dir, mapsize, flags, out, err);
	return ks_pg_open(dir, shared, mapsize, flags, out, err);
}

const char *
ks_backend_name(const struct ks_store *ks)
{
	return ks->be->name;
}

void
ks_close(struct ks_store *ks)
{
	if (ks != NULL)
		ks->be->close(ks);
}

int
ks_stats(struct ks_store *ks, struct ks_stats *st, struct ssmp_err *err)
{
	return ks->be->stats(ks, st, err);
}

int
ks_name_parse(const char *s, const char *const *tab, int n, const char *what,
    int *out, struct ssmp_err *err)
{
	int i;

	for (i = 1; i < n; i++)
		if (s != NULL && strcasecmp(s, tab[i]) == 0) {
			*out = i;
			return 0;
		}
	return ssmp_err_set(err, "unknown %s '%.40s' (expected %s|%s%s%s)",
	    what, s ? s : "", tab[1], tab[2], n > 3 ? "|" : "",
	    n > 3 ? tab[3] : "");
}

int
ks_lower(const char *s, char *out, size_t outlen, const char *what,
    struct ssmp_err *err)
{
	size_t i, n = strlen(s);

	if (n >= outlen)
		return ssmp_err_set(err, "keystore: %s '%.40s...': too long",
		    what, s);
	for (i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return 0;
}
