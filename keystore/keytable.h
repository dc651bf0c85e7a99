/*
 * keytable.h - which key signs for which domain.
 *
 * KeyTable file (ssmp.conf(5)): one "DOMAIN SELECTOR KEYFILE" per line,
 * '#' comments.  Several domains per gateway; several selectors per
 * domain for rotation: the FIRST line of a domain names its active
 * signing selector, later lines are keys still published and served
 * (key/<selector>, receipts being checked) but not used to sign.  A
 * relative KEYFILE is taken relative to the KeyTable's directory.
 * Without KeyTable, Domain + Selector + KeyFile make a table of one line.
 *
 * Reload (SIGHUP) without dropping work: tables are reference counted.
 * The daemon owns one reference to the current table.  A request does
 *	lock; t = ks_keytable_hold(current); unlock; ...use t...;
 *	ks_keytable_release(t);
 * and a reload does
 *	if (ks_keytable_load(cfg, &new, &err) == 0) {
 *		lock; old = current; current = new; unlock;
 *		ks_keytable_release(old);
 *	} else log err and keep the old table;
 * so the old table is freed when its last request finishes.
 */
#ifndef KS_KEYTABLE_H
#define KS_KEYTABLE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ks_keyent {
	char		domain[SSMP_DOMAIN_MAX + 1];	/* lower case */
	char		selector[SSMP_SELECTOR_MAX + 1];	/* lower case */
	char		path[PATH_MAX];
	bool		active;		/* the domain's signing selector */
	struct ssmp_key	key;
	int		line;		/* in the KeyTable, 0 = shorthand */
};

struct ks_keytable {
	int		 refs;
	size_t		 n;
	struct ks_keyent *v;
	bool		 locked;	/* v is mlock'd, not in core dumps */
};

/*
 * Load the table the config names and every key in it (checked with
 * ks_keyfile_read).  Any fault is an error naming FILE:LINE or the key
 * file; nothing is returned then.  No keys configured is an error too.
 * The new table has one reference.
 */
int ks_keytable_load(const struct ssmp_config *cfg, struct ks_keytable **out,
    struct ssmp_err *err);
/*
 * Parse KeyTable text without reading key files (tests, fuzzing).  dir
 * (may be NULL) resolves relative paths.
 */
int ks_keytable_parse(const char *name, const char *text, size_t len,
    const char *dir, struct ks_keytable **out, struct ssmp_err *err);

/*
 * An empty table of n entries, one reference (the key process builds
 * the public view from it, keyproc.h).
 */
struct ks_keytable *ks_keytable_new(size_t n);
/*
 * Lock the entries in memory and keep them out of core dumps (best
 * effort: RLIMIT_MEMLOCK may say no).  ks_keytable_load does it; the
 * last release wipes the keys either way.
 */
void ks_keytable_lock(struct ks_keytable *t);

struct ks_keytable *ks_keytable_hold(struct ks_keytable *t);
void ks_keytable_release(struct ks_keytable *t);	/* frees at zero */

/* The active (signing) key of domain, or NULL. */
const struct ks_keyent *ks_keytable_signing(const struct ks_keytable *t,
    const char *domain);
/* domain + selector (case-insensitive), or NULL. */
const struct ks_keyent *ks_keytable_find(const struct ks_keytable *t,
    const char *domain, const char *selector);

#endif
