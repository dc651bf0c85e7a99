/*
 * keyfile.h - domain private key files.
 *
 * Format: PEM PKCS#8 Ed25519 ("-----BEGIN PRIVATE KEY-----"), the form
 * `openssl genpkey -algorithm ed25519` writes and `openssl pkey` reads,
 * so postmasters can inspect and convert keys with tools they know.
 * Unencrypted: the daemons start unattended; the file mode protects it.
 */
#ifndef KS_KEYFILE_H
#define KS_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "ssmp_crypto.h"
#include "ssmp_err.h"

/*
 * Read path.  Refused before parsing: not a regular file, readable or
 * writable by group or others, or owned by someone other than the
 * running user or root.  Errors begin "KeyFile PATH: ".
 */
int ks_keyfile_read(const char *path, struct ssmp_key *key,
    struct ssmp_err *err);
/* Parse PEM text only (tests, fuzzing); name appears in errors. */
int ks_keyfile_parse(const char *name, const void *pem, size_t len,
    struct ssmp_key *key, struct ssmp_err *err);
/*
 * Write key to path, mode 0600, atomically (a temporary file in the same
 * directory, fsync, then link or rename).  Without force an existing
 * path is an error and is left untouched.
 */
int ks_keyfile_write(const char *path, const struct ssmp_key *key,
    bool force, struct ssmp_err *err);

#endif
