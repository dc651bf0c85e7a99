/*
 * ratelimit.c - token buckets in a small hash table (loop thread only).
 * Idle buckets that are full again are dropped when met, so memory
 * tracks the number of recently active keys.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ratelimit.h"
#include "ssmp_buf.h"

#define NBUCKETS	1024

struct bucket {
	char		*key;
	double		 tokens;
	double		 last;
	struct bucket	*next;
};

struct ratelimit {
	double		 rate;		/* tokens per second */
	double		 burst;
	struct bucket	*b[NBUCKETS];
};

struct ratelimit *
ratelimit_new(long per_minute)
{
	struct ratelimit *r = ssmp_xcalloc(1, sizeof(*r));

	r->burst = (double)per_minute;
	r->rate = (double)per_minute / 60.0;
	return r;
}

void
ratelimit_free(struct ratelimit *r)
{
	struct bucket *k;

	if (r == NULL)
		return;
	for (size_t i = 0; i < NBUCKETS; i++)
		while ((k = r->b[i]) != NULL) {
			r->b[i] = k->next;
			free(k->key);
			free(k);
		}
	free(r);
}

static unsigned
hash(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % NBUCKETS;
}

int
ratelimit_take(struct ratelimit *r, const char *key, double now)
{
	struct bucket **pp, *k;

	if (r == NULL || r->burst <= 0)
		return 0;
	for (pp = &r->b[hash(key)]; (k = *pp) != NULL; ) {
		k->tokens += (now - k->last) * r->rate;
		k->last = now;
		if (k->tokens > r->burst)
			k->tokens = r->burst;
		if (strcmp(k->key, key) == 0)
			break;
		if (k->tokens >= r->burst) {	/* idle: forget it */
			*pp = k->next;
			free(k->key);
			free(k);
			continue;
		}
		pp = &k->next;
	}
	if (k == NULL) {
		k = ssmp_xcalloc(1, sizeof(*k));
		k->key = ssmp_xstrdup(key);
		k->tokens = r->burst;
		k->last = now;
		k->next = r->b[hash(key)];
		r->b[hash(key)] = k;
	}
	if (k->tokens >= 1.0) {
		k->tokens -= 1.0;
		return 0;
	}
	return (int)((1.0 - k->tokens) / r->rate) + 1;
}

double
ratelimit_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}
