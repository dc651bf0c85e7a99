/*
 * hostaddr.c - the address of a sender's HTTPS host (hostaddr.h): the
 * delivery client's lookup (dl_host_addr in deliver_dnsq.c), so ssmpd
 * and ssmp-milter/ssmp-send ask DNS for a host the same way.
 */
#include "config.h"

#include <stdlib.h>

#include "hostaddr.h"
#include "hostlookup.h"
#include "ssmp_buf.h"

struct hostaddr {
	struct dl_nameservers	 ns;
	struct dl_addrcache	*ac;
};

int
hostaddr_new(const struct ssmp_config *cfg, struct hostaddr **out,
    struct ssmp_err *err)
{
	struct hostaddr *ha = ssmp_xcalloc(1, sizeof(*ha));

	if (dl_nameservers_init(cfg, &ha->ns, err) != 0) {
		free(ha);
		return -1;
	}
	ha->ac = dl_addrcache_new();
	*out = ha;
	return 0;
}

void
hostaddr_free(struct hostaddr *ha)
{
	if (ha == NULL)
		return;
	dl_addrcache_free(ha->ac);
	free(ha);
}

enum keys_dns
hostaddr_lookup(struct hostaddr *ha, const char *host, char *out,
    size_t outlen, struct ssmp_err *err)
{
	switch (dl_host_addr(&ha->ns, ha->ac, host, out, outlen, err)) {
	case DL_DNS_OK:
		return KEYS_DNS_OK;
	case DL_DNS_NONE:
		return KEYS_DNS_NONE;
	default:
		return KEYS_DNS_TEMP;
	}
}
