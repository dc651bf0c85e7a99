/*
 * signer.h - which local domains ssmp-milter signs for, and with what.
 *
 * A thin view of the keystore's key table (KeyTable, or the one-domain
 * Domain/Selector/KeyFile shorthand): the first selector of a domain
 * signs.  Mail from other domains passes untouched.
 */
#ifndef SSMP_MILTER_SIGNER_H
#define SSMP_MILTER_SIGNER_H

#include "ssmp_config.h"
#include "ssmp_crypto.h"
#include "ssmp_err.h"

struct signer;

int signer_load(const struct ssmp_config *cfg, struct signer **out,
    struct ssmp_err *err);
/* The signing key of domain (canonical) and its selector, or NULL. */
const struct ssmp_key *signer_find(const struct signer *s, const char *domain,
    const char **selector);
void signer_free(struct signer *s);

#endif
