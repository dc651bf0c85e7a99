/*
 * msgctx.c - allocation and reset of the milter's per-message state.
 */
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "msgctx.h"
#include "signer.h"

struct msgctx *
msgctx_new(size_t threshold, const char *dir)
{
	struct msgctx *m = ssmp_xcalloc(1, sizeof(*m));

	m->tail = &m->rcpts;
	spool_init(&m->spool, threshold, dir);
	return m;
}

void
msgctx_reset(struct msgctx *m)
{
	struct rcpt	*r, *next;
	int		 i;

	for (r = m->rcpts; r != NULL; r = next) {
		next = r->next;
		free(r->raw);
		free(r);
	}
	for (i = 0; i < m->nbatch; i++) {
		dl_batch_clear(m->batches[i]);
		free(m->batches[i]);
	}
	free(m->batches);
	spool_reset(&m->spool);
	/* After the batches: they point at the key in this table. */
	signer_release(m->keys);
	m->keys = NULL;
	m->rcpts = NULL;
	m->tail = &m->rcpts;
	m->nrcpt = 0;
	m->batches = NULL;
	m->nbatch = 0;
	m->kind = m->conn_kind;
	m->qid[0] = m->from[0] = m->msgid[0] = '\0';
	memset(&m->from_addr, 0, sizeof(m->from_addr));
	m->key = NULL;
	m->selector[0] = '\0';
	m->spooling = m->have_msgid = m->spool_failed = false;
	m->nmsgid = 0;
}

void
msgctx_free(struct msgctx *m)
{
	if (m == NULL)
		return;
	msgctx_reset(m);
	free(m);
}

struct rcpt *
msgctx_rcpt_add(struct msgctx *m, const char *raw)
{
	struct rcpt *r = ssmp_xcalloc(1, sizeof(*r));

	r->raw = ssmp_xstrdup(raw);
	*m->tail = r;
	m->tail = &r->next;
	m->nrcpt++;
	return r;
}

void
msgctx_rcpt_drop_last(struct msgctx *m)
{
	struct rcpt **pp;

	for (pp = &m->rcpts; *pp != NULL && (*pp)->next != NULL;
	    pp = &(*pp)->next)
		;
	if (*pp == NULL)
		return;
	free((*pp)->raw);
	free(*pp);
	*pp = NULL;
	m->tail = pp;
	m->nrcpt--;
}

struct dl_batch *
msgctx_batch_new(struct msgctx *m)
{
	m->batches = ssmp_xrealloc(m->batches, sizeof(*m->batches) *
	    (size_t)(m->nbatch + 1));
	m->batches[m->nbatch] = ssmp_xcalloc(1, sizeof(struct dl_batch));
	return m->batches[m->nbatch++];
}

int
msgctx_smtp_left(const struct msgctx *m)
{
	const struct rcpt	*r;
	int			 n = 0;

	for (r = m->rcpts; r != NULL; r = r->next)
		n += r->route != RT_DONE;
	return n;
}
