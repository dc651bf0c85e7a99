/*
 * ssmp_buf.c - growable byte buffers and allocation that cannot fail.
 *
 * Out of memory aborts with a message, as Postfix's mymalloc() does: a
 * mail filter that cannot allocate a few kilobytes cannot do anything
 * useful, and callers stay free of NULL checks that would never be tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"

static void
oom(size_t n)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
ssmp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
ssmp_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
ssmp_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
ssmp_xstrdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p = ssmp_xmalloc(n);

	memcpy(p, s, n);
	return p;
}

void
ssmp_buf_init(struct ssmp_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
ssmp_buf_free(struct ssmp_buf *b)
{
	free(b->p);
	ssmp_buf_init(b);
}

void
ssmp_buf_reset(struct ssmp_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
ssmp_buf_add(struct ssmp_buf *b, const void *p, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + len + 1)
			cap *= 2;
		b->p = ssmp_xrealloc(b->p, cap);
		b->cap = cap;
	}
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
ssmp_buf_adds(struct ssmp_buf *b, const char *s)
{
	ssmp_buf_add(b, s, strlen(s));
}

void
ssmp_buf_line(struct ssmp_buf *b, const char *name, const char *value)
{
	ssmp_buf_adds(b, name);
	ssmp_buf_add(b, ":", 1);
	ssmp_buf_adds(b, value);
	ssmp_buf_add(b, "\n", 1);
}

char *
ssmp_buf_hex(const struct ssmp_buf *b)
{
	static const char digits[] = "0123456789abcdef";
	char	*out = ssmp_xmalloc(b->len * 2 + 1);
	size_t	 i;

	for (i = 0; i < b->len; i++) {
		out[2 * i] = digits[(unsigned char)b->p[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)b->p[i] & 15];
	}
	out[2 * b->len] = '\0';
	return out;
}
