/*
 * ssmp-keygen - make a domain signing key and the DNS records that
 * publish it, as opendkim-genkey does for DKIM.
 *
 *	ssmp-keygen -d DOMAIN -s SELECTOR [-D DIR] [-h HOST[:PORT]]
 *	    [-m enforce|testing] [-R RUA] [-t TTL] [-u USER] [-f]
 *	ssmp-keygen -r -d DOMAIN -s SELECTOR [-t TTL]
 *
 * Writes DIR/SELECTOR.private (PEM PKCS#8 Ed25519, mode 0600) and
 * DIR/SELECTOR.txt (zone-file lines).  -r prints the revocation record.
 * -u gives both files to USER (the key stays mode 0600): only where the
 * daemons read keys without their key process's capability.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "ssmp_addr.h"
#include "ssmp_cli.h"
#include "ssmp_crypto.h"
#include "ssmp_txt.h"
#include "keyfile.h"

struct opts {
	char		 domain[SSMP_DOMAIN_MAX + 1];
	char		 selector[SSMP_SELECTOR_MAX + 1];
	const char	*dir;
	const char	*host;
	const char	*rua;		/* rua= of the policy record */
	const char	*user;
	enum ssmp_mode	 mode;
	long		 ttl;
	int		 force, revoke;
};

static const char usage_text[] =
    "usage: ssmp-keygen -d DOMAIN -s SELECTOR [-D DIR] [-h HOST[:PORT]]\n"
    "                   [-m enforce|testing] [-R URI[,URI]] [-t TTL]\n"
    "                   [-u USER] [-fr]\n"
    "       ssmp-keygen -V\n"
    "  -d DOMAIN   the domain the key signs for\n"
    "  -s SELECTOR the selector (DNS label)\n"
    "  -D DIR      where SELECTOR.private and SELECTOR.txt go (default .)\n"
    "  -h HOST     h= of the policy record (default ssmp.DOMAIN)\n"
    "  -m MODE     m= of the policy record (default testing)\n"
    "  -R URIS     rua= of the policy record: where senders send delivery\n"
    "              reports (https://HOST/PATH and/or mailto:ADDRESS)\n"
    "  -t TTL      TTL of the printed records (default 3600)\n"
    "  -u USER     give both files to USER (the key stays 0600)\n"
    "  -f          overwrite an existing key\n"
    "  -r          print the revocation record of SELECTOR\n"
    "  -V          print the version\n";

static void __attribute__((noreturn))
usage(const char *why)
{
	ssmp_cli_usage("ssmp-keygen", usage_text, why == NULL ? NULL : "%s",
	    why);
}

static void __attribute__((noreturn))
die(int code, const char *msg)
{
	fprintf(stderr, "ssmp-keygen: %s\n", msg);
	exit(code);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	struct ssmp_err	 err;
	char		*end;
	const char	*dom = NULL, *sel = NULL;
	int		 c;

	memset(o, 0, sizeof(*o));
	o->dir = ".";
	o->ttl = 3600;
	o->mode = SSMP_MODE_TESTING;
	ssmp_cli_early(argc, argv, "ssmp-keygen", usage_text);
	while ((c = getopt(argc, argv, "d:s:D:h:m:R:t:frVu:")) != -1) {
		switch (c) {
		case 'V': ssmp_cli_version("ssmp-keygen");
		case 'd': dom = optarg; break;
		case 's': sel = optarg; break;
		case 'D': o->dir = optarg; break;
		case 'h': o->host = optarg; break;
		case 'R': o->rua = optarg; break;
		case 'f': o->force = 1; break;
		case 'r': o->revoke = 1; break;
		case 'u': o->user = optarg; break;
		case 'm':
			if (strcmp(optarg, "enforce") == 0)
				o->mode = SSMP_MODE_ENFORCE;
			else if (strcmp(optarg, "testing") != 0)
				usage("-m: expected enforce or testing");
			break;
		case 't':
			errno = 0;
			o->ttl = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    o->ttl < 0 || o->ttl > 2147483647L)
				usage("-t: TTL must be 0..2147483647 seconds");
			break;
		default:
			usage(NULL);
		}
	}
	if (optind != argc)
		usage("unexpected argument");
	if (dom == NULL || sel == NULL)
		usage("-d DOMAIN and -s SELECTOR are required");
	if (ssmp_domain_check(dom, o->domain, &err) != 0 ||
	    ssmp_selector_check(sel, o->selector, &err) != 0)
		usage(err.msg);
}

