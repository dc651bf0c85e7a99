/*
 * pending.c - nonce -> accepted envelope, a chained hash table.
 * Only the loop thread touches it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pending.h"
#include "ssmp_buf.h"

#define NBUCKETS	4096

struct pending_table {
	struct pending	*b[NBUCKETS];
	size_t		 n;
};

const char *
trust_name(enum trust t)
{
	switch (t) {
	case TRUST_TRUSTED:
		return "trusted";
	case TRUST_KNOWN:
		return "known";
	default:
		return "unknown";
	}
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NBUCKETS;
}

void
pending_alloc_rcpts(struct pending *p, int n)
{
	p->to = ssmp_xcalloc((size_t)n, sizeof(*p->to));
	p->to_canon = ssmp_xcalloc((size_t)n, sizeof(*p->to_canon));
	p->tier = ssmp_xcalloc((size_t)n, sizeof(*p->tier));
}

static void
pending_release(struct pending *p)
{
	free(p->to);
	free(p->to_canon);
	free(p->tier);
	free(p);
}

struct pending_table *
pending_new(void)
{
	return ssmp_xcalloc(1, sizeof(struct pending_table));
}

void
pending_free(struct pending_table *t)
{
	struct pending *p;

	if (t == NULL)
		return;
	for (size_t i = 0; i < NBUCKETS; i++)
		while ((p = t->b[i]) != NULL) {
			t->b[i] = p->next;
			pending_release(p);
		}
	free(t);
}

static struct pending **
find(struct pending_table *t, const char *nonce)
{
	struct pending **pp = &t->b[hash(nonce)];

	while (*pp != NULL && strcmp((*pp)->nonce, nonce) != 0)
		pp = &(*pp)->next;
	return pp;
}

void
pending_put(struct pending_table *t, struct pending *p)
{
	struct pending **pp = find(t, p->nonce), *old = *pp;

	p->next = old != NULL ? old->next : NULL;
	*pp = p;
	if (old != NULL)
		pending_release(old);
	else
		t->n++;
}

struct pending *
pending_get(struct pending_table *t, const char *nonce, time_t now)
{
	struct pending *p = *find(t, nonce);

	return p != NULL && p->expires > now ? p : NULL;
}

size_t
pending_sweep(struct pending_table *t, time_t now)
{
	struct pending **pp, *p;

	for (size_t i = 0; i < NBUCKETS; i++)
		for (pp = &t->b[i]; (p = *pp) != NULL;) {
			if (p->expires <= now && !p->busy) {
				*pp = p->next;
				pending_release(p);
				t->n--;
			} else
				pp = &p->next;
		}
	return t->n;
}
