/*
 * ssmp_buf.h - a growable byte buffer for signing inputs and encodings.
 * Always NUL-terminated so text callers can print it; len excludes the NUL.
 */
#ifndef SSMP_BUF_H
#define SSMP_BUF_H

#include <stddef.h>

struct ssmp_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void ssmp_buf_init(struct ssmp_buf *b);
void ssmp_buf_free(struct ssmp_buf *b);
void ssmp_buf_reset(struct ssmp_buf *b);
/* Abort on out-of-memory, as Postfix's mymalloc does: callers stay simple. */
void ssmp_buf_add(struct ssmp_buf *b, const void *p, size_t len);
void ssmp_buf_adds(struct ssmp_buf *b, const char *s);
/* Append "name:value\n", the line form of every signing input. */
void ssmp_buf_line(struct ssmp_buf *b, const char *name, const char *value);
char *ssmp_buf_hex(const struct ssmp_buf *b);	/* malloc'd lower-case hex */

void *ssmp_xmalloc(size_t n);
void *ssmp_xcalloc(size_t n, size_t size);
void *ssmp_xrealloc(void *p, size_t n);
char *ssmp_xstrdup(const char *s);

#endif
