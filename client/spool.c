/*
 * spool.c - keep the message for the message phase, hashed on the fly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssmp_buf.h"
#include "spool.h"

void
spool_init(struct spool *s, size_t threshold, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->threshold = threshold;
	s->dir = dir;
	s->fd = -1;
	ssmp_hash_init(&s->hash);
}

void
spool_reset(struct spool *s)
{
	free(s->mem);
	if (s->fd >= 0)
		(void)close(s->fd);
	ssmp_hash_clear(&s->hash);
	spool_init(s, s->threshold, s->dir);
}

static int
write_all(int fd, const void *p, size_t n, struct ssmp_err *err)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return ssmp_err_set(err, "spool: write: %s",
			    strerror(errno));
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Move to an unlinked private file: nothing to clean up after a crash. */
static int
spill(struct spool *s, struct ssmp_err *err)
{
	char	path[4096];
	int	fd;

	(void)snprintf(path, sizeof(path), "%s/ssmp-milter.XXXXXX", s->dir);
	if ((fd = mkstemp(path)) < 0)
		return ssmp_err_set(err, "spool: cannot create file in %s: %s",
		    s->dir, strerror(errno));
	(void)unlink(path);
	(void)fchmod(fd, 0600);
	if (write_all(fd, s->mem, s->len, err) != 0) {
		(void)close(fd);
		return -1;
	}
	free(s->mem);
	s->mem = NULL;
	s->len = s->cap = 0;
	s->fd = fd;
	return 0;
}

int
spool_add(struct spool *s, const void *p, size_t n, struct ssmp_err *err)
{
	ssmp_hash_update(&s->hash, p, n);
	s->total += n;
	if (s->fd < 0 && s->len + n > s->threshold && spill(s, err) != 0)
		return -1;
	if (s->fd >= 0)
		return write_all(s->fd, p, n, err);
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		if (s->cap > s->threshold && s->threshold >= s->len + n)
			s->cap = s->threshold;
		s->mem = ssmp_xrealloc(s->mem, s->cap);
	}
	memcpy(s->mem + s->len, p, n);
	s->len += n;
	return 0;
}

int
spool_header(struct spool *s, const char *name, const char *value,
    bool leadspc, struct ssmp_err *err)
{
	struct ssmp_buf	 b;
	const char	*v;
	int		 rc;

	/* RFC 5322 ftext: what else could not be passed on as a header. */
	for (v = name; *v != '\0'; v++)
		if (*v < 33 || *v > 126 || *v == ':')
			return ssmp_err_set(err, "spool: header name with "
			    "character 0x%02x", (unsigned char)*v);
	if (*name == '\0')
		return ssmp_err_set(err, "spool: empty header name");
	ssmp_buf_init(&b);
	ssmp_buf_adds(&b, name);
	ssmp_buf_adds(&b, leadspc ? ":" : ": ");
	for (v = value; *v != '\0'; v++) {
		if (*v == '\n' && (v == value || v[-1] != '\r'))
			ssmp_buf_add(&b, "\r", 1);
		ssmp_buf_add(&b, v, 1);
	}
	ssmp_buf_add(&b, "\r\n", 2);
	rc = spool_add(s, b.p, b.len, err);
	ssmp_buf_free(&b);
	return rc;
}

void
spool_finish(struct spool *s, struct dl_body *body)
{
	body->mem = s->mem;
	body->fd = s->fd;
	body->len = s->total;
	ssmp_hash_final_hex(&s->hash, body->hash);
}
