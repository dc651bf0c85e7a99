/*
 * batch.c - a batch of recipients of one domain, as one envelope
 * carries them (deliver.h): plain data, no I/O, so the outbound
 * pipeline's tests use it without the network.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliver.h"
#include "deliver_int.h"

void
dl_copy(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *
dl_state_name(enum dl_state s)
{
	switch (s) {
	case DL_ACCEPTED:
		return "accepted";
	case DL_TEMP:
		return "tempfail";
	case DL_PERM:
		return "rejected";
	default:
		return "pending";
	}
}

void
dl_batch_init(struct dl_batch *b, const char *domain,
    const struct ssmp_policy *pol, const char *from, const char *selector,
    const struct ssmp_key *key)
{
	memset(b, 0, sizeof(*b));
	dl_copy(b->domain, sizeof(b->domain), domain);
	b->pol = *pol;
	dl_copy(b->from, sizeof(b->from), from);
	dl_copy(b->selector, sizeof(b->selector), selector);
	b->key = key;
}

int
dl_batch_add(struct dl_batch *b, const char *to, void *user,
    struct ssmp_err *err)
{
	const char	*at = strrchr(to, '@');
	int		 i;

	if (b->nrcpt >= SSMP_MAX_RCPT)
		return ssmp_err_set(err, "batch full (%d recipients)",
		    SSMP_MAX_RCPT);
	if (at == NULL || strcasecmp(at + 1, b->domain) != 0)
		return ssmp_err_set(err, "recipient %s: not in domain %s", to,
		    b->domain);
	for (i = 0; i < b->nrcpt; i++)
		if (strcasecmp(b->rcpt[i].to, to) == 0)
			return ssmp_err_set(err, "recipient %s: given twice",
			    to);
	memset(&b->rcpt[i], 0, sizeof(b->rcpt[i]));
	dl_copy(b->rcpt[i].to, sizeof(b->rcpt[i].to), to);
	b->rcpt[i].user = user;
	b->nrcpt++;
	return 0;
}

void
dl_batch_clear(struct dl_batch *b)
{
	free(b->receipt_json);
	b->receipt_json = NULL;
}
