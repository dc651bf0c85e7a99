/*
 * tls.h - the server's OpenSSL context: TLS 1.2 and later, 1.3 preferred.
 *
 * The certificate and key are loaded into a fresh SSL_CTX; on SIGHUP a
 * new context replaces the old one only if it loaded completely, so a
 * botched certificate renewal never takes the listener down.  Existing
 * connections keep the context they started with (OpenSSL refcounts it).
 */
#ifndef BRIDGE_TLS_H
#define BRIDGE_TLS_H

#include <openssl/ssl.h>

#include "ssmp_err.h"

SSL_CTX *tls_ctx_new(const char *cert, const char *key, struct ssmp_err *err);

#endif
