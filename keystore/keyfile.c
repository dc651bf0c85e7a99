/*
 * keyfile.c - read and write Ed25519 private keys as PEM PKCS#8 with
 * OpenSSL; the signing itself is libsodium's (ssmp_crypto), fed the
 * 32-byte seed.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keyfile.h"

#define KEYFILE_MAX	16384

/* Never prompt for a passphrase: a daemon has no terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static int
ssl_fail(struct ssmp_err *err, const char *name, const char *what)
{
	unsigned long	e = ERR_get_error();
	char		buf[160] = "";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return ssmp_err_set(err, "KeyFile %s: %s%s%s", name, what,
	    buf[0] ? ": " : "", buf);
}

int
ks_keyfile_parse(const char *name, const void *pem, size_t len,
    struct ssmp_key *key, struct ssmp_err *err)
{
	BIO		*bio;
	EVP_PKEY	*pk;
	unsigned char	 seed[SSMP_SEED_BYTES];
	size_t		 slen = sizeof(seed);
	int		 rc = 0;

	if (len > KEYFILE_MAX)
		return ssmp_err_set(err, "KeyFile %s: larger than %d bytes",
		    name, KEYFILE_MAX);
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return ssl_fail(err, name, "out of memory");
	pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (pk == NULL)
		return ssl_fail(err, name, "no PEM private key (expected "
		    "\"BEGIN PRIVATE KEY\", unencrypted)");
	if (EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519)
		rc = ssmp_err_set(err, "KeyFile %s: %s key, not Ed25519", name,
		    OBJ_nid2sn(EVP_PKEY_get_id(pk)));
	else if (EVP_PKEY_get_raw_private_key(pk, seed, &slen) != 1 ||
	    slen != sizeof(seed))
		rc = ssl_fail(err, name, "cannot extract the Ed25519 seed");
	else
		ssmp_key_from_seed(key, seed);
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

/* Mode and owner, checked on the open file (no race with a rename). */
static int
check_file(const char *path, int fd, struct ssmp_err *err)
{
	struct stat	st;
	uid_t		me = geteuid();

	if (fstat(fd, &st) != 0)
		return ssmp_err_set(err, "KeyFile %s: %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ssmp_err_set(err, "KeyFile %s: not a regular file",
		    path);
	if (st.st_mode & 066)
		return ssmp_err_set(err, "KeyFile %s: mode %04o, must not be "
		    "readable or writable by group or others (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
	if (st.st_uid != me && st.st_uid != 0)
		return ssmp_err_set(err, "KeyFile %s: owned by uid %u, not by "
		    "the running user (uid %u) or root", path,
		    (unsigned)st.st_uid, (unsigned)me);
	return 0;
}

int
ks_keyfile_read(const char *path, struct ssmp_key *key, struct ssmp_err *err)
{
	char	buf[KEYFILE_MAX + 1];
	ssize_t	n;
	size_t	len = 0;
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return ssmp_err_set(err, "KeyFile %s: %s", path,
		    strerror(errno));
	if (check_file(path, fd, err) != 0) {
		close(fd);
		return -1;
	}
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	rc = ks_keyfile_parse(path, buf, len, key, err);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* The PEM text of key, malloc'd; *len set. */
static char *
key_pem(const struct ssmp_key *key, size_t *len, const char *path,
    struct ssmp_err *err)
{
	unsigned char	 seed[SSMP_SEED_BYTES];
	EVP_PKEY	*pk;
	BIO		*bio = NULL;
	char		*data, *out = NULL;
	long		 n;

	ssmp_key_seed(key, seed);
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    sizeof(seed));
	OPENSSL_cleanse(seed, sizeof(seed));
	if (pk == NULL || (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1)
		ssl_fail(err, path, "cannot encode the key");
	else if ((n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc((size_t)n)) != NULL) {
		memcpy(out, data, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return out;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	for (; len > 0; p += n, len -= (size_t)n)
		if ((n = write(fd, p, len)) <= 0)
			return -1;
	return 0;
}

/* Make the rename/link durable: fsync the directory holding path. */
static void
sync_dir(const char *path)
{
	char	 d[PATH_MAX];
	int	 fd;

	snprintf(d, sizeof(d), "%s", path);
	if ((fd = open(dirname(d), O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
ks_keyfile_write(const char *path, const struct ssmp_key *key, bool force,
    struct ssmp_err *err)
{
	char	 tmp[PATH_MAX], *pem;
	size_t	 len = 0;
	int	 fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return ssmp_err_set(err, "KeyFile %s: path too long", path);
	if (!force && access(path, F_OK) == 0)
		return ssmp_err_set(err, "KeyFile %s: exists (use -f to "
		    "overwrite)", path);
	if ((pem = key_pem(key, &len, path, err)) == NULL)
		return -1;
	if ((fd = mkstemp(tmp)) < 0) {	/* mode 0600 */
		free(pem);
		return ssmp_err_set(err, "KeyFile %s: %s", tmp, strerror(errno));
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, pem, len) != 0 ||
	    fsync(fd) != 0)
		rc = ssmp_err_set(err, "KeyFile %s: %s", tmp, strerror(errno));
	OPENSSL_cleanse(pem, len);
	free(pem);
	if (close(fd) != 0 && rc == 0)
		rc = ssmp_err_set(err, "KeyFile %s: %s", tmp, strerror(errno));
	/* link() fails if path appeared meanwhile: no silent overwrite */
	if (rc == 0 && (force ? rename(tmp, path) : link(tmp, path)) != 0)
		rc = ssmp_err_set(err, "KeyFile %s: %s", path, errno == EEXIST
		    ? "exists (use -f to overwrite)" : strerror(errno));
	if (rc != 0 || !force)
		unlink(tmp);
	if (rc == 0)
		sync_dir(path);
	return rc;
}
