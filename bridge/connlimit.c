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

#include "connlimit.h"
#include "ssmp_buf.h"

#define NBUCKETS	4096

struct connlimit_slot {
	unsigned char		 key[9];	/* family tag + 8 octets */
	long			 n;
	struct connlimit_slot	*next;
};

struct connlimit {
	struct connlimit_slot	*b[NBUCKETS];
	size_t			 clients;
};

struct connlimit *
connlimit_new(void)
{
	return ssmp_xcalloc(1, sizeof(struct connlimit));
}

void
connlimit_free(struct connlimit *cl)
{
	struct connlimit_slot *s;

	if (cl == NULL)
		return;
	for (size_t i = 0; i < NBUCKETS; i++)
		while ((s = cl->b[i]) != NULL) {
			cl->b[i] = s->next;
			free(s);
		}
	free(cl);
}

/* The client sa belongs to: an IPv4 address or an IPv6 /64. */
static bool
client_key(const void *sa, unsigned char key[9])
{
	const struct sockaddr *s = sa;
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(key, 0, 9);
	if (s->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (s->sa_family == AF_INET6) {
		const unsigned char *a =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, a, 8);
		}
		return true;
	}
	return false;			/* local socket: not a client */
}

static unsigned
hash(const unsigned char key[9])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 9; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % NBUCKETS;
}

int
connlimit_take(struct connlimit *cl, const void *sa, long max,
    const struct ssmp_cidr *except, size_t nexcept,
    struct connlimit_slot **slot)
{
	unsigned char key[9];
	struct connlimit_slot *s;
	unsigned h;

	*slot = NULL;
	if (max <= 0 || !client_key(sa, key))
		return 0;
	for (size_t i = 0; i < nexcept; i++)
		if (ssmp_cidr_match(&except[i], sa))
			return 0;
	h = hash(key);
	for (s = cl->b[h]; s != NULL; s = s->next)
		if (memcmp(s->key, key, sizeof(key)) == 0)
			break;
	if (s == NULL) {
		s = ssmp_xcalloc(1, sizeof(*s));
		memcpy(s->key, key, sizeof(key));
		s->next = cl->b[h];
		cl->b[h] = s;
		cl->clients++;
	} else if (s->n >= max)
		return -1;
	s->n++;
	*slot = s;
	return 0;
}

void
connlimit_release(struct connlimit *cl, struct connlimit_slot *slot)
{
	struct connlimit_slot **pp;

	if (slot == NULL || --slot->n > 0)
		return;
	for (pp = &cl->b[hash(slot->key)]; *pp != slot; pp = &(*pp)->next)
		;
	*pp = slot->next;
	free(slot);
	cl->clients--;
}

size_t
connlimit_clients(const struct connlimit *cl)
{
	return cl->clients;
}
