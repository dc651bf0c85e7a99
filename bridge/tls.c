/*
 * tls.c - build the server SSL_CTX (see tls.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
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

/*
 * The private key, refused when group or others may read or write it
 * (as KeyFile is): checked on the open file, then read from it, so the
 * file checked is the file loaded.
 */
static EVP_PKEY *
key_load(const char *path, struct ssmp_err *err)
{
	struct stat	 st;
	EVP_PKEY	*pk;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL) {
		ssmp_err_set(err, "TLSKey %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		ssmp_err_set(err, "TLSKey %s: mode %04o, must not be readable "
		    "or writable by group or others (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
		fclose(f);
		return NULL;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL) {
		char buf[160];

		ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
		ERR_clear_error();
		ssmp_err_set(err, "private key %s: %s", path, buf);
	}
	return pk;
}

SSL_CTX *
tls_ctx_new(const char *cert, const char *key, struct ssmp_err *err)
{
	SSL_CTX		*ctx;
	EVP_PKEY	*pk;

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
	if ((pk = key_load(key, err)) == NULL) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pk) != 1) {
		EVP_PKEY_free(pk);
		tls_fail(ctx, err, "private key", key);
		return NULL;
	}
	EVP_PKEY_free(pk);
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_fail(ctx, err, "key does not match certificate", cert);
		return NULL;
	}
	return ctx;
}
