/*
 * pending.c - the table of accepted envelopes (see pending.h).
 *
 * A chained hash table by nonce, a list of all entries oldest first and
 * one per sender domain (eviction takes the head of either), and a small
 * table counting entries per sender domain.  Every entry is one
 * allocation: the struct, its recipients and its strings.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pending.h"
#include "ssmp_buf.h"

struct pending_dom {
	struct pending_dom	*next;
	size_t			 n;
	struct pending		*oldest, *newest;	/* dolder/dnewer */
	char			 name[];
};

/* Per-domain age list links live beside the entry, not in pending.h. */
struct plinks {
	struct pending		*dolder, *dnewer;
	size_t			 size;
};

struct pending_table {
	struct pending		**b;
	struct pending_dom	**db;
	size_t			 nb;
	size_t			 n, max, max_domain;
	size_t			 bytes, max_bytes;
	struct pending		*oldest, *newest;
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

static size_t
hash(const struct pending_table *t, const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h & (t->nb - 1);
}

static struct plinks *
links(struct pending *p)
{
	return (struct plinks *)(p + 1);
}

/* Copy s into the block at *at; returns the copy. */
static const char *
put_str(char **at, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = *at;

	memcpy(r, s, n);
	*at += n;
	return r;
}

struct pending *
pending_make(const struct pending_init *in)
{
	size_t strs, size;
	struct pending *p;
	char *at;

	strs = strlen(in->from) + strlen(in->from_canon) +
	    strlen(in->selector) + strlen(in->domain) + 4;
	for (int i = 0; i < in->nto; i++)
		strs += strlen(in->to[i]) + strlen(in->to_canon[i]) + 2;
	size = sizeof(*p) + sizeof(struct plinks) +
	    (size_t)in->nto * sizeof(struct pending_rcpt) + strs;
	p = ssmp_xcalloc(1, size);
	links(p)->size = size;
	p->rcpt = (struct pending_rcpt *)((char *)p + sizeof(*p) +
	    sizeof(struct plinks));
	at = (char *)(p->rcpt + in->nto);
	snprintf(p->nonce, sizeof(p->nonce), "%s", in->nonce);
	p->from = put_str(&at, in->from);
	p->from_canon = put_str(&at, in->from_canon);
	p->from_domain = strrchr(p->from_canon, '@');
	p->from_domain = p->from_domain != NULL ? p->from_domain + 1 :
	    p->from_canon;
	p->selector = put_str(&at, in->selector);
	p->domain = put_str(&at, in->domain);
	memcpy(p->pk, in->pk, SSMP_PUBKEY_BYTES);
	for (int i = 0; i < in->nto; i++) {
		p->rcpt[i].to = put_str(&at, in->to[i]);
		p->rcpt[i].to_canon = put_str(&at, in->to_canon[i]);
		p->rcpt[i].tier = in->tier[i];
	}
	p->nto = in->nto;
	p->expires = in->expires;
	return p;
}

void
pending_discard(struct pending *p)
{
	if (p == NULL)
		return;
	free(p->msgid);
	free(p);
}

struct pending_table *
pending_new(size_t max, size_t max_domain)
{
	struct pending_table *t = ssmp_xcalloc(1, sizeof(*t));

	t->max = max > 0 ? max : 1;
	t->max_domain = max_domain > 0 ? max_domain : t->max;
	/* 1 KiB per envelope on average: envelopes with many long
	 * recipients count for several */
	t->max_bytes = t->max * PENDING_AVG_BYTES;
	for (t->nb = 1024; t->nb < t->max && t->nb < ((size_t)1 << 20);)
		t->nb <<= 1;
	t->b = ssmp_xcalloc(t->nb, sizeof(*t->b));
	t->db = ssmp_xcalloc(t->nb, sizeof(*t->db));
	return t;
}

static struct pending **
find(struct pending_table *t, const char *nonce)
{
	struct pending **pp = &t->b[hash(t, nonce)];

	while (*pp != NULL && strcmp((*pp)->nonce, nonce) != 0)
		pp = &(*pp)->hnext;
	return pp;
}

/* The counter of sender domain name, made when create is set. */
static struct pending_dom *
dom_get(struct pending_table *t, const char *name, bool create)
{
	struct pending_dom **dp = &t->db[hash(t, name)], *d;

	for (; (d = *dp) != NULL; dp = &d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	if (!create)
		return NULL;
	d = ssmp_xcalloc(1, sizeof(*d) + strlen(name) + 1);
	strcpy(d->name, name);
	*dp = d;
	return d;
}

static void
dom_drop(struct pending_table *t, struct pending_dom *d)
{
	struct pending_dom **dp = &t->db[hash(t, d->name)];

	while (*dp != d)
		dp = &(*dp)->next;
	*dp = d->next;
	free(d);
}

/* Unlink p from the table and its lists and free it. */
static void
remove_entry(struct pending_table *t, struct pending *p)
{
	struct pending **pp = find(t, p->nonce);
	struct plinks *l = links(p);
	struct pending_dom *d = p->dom;

	*pp = p->hnext;
	if (p->older != NULL)
		p->older->newer = p->newer;
	else
		t->oldest = p->newer;
	if (p->newer != NULL)
		p->newer->older = p->older;
	else
		t->newest = p->older;
	if (l->dolder != NULL)
		links(l->dolder)->dnewer = l->dnewer;
	else
		d->oldest = l->dnewer;
	if (l->dnewer != NULL)
		links(l->dnewer)->dolder = l->dolder;
	else
		d->newest = l->dolder;
	if (--d->n == 0)
		dom_drop(t, d);
	t->n--;
	t->bytes -= l->size + (p->msgid ? strlen(p->msgid) + 1 : 0);
	pending_discard(p);
}

/* Evict the oldest unheld entry, of domain d or (d NULL) of all. */
static bool
evict_oldest(struct pending_table *t, struct pending_dom *d)
{
	struct pending *p = d != NULL ? d->oldest : t->oldest;

	while (p != NULL && p->holder != NULL)
		p = d != NULL ? links(p)->dnewer : p->newer;
	if (p == NULL)
		return false;
	remove_entry(t, p);
	return true;
}

enum pending_rc
pending_add(struct pending_table *t, struct pending *p, time_t now,
    size_t *evicted)
{
	struct pending **pp = find(t, p->nonce);
	struct pending_dom *d;

	*evicted = 0;
	if (*pp != NULL && (*pp)->expires > now)
		return PENDING_DUPLICATE;
	if (*pp != NULL && (*pp)->holder != NULL)
		return PENDING_DUPLICATE;	/* expired, still in use */
	if (*pp != NULL)
		remove_entry(t, *pp);
	d = dom_get(t, p->from_domain, false);
	while (d != NULL && d->n >= t->max_domain) {
		if (!evict_oldest(t, d))
			return PENDING_FULL;
		(*evicted)++;
		d = dom_get(t, p->from_domain, false);
	}
	while (t->n >= t->max || t->bytes + links(p)->size > t->max_bytes) {
		if (!evict_oldest(t, NULL))
			return PENDING_FULL;
		(*evicted)++;
	}
	d = dom_get(t, p->from_domain, true);
	pp = find(t, p->nonce);
	p->hnext = NULL;
	*pp = p;
	p->dom = d;
	p->older = t->newest;
	p->newer = NULL;
	if (t->newest != NULL)
		t->newest->newer = p;
	else
		t->oldest = p;
	t->newest = p;
	links(p)->dolder = d->newest;
	links(p)->dnewer = NULL;
	if (d->newest != NULL)
		links(d->newest)->dnewer = p;
	else
		d->oldest = p;
	d->newest = p;
	d->n++;
	t->n++;
	t->bytes += links(p)->size;
	return PENDING_OK;
}

enum pending_rc
pending_claim(struct pending_table *t, const char *nonce, const char *msgid,
    time_t now, const void *holder, struct pending **pp)
{
	struct pending *p = *find(t, nonce);

	*pp = NULL;
	if (p == NULL || p->expires <= now)
		return PENDING_UNKNOWN;
	if (p->holder != NULL)
		return PENDING_BUSY;
	if (p->msgid != NULL && strcmp(p->msgid, msgid) != 0)
		return PENDING_RETIRED;
	p->holder = holder;
	*pp = p;
	return PENDING_OK;
}

void
pending_release(struct pending_table *t, struct pending *p,
    const void *holder, enum pending_end end, const char *msgid)
{
	if (p == NULL || p->holder != holder)
		return;
	p->holder = NULL;
	if (end == PENDING_KEEP || p->msgid != NULL)
		return;
	/* msgid "" matches no msgid (1 to 250 octets) */
	p->msgid = ssmp_xstrdup(end == PENDING_DELIVERED ? msgid : "");
	t->bytes += strlen(p->msgid) + 1;
}

size_t
pending_sweep(struct pending_table *t, time_t now)
{
	struct pending *p, *next;

	/* every entry lives equally long: the oldest expire first */
	for (p = t->oldest; p != NULL && p->expires <= now; p = next) {
		next = p->newer;
		if (p->holder == NULL)
			remove_entry(t, p);
	}
	return t->n;
}

size_t
pending_count(const struct pending_table *t)
{
	return t->n;
}

size_t
pending_bytes(const struct pending_table *t)
{
	return t->bytes;
}

void
pending_free(struct pending_table *t)
{
	if (t == NULL)
		return;
	while (t->oldest != NULL)
		remove_entry(t, t->oldest);
	free(t->b);
	free(t->db);
	free(t);
}
