/*
 * fuzz_dnsq.c - a DNS answer off the wire, as the keystore's resolver
 * reads it after libunbound resolved and validated it (keystore/dnsq.c,
 * included for its static functions): ldns parses the packet, then
 * classify_type() sorts it (NXDOMAIN, error,
 * truncated, TXT records joined from their strings, negative TTL from
 * the SOA) and each TXT string goes to the _ssmp and _ssmpkey parsers.
 * A TTL must come out clamped; a joined record must be a C string of
 * the length its strings add up to.
 */
#include "dnsq.c"

#include <stdint.h>

#include "ssmp_txt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
records(const struct dnsq_answer *ans)
{
	struct ssmp_policy	 p;
	struct ssmp_keyrec	 k;
	struct ssmp_err		 err;

	for (size_t i = 0; i < ans->ntxt; i++) {
		if (ans->txt[i] == NULL)
			abort();
		if (!ssmp_txt_is_ssmp(ans->txt[i]))
			continue;
		(void)ssmp_policy_parse(ans->txt[i], &p, &err);
		(void)ssmp_keyrec_parse(ans->txt[i], &k, &err);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsq		dq;
	struct dnsq_answer	ans;
	struct ssmp_err		err;
	ldns_pkt		*pkt = NULL;
	enum dnsq_status	st;

	if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK)
		return 0;
	memset(&dq, 0, sizeof(dq));
	dq.min_ttl = 60;
	dq.max_ttl = 86400;
	memset(&ans, 0, sizeof(ans));
	st = classify_type(&dq, pkt, LDNS_RR_TYPE_TXT, &ans, "_ssmp.fuzz.test",
	    &err);
	if (st == DNSQ_OK && ans.ntxt == 0)
		abort();
	if ((st == DNSQ_OK || st == DNSQ_NXDOMAIN || st == DNSQ_NODATA) &&
	    (ans.ttl < dq.min_ttl || ans.ttl > dq.max_ttl))
		abort();
	records(&ans);
	answer_free(&ans);
	ldns_pkt_free(pkt);
	return 0;
}