/* The two zone-file lines; exits on a record that would not publish. */
static void
zone_lines(const struct opts *o, const struct ssmp_key *key, char *out,
    size_t outlen)
{
	struct ssmp_policy	pol;
	struct ssmp_keyrec	kr;
	struct ssmp_err		err;
	char			ptxt[SSMP_POLICY_TXT_MAX + 1];
	char			pstr[SSMP_POLICY_TXT_MAX + 16];
	char			ktxt[SSMP_TXT_MAX + 1];
	int			n;

	memset(&pol, 0, sizeof(pol));
	if (o->host != NULL)
		snprintf(pol.host, sizeof(pol.host), "%s", o->host);
	else
		snprintf(pol.host, sizeof(pol.host), "ssmp.%s", o->domain);
	snprintf(pol.selector, sizeof(pol.selector), "%s", o->selector);
	pol.mode = o->mode;
	if (o->rua != NULL && snprintf(pol.rua, sizeof(pol.rua), "%s",
	    o->rua) >= (int)sizeof(pol.rua))
		die(EX_USAGE, "-R: rua= value too long");
	memset(&kr, 0, sizeof(kr));
	memcpy(kr.pk, key->pk, sizeof(kr.pk));
	if (ssmp_policy_format(&pol, ptxt, sizeof(ptxt), &err) != 0 ||
	    ssmp_txt_zone_strings(ptxt, pstr, sizeof(pstr), &err) != 0)
		die(EX_USAGE, err.msg);
	if (ssmp_keyrec_format(&kr, ktxt, sizeof(ktxt), &err) != 0)
		die(EX_SOFTWARE, err.msg);
	n = snprintf(out, outlen,
	    "_ssmp.%s.\t%ld\tIN\tTXT\t%s\n"
	    "%s._ssmpkey.%s.\t%ld\tIN\tTXT\t\"%s\"\n",
	    o->domain, o->ttl, pstr, o->selector, o->domain, o->ttl, ktxt);
	if (n < 0 || (size_t)n >= outlen)
		die(EX_SOFTWARE, "zone lines too long");
}

static int
write_txt(const char *path, const char *text, int force, struct ssmp_err *err)
{
	char	 tmp[PATH_MAX];
	FILE	*f;
	int	 rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return ssmp_err_set(err, "%s: path too long", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return ssmp_err_set(err, "%s: %s", tmp, strerror(errno));
	if (fputs(text, f) == EOF || fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = ssmp_err_set(err, "%s: %s", tmp, strerror(errno));
	if (fclose(f) != 0 && rc == 0)
		rc = ssmp_err_set(err, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && (force ? rename(tmp, path) : link(tmp, path)) != 0)
		rc = ssmp_err_set(err, "%s: %s", path, errno == EEXIST ?
		    "exists (use -f to overwrite)" : strerror(errno));
	if (rc != 0 || !force)
		unlink(tmp);
	return rc;
}

/* -D must be an existing directory: say which, and how to make it. */
static void
check_dir(const char *dir)
{
	struct stat	st;
	char		msg[PATH_MAX + 128];

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	if (errno == ENOENT)
		(void)snprintf(msg, sizeof(msg), "-D %s: no such directory "
		    "(make it first: install -d -m 700 %s)", dir, dir);
	else
		(void)snprintf(msg, sizeof(msg), "-D %s: %s", dir,
		    errno ? strerror(errno) : "not a directory");
	die(EX_CANTCREAT, msg);
}

/* -u USER: both files to USER and its group. */
static void
give(const char *user, const char *priv, const char *txt)
{
	struct passwd	*pw;
	char		 msg[PATH_MAX + 128];

	if (user == NULL)
		return;
	if ((pw = getpwnam(user)) == NULL) {
		(void)snprintf(msg, sizeof(msg), "-u %s: no such user", user);
		die(EX_NOUSER, msg);
	}
	if (chown(priv, pw->pw_uid, pw->pw_gid) != 0 ||
	    chown(txt, pw->pw_uid, pw->pw_gid) != 0) {
		(void)snprintf(msg, sizeof(msg), "-u %s: chown: %s", user,
		    strerror(errno));
		die(EX_NOPERM, msg);
	}
}

int
main(int argc, char **argv)
{
	struct opts	o;
	struct ssmp_key	key;
	struct ssmp_err	err;
	char		priv[PATH_MAX], txt[PATH_MAX], lines[2048];

	parse_args(argc, argv, &o);
	if (ssmp_crypto_init(&err) != 0)
		die(EX_SOFTWARE, err.msg);
	if (o.revoke) {
		printf("%s._ssmpkey.%s.\t%ld\tIN\tTXT\t\"v=SSMP1; k=ed25519; "
		    "p=\"\n", o.selector, o.domain, o.ttl);
		return EX_OK;
	}
	if (snprintf(priv, sizeof(priv), "%s/%s.private", o.dir,
	    o.selector) >= (int)sizeof(priv) ||
	    snprintf(txt, sizeof(txt), "%s/%s.txt", o.dir, o.selector) >=
	    (int)sizeof(txt))
		usage("-D: path too long");
	check_dir(o.dir);
	if (o.user != NULL && getpwnam(o.user) == NULL) {
		fprintf(stderr, "ssmp-keygen: -u %s: no such user\n", o.user);
		return EX_NOUSER;
	}
	if (!o.force && (access(priv, F_OK) == 0 || access(txt, F_OK) == 0)) {
		fprintf(stderr, "ssmp-keygen: %s: exists (use -f to "
		    "overwrite)\n", access(priv, F_OK) == 0 ? priv : txt);
		return EX_CANTCREAT;
	}
	ssmp_key_generate(&key);
	zone_lines(&o, &key, lines, sizeof(lines));
	if (ks_keyfile_write(priv, &key, o.force, &err) != 0 ||
	    write_txt(txt, lines, o.force, &err) != 0) {
		ssmp_key_wipe(&key);
		die(EX_CANTCREAT, err.msg);
	}
	ssmp_key_wipe(&key);
	give(o.user, priv, txt);
	return EX_OK;
}
