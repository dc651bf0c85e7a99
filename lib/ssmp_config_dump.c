/*
 * ssmp_config_dump.c - the effective configuration (ssmp_config_dump.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssmp_confparse.h"
#include "ssmp_config.h"
#include "ssmp_config_dump.h"

/* The index of key in defs, or -1. */
static long
key_index(const struct ssmp_conf_def *defs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(defs[i].name, key) == 0)
			return (long)i;
	return -1;
}

static void
line(FILE *out, const struct ssmp_conf_def *d, const struct ssmp_config *cfg,
    const char *path, int at)
{
	char value[4096];

	ssmp_conf_format(d, cfg, value, sizeof(value));
	if (*value == '\0')
		fprintf(out, "#%s\t\t# not set\n", d->name);
	else if (at > 0)
		fprintf(out, "%s\t%s\t# %s:%d\n", d->name, value, path, at);
	else
		fprintf(out, "%s\t%s\t# default\n", d->name, value);
}

int
ssmp_config_dump(const char *path, enum ssmp_dump_which which,
    char *const *keys, size_t nkeys, FILE *out, struct ssmp_err *err)
{
	const struct ssmp_conf_def *defs;
	struct ssmp_config cfg;
	size_t n;
	int *setat;
	long k;

	defs = ssmp_config_keys(&n);
	for (size_t i = 0; i < nkeys; i++)
		if (key_index(defs, n, keys[i]) < 0)
			return ssmp_err_set(err, "unknown key '%.60s'",
			    keys[i]);
	setat = calloc(n + 1, sizeof(*setat));
	if (setat == NULL)
		return ssmp_err_set(err, "out of memory");
	if (path == NULL || which == SSMP_DUMP_DEFAULT) {
		/* an empty file: the defaults, derived ones too */
		(void)ssmp_config_parse("defaults", "", 0, &cfg, err);
		path = "";
	} else if (ssmp_config_load_at(path, &cfg, setat, err) != 0) {
		free(setat);
		return -1;
	}
	for (size_t i = 0; i < (nkeys ? nkeys : n); i++) {
		k = nkeys ? key_index(defs, n, keys[i]) : (long)i;
		if (which != SSMP_DUMP_SET || setat[k] > 0)
			line(out, &defs[k], &cfg, path, setat[k]);
	}
	ssmp_config_free(&cfg);
	free(setat);
	return 0;
}
