/*
 * body.c - request bodies in memory or in the spool (see body.h).
 *
 * The body hash of ssmp.7 is lib's SHA-256 (OpenSSL EVP), fed piece by
 * piece as the buffer holds the octets.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "body.h"

#define READ_CHUNK	(256 * 1024)

void
body_init(struct body *b)
{
	memset(b, 0, sizeof(*b));
	b->mem = evbuffer_new();
	b->fd = -1;
}

void
body_reset(struct body *b)
{
	evbuffer_drain(b->mem, evbuffer_get_length(b->mem));
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->len = 0;
	b->hash[0] = '\0';
	ssmp_hash_clear(&b->hash_st);
}

void
body_free(struct body *b)
{
	body_reset(b);
	evbuffer_free(b->mem);
	b->mem = NULL;
}

/* A file with no name in dirfd: O_TMPFILE, or a temporary name unlinked. */
static int
nameless_file(int dirfd, const char *dirname, struct ssmp_err *err)
{
	char name[64];
	int fd;

#ifdef O_TMPFILE
	if ((fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600))
	    >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return ssmp_err_set(err, "spool %s: %s", dirname,
		    strerror(errno));
#endif
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), ".ssmpd.%ld.%d.%d", (long)getpid(),
		    rand(), i);
		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd >= 0) {
			unlinkat(dirfd, name, 0);
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	return ssmp_err_set(err, "spool %s: %s", dirname, strerror(errno));
}

int
body_spool(struct body *b, int dirfd, const char *dirname,
    struct ssmp_err *err)
{
	if (b->fd >= 0 || b->len > 0)
		return 0;
	if ((b->fd = nameless_file(dirfd, dirname, err)) < 0)
		return -1;
	return 0;
}

/* Write n octets from the front of in to the spool file; drain them. */
static int
spool_write(struct body *b, struct evbuffer *in, size_t n,
    struct ssmp_err *err)
{
	while (n > 0) {
		struct evbuffer_iovec v[16];
		struct iovec iov[16];
		int k = evbuffer_peek(in, (ev_ssize_t)n, NULL, v, 16);
		size_t want = 0;
		ssize_t w;

		if (k > 16)
			k = 16;
		for (int i = 0; i < k; i++) {
			iov[i].iov_base = v[i].iov_base;
			iov[i].iov_len = v[i].iov_len;
			if (want + iov[i].iov_len > n)
				iov[i].iov_len = n - want;
			want += iov[i].iov_len;
		}
		if ((w = writev(b->fd, iov, k)) < 0) {
			if (errno == EINTR)
				continue;
			return ssmp_err_set(err, "spool write: %s",
			    strerror(errno));
		}
		evbuffer_drain(in, (size_t)w);
		n -= (size_t)w;
	}
	return 0;
}

/* Hash the first n octets of in, piece by piece as the buffer holds them. */
static void
hash_front(struct body *b, struct evbuffer *in, size_t n)
{
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v;
	size_t m;

	evbuffer_ptr_set(in, &pos, 0, EVBUFFER_PTR_SET);
	while (n > 0 && evbuffer_peek(in, (ev_ssize_t)n, &pos, &v, 1) > 0) {
		m = v.iov_len < n ? v.iov_len : n;
		ssmp_hash_update(&b->hash_st, v.iov_base, m);
		n -= m;
		if (n == 0 || evbuffer_ptr_set(in, &pos, m, EVBUFFER_PTR_ADD)
		    != 0)
			break;
	}
}

/*
 * Copy, not move, the first n octets of in into the body in memory: the
 * chains a body arrives in can be half empty (libevent reserves room for
 * a whole TLS record and rounds a chain up to a power of two), and a
 * body that kept them would hold up to twice its size; evbuffer_add
 * fills each chain of ours to the brim (bench/hot-bench, 16 KiB pieces:
 * 1.28x the body -> 1.03x, and no slower).  Hashed in the same pass.
 * On failure the body is incomplete: the caller drops it.
 */
static int
mem_take(struct body *b, struct evbuffer *in, size_t n, struct ssmp_err *err)
{
	struct evbuffer_iovec	v;
	size_t			m;

	while (n > 0) {
		if (evbuffer_peek(in, (ev_ssize_t)n, NULL, &v, 1) < 1)
			return ssmp_err_set(err, "body: %zu octets missing", n);
		m = v.iov_len < n ? v.iov_len : n;
		ssmp_hash_update(&b->hash_st, v.iov_base, m);
		if (evbuffer_add(b->mem, v.iov_base, m) != 0)
			return ssmp_err_set(err, "out of memory for a body");
		evbuffer_drain(in, m);
		n -= m;
	}
	return 0;
}

int
body_take(struct body *b, struct evbuffer *in, size_t n,
    struct ssmp_err *err)
{
	if (b->fd >= 0) {
		hash_front(b, in, n);
		if (spool_write(b, in, n, err) != 0)
			return -1;
	} else if (mem_take(b, in, n, err) != 0)
		return -1;
	b->len += n;
	return 0;
}

void
body_done(struct body *b)
{
	ssmp_hash_final_hex(&b->hash_st, b->hash);
}

int
body_each(const struct body *b, int (*fn)(void *arg, const char *p,
    size_t n), void *arg, struct ssmp_err *err)
{
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v;
	char *chunk;
	uint64_t off = 0;
	ssize_t r;
	int rc = 0;

	if (b->fd < 0) {
		/* memory: the buffer's own pieces, no copy */
		evbuffer_ptr_set(b->mem, &pos, 0, EVBUFFER_PTR_SET);
		while (rc == 0 && evbuffer_peek(b->mem, -1, &pos, &v, 1) > 0 &&
		    v.iov_len > 0) {
			rc = fn(arg, v.iov_base, v.iov_len);
			if (evbuffer_ptr_set(b->mem, &pos, v.iov_len,
			    EVBUFFER_PTR_ADD) != 0)
				break;
		}
		return rc;
	}
	chunk = malloc(READ_CHUNK);
	if (chunk == NULL)
		return ssmp_err_set(err, "out of memory");
	while (rc == 0 && off < b->len) {
		r = pread(b->fd, chunk, READ_CHUNK, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = ssmp_err_set(err, "spool read: %s", r == 0 ?
			    "file shorter than the body" : strerror(errno));
			break;
		}
		off += (uint64_t)r;
		rc = fn(arg, chunk, (size_t)r);
	}
	free(chunk);
	return rc;
}
