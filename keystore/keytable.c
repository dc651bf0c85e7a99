/*
 * keytable.c - the KeyTable file (or its Domain/Selector/KeyFile
 * shorthand) and the keys it names, loaded and checked all at once so a
 * reload either fully succeeds or changes nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium/utils.h>

#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "keyfile.h"
#include "keytable.h"

#define KEYTABLE_MAX	(1024 * 1024)

static struct ks_keytable *
table_new(void)
{
	struct ks_keytable *t = ssmp_xcalloc(1, sizeof(*t));

	t->refs = 1;
	return t;
}

struct ks_keytable *
ks_keytable_new(size_t n)
{
	struct ks_keytable *t = table_new();

	if (n > 0)
		t->v = ssmp_xcalloc(n, sizeof(*t->v));
	t->n = n;
	return t;
}

void
ks_keytable_lock(struct ks_keytable *t)
{
	if (t->n > 0 && !t->locked)
		t->locked = sodium_mlock(t->v, t->n * sizeof(*t->v)) == 0;
}

struct ks_keytable *
ks_keytable_hold(struct ks_keytable *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_ACQ_REL);
	return t;
}

void
ks_keytable_release(struct ks_keytable *t)
{
	size_t i;

	if (t == NULL || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < t->n; i++)
		ssmp_key_wipe(&t->v[i].key);
	if (t->locked)
		(void)sodium_munlock(t->v, t->n * sizeof(*t->v));
	free(t->v);
	free(t);
}

const struct ks_keyent *
ks_keytable_find(const struct ks_keytable *t, const char *domain,
    const char *selector)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->v[i].domain, domain) == 0 &&
		    (selector == NULL ||
		    strcasecmp(t->v[i].selector, selector) == 0))
			return &t->v[i];
	return NULL;
}

const struct ks_keyent *
ks_keytable_signing(const struct ks_keytable *t, const char *domain)
{
	/* the first entry of a domain is its active one */
	return ks_keytable_find(t, domain, NULL);
}

/* Add one entry after checking its fields; errors name where. */
static int
table_add(struct ks_keytable *t, const char *where, const char *dom,
    const char *sel, const char *file, const char *dir, int line,
    struct ssmp_err *err)
{
	struct ks_keyent e;

	memset(&e, 0, sizeof(e));
	if (ssmp_domain_check(dom, e.domain, err) != 0 ||
	    ssmp_selector_check(sel, e.selector, err) != 0)
		return ssmp_err_prefix(err, "%s: ", where);
	if (ks_keytable_find(t, e.domain, e.selector) != NULL)
		return ssmp_err_set(err, "%s: %s %s listed twice", where,
		    e.domain, e.selector);
	if (snprintf(e.path, sizeof(e.path), "%s%s%s",
	    file[0] != '/' && dir ? dir : "", file[0] != '/' && dir ? "/" : "",
	    file) >= (int)sizeof(e.path))
		return ssmp_err_set(err, "%s: key file path too long", where);
	e.active = ks_keytable_signing(t, e.domain) == NULL;
	e.line = line;
	t->v = ssmp_xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n++] = e;
	return 0;
}

static int
parse_line(struct ks_keytable *t, const char *name, char *line, int lineno,
    const char *dir, struct ssmp_err *err)
{
	char	*f[4], *save = NULL, where[300];
	int	 n = 0;

	line[strcspn(line, "#")] = '\0';
	for (f[n] = strtok_r(line, " \t\r", &save); f[n] != NULL && n < 3;
	    f[n] = strtok_r(NULL, " \t\r", &save))
		n++;
	snprintf(where, sizeof(where), "%s:%d", name, lineno);
	if (n == 0)
		return 0;
	if (n != 3 || f[3] != NULL)
		return ssmp_err_set(err, "%s: expected DOMAIN SELECTOR KEYFILE",
		    where);
	return table_add(t, where, f[0], f[1], f[2], dir, lineno, err);
}

int
ks_keytable_parse(const char *name, const char *text, size_t len,
    const char *dir, struct ks_keytable **out, struct ssmp_err *err)
{
	struct ks_keytable	*t = table_new();
	const char		*p = text, *end = text + len, *nl;
	char			 line[4096];
	int			 lineno = 0, rc = 0;

	*out = NULL;
	for (; p < end && rc == 0; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) >= sizeof(line))
			rc = ssmp_err_set(err, "%s:%d: line too long", name,
			    lineno);
		else if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			rc = ssmp_err_set(err, "%s:%d: NUL byte", name, lineno);
		else {
			memcpy(line, p, (size_t)(nl - p));
			line[nl - p] = '\0';
			rc = parse_line(t, name, line, lineno, dir, err);
		}
	}
	if (rc == 0 && t->n == 0)
		rc = ssmp_err_set(err, "%s: no keys", name);
	if (rc != 0) {
		ks_keytable_release(t);
		return -1;
	}
	ks_keytable_lock(t);
	*out = t;
	return 0;
}

static int
read_table(const char *path, struct ks_keytable **out, struct ssmp_err *err)
{
	FILE	*f;
	char	*buf, dir[PATH_MAX], *slash;
	size_t	 len;
	int	 rc;

	if ((f = fopen(path, "r")) == NULL)
		return ssmp_err_set(err, "KeyTable %s: %s", path,
		    strerror(errno));
	buf = ssmp_xmalloc(KEYTABLE_MAX + 1);
	len = fread(buf, 1, KEYTABLE_MAX + 1, f);
	fclose(f);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (len > KEYTABLE_MAX)
		rc = ssmp_err_set(err, "KeyTable %s: larger than %d bytes",
		    path, KEYTABLE_MAX);
	else
		rc = ks_keytable_parse(path, buf, len, slash ? dir : NULL,
		    out, err);
	free(buf);
	return rc;
}

int
ks_keytable_load(const struct ssmp_config *cfg, struct ks_keytable **out,
    struct ssmp_err *err)
{
	struct ks_keytable	*t;
	size_t			 i;
	int			 rc = 0;

	*out = NULL;
	if (cfg->key_table != NULL)
		rc = read_table(cfg->key_table, &t, err);
	else if (cfg->domain != NULL) {
		t = table_new();
		rc = table_add(t, "Domain/Selector/KeyFile", cfg->domain,
		    cfg->selector, cfg->key_file, NULL, 0, err);
		if (rc != 0)
			ks_keytable_release(t);
	} else
		return ssmp_err_set(err, "no keys configured (KeyTable, or "
		    "Domain + Selector + KeyFile)");
	if (rc != 0)
		return -1;
	for (i = 0; i < t->n && rc == 0; i++)
		rc = ks_keyfile_read(t->v[i].path, &t->v[i].key, err);
	if (rc != 0) {
		ks_keytable_release(t);
		return -1;
	}
	ks_keytable_lock(t);
	*out = t;
	return 0;
}
