/*
 * tls.c - build the server SSL_CTX (see tls.h).
 */
#include "config.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

static int
tls_fail(SSL_CTX *ctx, struct ssmp_err *err, const char *what,
    const char *path)
{
	char buf[160];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return ssmp_err_set(err, "%s %s: %s", what, path, buf);
}

SSL_CTX *
tls_ctx_new(const char *cert, const char *key, struct ssmp_err *err)
{
	SSL_CTX *ctx;

	if (cert == NULL || key == NULL) {
		ssmp_err_set(err, "TLSCertificate and TLSKey are required");
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_fail(NULL, err, "SSL_CTX_new", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* TLS 1.2 only with forward-secret AEAD suites. */
	SSL_CTX_set_cipher_list(ctx,
	    "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1");
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
	/* Small idle connections: release buffers while a client waits. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_fail(ctx, err, "certificate", cert);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_fail(ctx, err, "private key", key);
		return NULL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_fail(ctx, err, "key does not match certificate", cert);
		return NULL;
	}
	return ctx;
}
