/*
 * msgctx.c - allocation and reset of the milter's per-message state.
 */
#include <stdlib.h>
#include <string.h>

#include "ssmp_buf.h"
#include "milter.h"
#include "mmetrics.h"
#include "msgctx.h"
#include "signer.h"

struct msgctx *
msgctx_new(size_t threshold, const char *dir)
{
	struct msgctx *m = ssmp_xcalloc(1, sizeof(*m));

	spool_init(&m->spool, threshold, dir);
	m->pl.dl = milter->dl;
	m->pl.ks = milter->ks;
	m->pl.can_fallback = true;	/* a recipient left in the envelope */
	m->pl.auto_allow = milter->cfg.auto_allow;
	m->pl.from = m->from;
	m->pl.selector = m->selector;
	m->pl.on_log = mm_count;
	return m;
}

void
msgctx_reset(struct msgctx *m)
{
	pl_reset(&m->pl);
	spool_reset(&m->spool);
	/* After the envelopes: they point at the key in this table. */
	signer_release(m->keys);
	m->keys = NULL;
	m->kind = m->conn_kind;
	m->qid[0] = m->from[0] = m->msgid[0] = '\0';
	memset(&m->from_addr, 0, sizeof(m->from_addr));
	m->key = m->pl.key = NULL;
	m->pl.ours = NULL;
	m->pl.id = NULL;
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
