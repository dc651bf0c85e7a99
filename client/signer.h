/*
 * signer.h - which local domains ssmp-milter signs for, and with what.
 *
 * A thin view of the keystore's key table (KeyTable, or the one-domain
 * Domain/Selector/KeyFile shorthand): the first selector of a domain
 * signs.  Mail from other domains passes untouched.
 *
 * The table can be replaced while messages are in flight (SIGUSR1 in
 * ssmp-milter: its key process reads the files, signer_set swaps): a message holds the table it started with from MAIL to
 * its end (signer_hold/signer_release), so its key stays valid, and the
 * old table goes with the last message using it (keytable.h).
 */
#ifndef SSMP_MILTER_SIGNER_H
#define SSMP_MILTER_SIGNER_H

#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"

struct signer;
struct ks_keytable;

int signer_load(const struct ssmp_config *cfg, struct signer **out,
    struct ssmp_err *err);
/* A signer over table t (its reference is taken over; NULL: none). */
struct signer *signer_new(struct ks_keytable *t);
/* Replace the table with t (reference taken over), as signer_reload. */
void signer_set(struct signer *s, struct ks_keytable *t);

/*
 * The signing key of domain (canonical) and its selector, or NULL, in
 * the current table: for programs that never reload (ssmp-send).
 */
const struct ssmp_key *signer_find(const struct signer *s, const char *domain,
    const char **selector);
void signer_free(struct signer *s);

/* The current table, held (NULL: none); give it back with signer_release. */
struct ks_keytable *signer_hold(struct signer *s);
void signer_release(struct ks_keytable *t);
/* signer_find() in a held table. */
const struct ssmp_key *signer_key(const struct ks_keytable *t,
    const char *domain, const char **selector);

/* Call fn for each key of the current table (for the log). */
void signer_each(struct signer *s, void (*fn)(const char *domain,
    const char *selector, int signing));

#endif
