/*
 * test_ks_keyfile.c - private key files and the key table, on real files.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ssmp_config.h"
#include "keyfile.h"
#include "keytable.h"

static char dir[256];

static void
path(char *out, const char *name)
{
	snprintf(out, 400, "%s/%s", dir, name);
}

static void
test_roundtrip(void)
{
	struct ssmp_key	k, back;
	struct ssmp_err	err = { "" };
	struct stat	st;
	unsigned char	seed[SSMP_SEED_BYTES];
	char		p[400];
	int		i;

	for (i = 0; i < SSMP_SEED_BYTES; i++)
		seed[i] = (unsigned char)i;
	ssmp_key_from_seed(&k, seed);
	path(p, "k1.private");
	is_int(ks_keyfile_write(p, &k, false, &err), 0, "write");
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0600");
	is_int(ks_keyfile_read(p, &back, &err), 0, "read back");
	ok(memcmp(k.sk, back.sk, sizeof(k.sk)) == 0 &&
	    memcmp(k.pk, back.pk, sizeof(k.pk)) == 0, "same key");
	is_int(ks_keyfile_write(p, &k, false, &err), -1, "no overwrite");
	like(err.msg, "exists (use -f", "overwrite refusal says so");
	seed[0] = 0xff;
	ssmp_key_from_seed(&back, seed);
	is_int(ks_keyfile_write(p, &back, true, &err), 0, "force overwrites");
	is_int(ks_keyfile_read(p, &k, &err), 0, "read forced");
	ok(memcmp(k.pk, back.pk, sizeof(k.pk)) == 0, "new key read");

	chmod(p, 0640);
	is_int(ks_keyfile_read(p, &k, &err), -1, "group-readable refused");
	like(err.msg, "mode 0640, must not be readable", "error gives the mode");
	like(err.msg, p, "error names the file");
	chmod(p, 0602);
	is_int(ks_keyfile_read(p, &k, &err), -1, "world-writable refused");
	chmod(p, 0600);
	path(p, "none.private");
	is_int(ks_keyfile_read(p, &k, &err), -1, "missing file");
	like(err.msg, "No such file", "missing file reported");
	is_int(ks_keyfile_read(dir, &k, &err), -1, "directory refused");
	like(err.msg, "not a regular file", "directory reported");
}

static void
test_parse(void)
{
	static const char rsa[] =
	    "-----BEGIN PRIVATE KEY-----\n"
	    "MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAvCn3pYzh3KIs3xqv\n"
	    "-----END PRIVATE KEY-----\n";
	static const char x25519[] =
	    "-----BEGIN PRIVATE KEY-----\n"
	    "MC4CAQAwBQYDK2VuBCIEIHBM6ZD3SOsIw3QZwy1mN0UJMc0c9JSIhb3cDB5WqGF+\n"
	    "-----END PRIVATE KEY-----\n";
	struct ssmp_key	k;
	struct ssmp_err	err = { "" };

	is_int(ks_keyfile_parse("t", "", 0, &k, &err), -1, "empty refused");
	like(err.msg, "KeyFile t: no PEM private key", "empty reported");
	is_int(ks_keyfile_parse("t", rsa, sizeof(rsa) - 1, &k, &err), -1,
	    "truncated RSA refused");
	is_int(ks_keyfile_parse("t", x25519, sizeof(x25519) - 1, &k, &err), -1,
	    "X25519 key refused");
	like(err.msg, "X25519 key, not Ed25519", "wrong type named");
}

static void
test_keytable(void)
{
	static const char text[] =
	    "# rotation\n"
	    "A.test  new  k1.private\n"
	    "a.test old /abs/old.private   # still published\n"
	    "\n"
	    "b.test s1 k1.private\n";
	struct ks_keytable	*t;
	const struct ks_keyent	*e;
	struct ssmp_err		 err = { "" };

	is_int(ks_keytable_parse("kt", text, sizeof(text) - 1, "/d", &t, &err),
	    0, "keytable parses");
	if (t == NULL)
		return;
	is_int(t->n, 3, "three keys");
	e = ks_keytable_signing(t, "A.TEST");
	ok(e != NULL && strcmp(e->selector, "new") == 0 && e->active,
	    "first line is the signing key");
	is_str(e ? e->path : NULL, "/d/k1.private", "relative path resolved");
	e = ks_keytable_find(t, "a.test", "OLD");
	ok(e != NULL && !e->active, "later selector published, not active");
	is_str(e ? e->path : NULL, "/abs/old.private", "absolute path kept");
	ok(ks_keytable_find(t, "c.test", NULL) == NULL, "unknown domain");
	ks_keytable_hold(t);
	ks_keytable_release(t);
	is_int(t->refs, 1, "hold/release");
	ks_keytable_release(t);

	is_int(ks_keytable_parse("kt", "a.test s1\n", 10, NULL, &t, &err), -1,
	    "two fields refused");
	like(err.msg, "kt:1: expected DOMAIN SELECTOR KEYFILE", "line named");
	is_int(ks_keytable_parse("kt", "a.test s1 f\na.test S1 g\n", 24, NULL,
	    &t, &err), -1, "duplicate refused");
	like(err.msg, "kt:2: a.test s1 listed twice", "duplicate named");
	is_int(ks_keytable_parse("kt", "a.test s_1 f\n", 13, NULL, &t, &err),
	    -1, "bad selector refused");
	like(err.msg, "kt:1: selector", "bad selector named");
	is_int(ks_keytable_parse("kt", "# none\n", 7, NULL, &t, &err), -1,
	    "empty table refused");
}

static void
test_load(void)
{
	struct ssmp_config	 cfg;
	struct ks_keytable	*t;
	struct ssmp_err		 err = { "" };
	char			 conf[600];
	int			 n;

	n = snprintf(conf, sizeof(conf), "Domain a.test\nSelector s1\n"
	    "KeyFile %s/k1.private\n", dir);
	is_int(ssmp_config_parse("c", conf, (size_t)n, &cfg, &err), 0,
	    "shorthand config");
	is_int(ks_keytable_load(&cfg, &t, &err), 0, "shorthand table loads");
	ok(t != NULL && t->n == 1 && t->v[0].active, "one active key");
	ks_keytable_release(t);
	ssmp_config_free(&cfg);
	n = snprintf(conf, sizeof(conf), "Domain a.test\nSelector s1\n"
	    "KeyFile %s/missing.private\n", dir);
	ssmp_config_parse("c", conf, (size_t)n, &cfg, &err);
	is_int(ks_keytable_load(&cfg, &t, &err), -1, "missing key: no table");
	like(err.msg, "missing.private", "missing key named");
	ssmp_config_free(&cfg);
	is_int(ssmp_config_parse("c", "Domain a.test\n", 14, &cfg, &err), -1,
	    "Domain without Selector refused");
	like(err.msg, "Selector missing", "missing key named");
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		 cmd[300];

	snprintf(dir, sizeof(dir), "%s/ks-keyfile.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_roundtrip();
	test_parse();
	test_keytable();
	test_load();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	return done_testing();
}
