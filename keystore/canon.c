/*
 * canon.c - what the store modules share: names of enumerations and
 * canonical (lower-case) forms (backend.h).  Apart from store.c, which
 * calls the modules, so that no module calls back into it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backend.h"

int
ks_name_parse(const char *s, const char *const *tab, int n, const char *what,
    int *out, struct ssmp_err *err)
{
	int i;

	for (i = 1; i < n; i++)
		if (s != NULL && strcasecmp(s, tab[i]) == 0) {
			*out = i;
			return 0;
		}
	return ssmp_err_set(err, "unknown %s '%.40s' (expected %s|%s%s%s)",
	    what, s ? s : "", tab[1], tab[2], n > 3 ? "|" : "",
	    n > 3 ? tab[3] : "");
}

int
ks_lower(const char *s, char *out, size_t outlen, const char *what,
    struct ssmp_err *err)
{
	size_t i, n = strlen(s);

	if (n >= outlen)
		return ssmp_err_set(err, "keystore: %s '%.40s...': too long",
		    what, s);
	for (i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return 0;
}
