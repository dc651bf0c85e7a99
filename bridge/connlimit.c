/*
 * connlimit.c - open connections per client (connlimit.h).
 *
 * A hash table of clients holding at least one connection; an entry goes
 * when its last connection closes, so memory follows the connections
 * MaxConnections already bounds.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "connlimit.h"
#include "ssmp_buf.h"

#define NBUCKETS	4096

/*
 * An IPv6 site gets a /48 (a home a /56): its /64s together may hold
 * SITE_FACTOR times the per-client limit, so that one site cannot take
 * every connection by spreading over its /64s.
 */
#define SITE_FACTOR	8

struct count {
	unsigned char	 key[9];	/* family tag + up to 8 octets */
	long		 n;
	struct count	*next;
};

/* What a connection holds: its client's count and (IPv6) its site's. */
struct connlimit_slot {
	struct count	*client, *site;
};

struct connlimit {
	struct count	*b[NBUCKETS];
	uint32_t	 seed;		/* the attacker picks the keys */
	size_t		 clients;
};

struct connlimit *
connlimit_new(void)
{
	struct connlimit *cl = ssmp_xcalloc(1, sizeof(struct connlimit));

	cl->seed = randombytes_random();
	return cl;
}

void
connlimit_free(struct connlimit *cl)
{
	struct count *s;

	if (cl == NULL)
		return;
	for (size_t i = 0; i < NBUCKETS; i++)
		while ((s = cl->b[i]) != NULL) {
			cl->b[i] = s->next;
			free(s);
		}
	free(cl);
}

/*
 * The client sa belongs to: an IPv4 address (also when carried in an
 * IPv4-mapped or NAT64 64:ff9b::/96 address: behind a NAT64 gateway all
 * IPv4 senders would otherwise be one client) or an IPv6 /64, and for
 * IPv6 its /48 site.  False for a local socket.
 */
static bool
client_key(const void *sa, unsigned char key[9], unsigned char site[9])
{
	const struct sockaddr *s = sa;
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	const unsigned char *a;

	memset(key, 0, 9);
	memset(site, 0, 9);
	if (s->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (s->sa_family != AF_INET6)
		return false;
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
		key[0] = 4;
		memcpy(key + 1, a + 12, 4);
		return true;
	}
	key[0] = 6;
	memcpy(key + 1, a, 8);
	site[0] = 48;
	memcpy(site + 1, a, 6);
	return true;
}

static unsigned
hash(const struct connlimit *cl, const unsigned char key[9])
{
	uint32_t h = 2166136261u ^ cl->seed;

	for (int i = 0; i < 9; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % NBUCKETS;
}

static struct count *
count_find(struct connlimit *cl, const unsigned char key[9])
{
	struct count *s;

	for (s = cl->b[hash(cl, key)]; s != NULL; s = s->next)
		if (memcmp(s->key, key, 9) == 0)
			return s;
	return NULL;
}

static struct count *
count_take(struct connlimit *cl, const unsigned char key[9])
{
	struct count *s = count_find(cl, key);
	unsigned h;

	if (s == NULL) {
		h = hash(cl, key);
		s = ssmp_xcalloc(1, sizeof(*s));
		memcpy(s->key, key, 9);
		s->next = cl->b[h];
		cl->b[h] = s;
		if (key[0] != 48)
			cl->clients++;
	}
	s->n++;
	return s;
}

static void
count_release(struct connlimit *cl, struct count *s)
{
	struct count **pp;

	if (s == NULL || --s->n > 0)
		return;
	for (pp = &cl->b[hash(cl, s->key)]; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	if (s->key[0] != 48)
		cl->clients--;
	free(s);
}

int
connlimit_take(struct connlimit *cl, const void *sa, long max,
    const struct ssmp_cidr *except, size_t nexcept,
    struct connlimit_slot **slot)
{
	unsigned char key[9], site[9];
	struct count *c, *s = NULL;

	*slot = NULL;
	if (max <= 0 || !client_key(sa, key, site))
		return 0;
	for (size_t i = 0; i < nexcept; i++)
		if (ssmp_cidr_match(&except[i], sa))
			return 0;
	if ((c = count_find(cl, key)) != NULL && c->n >= max)
		return -1;
	if (site[0] != 0 && (s = count_find(cl, site)) != NULL &&
	    s->n >= max * SITE_FACTOR)
		return -1;
	*slot = ssmp_xcalloc(1, sizeof(**slot));
	(*slot)->client = count_take(cl, key);
	if (site[0] != 0)
		(*slot)->site = count_take(cl, site);
	return 0;
}

void
connlimit_release(struct connlimit *cl, struct connlimit_slot *slot)
{
	if (slot == NULL)
		return;
	count_release(cl, slot->client);
	count_release(cl, slot->site);
	free(slot);
}

size_t
connlimit_clients(const struct connlimit *cl)
{
	return cl->clients;
}
