/*
 * ssmp-send.c - main(): deliver one message by SSMP, for MTAs without a
 * milter (Exim's pipe transport, Postfix's pipe(8), scripts).
 *
 * Usage: ssmp-send [-Fv] [-c CONF] [-i ID] -f SENDER [--] RCPT...
 *        ssmp-send [-c CONF] -q DOMAIN
 *   -c CONF    configuration file (default SYSCONFDIR/ssmp.conf)
 *   -F         fallback mode: a testing-mode domain's failure (and a
 *              domain without SSMP) exits EX_FALLBACK, for a router
 *              that then sends the recipient by SMTP
 *   -f SENDER  envelope sender; its domain must have a signing key
 *   -i ID      the MTA's queue id, for log lines
 *   -q DOMAIN  query: does DOMAIN speak SSMP?  Prints its mode
 *   -v         report every recipient on stderr, also on success
 *   -V         print the version and exit
 *
 * The message is read on standard input.  The exit status is a
 * sysexits(3) code (ssmp-send.8, EXIT STATUS); on failure one line per
 * recipient on stderr says what happened to it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "ssmp_cli.h"
#include "ssmp_crypto.h"
#include "ssmp_daemon.h"
#include "ssmp_log.h"
#include "parse.h"
#include "signer.h"
#include "send_core.h"
#include "send_run.h"
#include "send_read.h"

struct opts {
	const char	*conf;
	const char	*from;
	const char	*id;
	const char	*query;
	bool		 fallback;
	bool		 verbose;
};

static const char usage_text[] =
    "usage: ssmp-send [-FvV] [-c CONF] [-i ID] -f SENDER [--] RCPT...\n"
    "       ssmp-send [-c CONF] -q DOMAIN\n"
    "  -c CONF    the configuration (default " SSMP_CONFIG_PATH ")\n"
    "  -F         fallback mode: exit 79 where SMTP may take over\n"
    "  -f SENDER  the envelope sender\n"
    "  -i ID      the MTA's queue id, for the log\n"
    "  -q DOMAIN  query mode: does DOMAIN speak SSMP?\n"
    "  -v         log to standard error too\n"
    "  -V         print the version\n";

static void __attribute__((noreturn))
usage(void)
{
	ssmp_cli_usage("ssmp-send", usage_text, NULL);
}

static void
die(int ex, const char *what, const char *msg)
{
	/* once: on stderr, and in syslog when that is where the log goes */
	if (ssmp_log_syslog())
		ssmp_log(LOG_ERR, NULL, "%s%s%s", what, *what ? ": " : "", msg);
	fprintf(stderr, "ssmp-send: %s%s%s\n", what, *what ? ": " : "", msg);
	exit(ex);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->conf = SSMP_CONFIG_PATH;
	ssmp_cli_early(argc, argv, "ssmp-send", usage_text);
	while ((c = getopt(argc, argv, "c:Ff:i:q:vV")) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'F': o->fallback = true; break;
		case 'f': o->from = optarg; break;
		case 'i': o->id = optarg; break;
		case 'q': o->query = optarg; break;
		case 'v': o->verbose = true; break;
		case 'V':
			ssmp_cli_version("ssmp-send");
		default:
			usage();
		}
	}
	if (o->query != NULL ? (o->from != NULL || optind != argc) :
	    (o->from == NULL || optind == argc))
		usage();
	return optind;
}

/* Syslog as configured; on stderr only with -v (stderr is the report). */
static void
setup_log(const struct ssmp_config *cfg, const struct opts *o)
{
	(void)ssmp_log_open("ssmp-send", cfg->syslog, cfg->syslog_facility);
	ssmp_log_set_level(ssmp_log_level(cfg->log_level));
	if (!cfg->syslog && !o->verbose)
		ssmp_log_set_level(-1);
}

static void
load(struct ssmp_config *cfg, const struct opts *o)
{
	struct ssmp_err err;

	ssmp_log_set_level(-1);
	if (ssmp_crypto_init(&err) != 0)
		die(EX_TEMPFAIL, "", err.msg);
	if (ssmp_config_load(o->conf, cfg, &err) != 0)
		die(EX_CONFIG, "", err.msg);
	ssmp_log_set_level(LOG_INFO);
	setup_log(cfg, o);
}

/* -q: 0 SSMP (mode on stdout), 1 not SSMP, 75 lookup failed. */
static int
query(struct ssmp_config *cfg, const char *domain)
{
	struct dl_disc_result	 dr;
	struct ks_store		*ks;
	struct dl_client	*dl;
	struct ssmp_err		 err;
	char			 d[SSMP_DOMAIN_MAX + 1];

	if (ssmp_domain_check(domain, d, &err) != 0)
		die(EX_USAGE, "-q", err.msg);
	/* a router's question, maybe asked as another user: the policy
	 * memory only where that user can read the keystore */
	if (sc_client_open_query(cfg, &ks, &dl, &err) != 0)
		die(EX_TEMPFAIL, "", err.msg);
	dl_discover(dl, d, &dr);
	if (dr.state != DL_SSMP && dr.state != DL_NOT_SSMP && ks == NULL)
		dr.state = DL_DISC_TEMP;	/* no memory: defer */
	sc_client_close(ks, dl);
	switch (dr.state) {
	case DL_SSMP:
		printf("%s\n", ssmp_mode_name(dr.pol.mode));
		return 0;
	case DL_NOT_SSMP:
		printf("none\n");
		return 1;
	case DL_DISC_FALLBACK:	/* DNS failed; not remembered as enforce */
		fprintf(stderr, "ssmp-send: %s: %s\n", d, dr.why.msg);
		printf("none\n");
		return 1;
	default:
		fprintf(stderr, "ssmp-send: %s: %s\n", d, dr.why.msg);
		return EX_TEMPFAIL;
	}
}

/* The message from stdin into the spool, its id set. */
static void
read_message(const struct ssmp_config *cfg, struct spool *sp,
    struct dl_body *body)
{
	struct sr_message	m;
	struct ssmp_err		err;

	spool_init(sp, cfg->spool_threshold, cfg->spool_directory);
	switch (sr_read(STDIN_FILENO, sp, &m, &err)) {
	case SR_OK:
		break;
	case SR_MALFORMED:
		die(EX_DATAERR, "", err.msg);
		break;
	default:
		die(EX_TEMPFAIL, "", err.msg);
	}
	memset(body, 0, sizeof(*body));
	spool_finish(sp, body);
	sc_body_msgid(body, m.have_msgid ? m.msgid : NULL);
}

/* The sender, canonical, and the key its domain signs with. */
static struct signer *
sender_key(const struct ssmp_config *cfg, const char *arg,
    struct ssmp_addr *from, struct sd_job *j)
{
	struct signer	*s;
	struct ssmp_err	 err;

	if (mp_address(arg, from, &err) != 0)
		die(EX_NOPERM, "sender", err.msg);
	if (signer_load(cfg, &s, &err) != 0)
		die(EX_CONFIG, "", err.msg);
	if ((j->pl.key = signer_find(s, from->domain, &j->pl.selector)) ==
	    NULL) {
		(void)snprintf(err.msg, sizeof(err.msg), "no signing key for "
		    "%.120s (Domain or KeyTable in %.80s)", from->domain,
		    cfg->key_table ? cfg->key_table : "ssmp.conf");
		die(EX_NOPERM, "sender", err.msg);
	}
	j->pl.from = from->full;
	return s;
}

static int
send_message(const struct ssmp_config *cfg, const struct opts *o,
    char **rcpt, int nrcpt)
{
	struct sd_job		j;
	struct ssmp_addr	from;
	struct spool		sp;
	struct dl_body		body;
	struct signer		*s;
	struct ks_keytable	*ours;
	struct ssmp_err		err;
	int			ex;

	memset(&j, 0, sizeof(j));
	read_message(cfg, &sp, &body);
	s = sender_key(cfg, o->from, &from, &j);
	j.pl.ours = ours = signer_hold(s);	/* never upgraded to ourselves */
	/* run as root: the keys are read, the keystore's files UserID's */
	if (geteuid() == 0 && ssmp_daemon_drop(cfg->user_id, &err) != 0)
		die(EX_TEMPFAIL, "", err.msg);
	if (sc_client_open(cfg, &j.pl.ks, &j.pl.dl, &err) != 0)
		die(EX_TEMPFAIL, "", err.msg);
	j.fallback = o->fallback;
	j.pl.auto_allow = cfg->auto_allow;
	j.pl.id = o->id;
	j.pl.size = body.len;
	j.body = &body;
	sd_rcpts(&j, rcpt, nrcpt);
	sd_run(&j);
	ex = sd_exit(&j);
	if (ex != 0 || o->verbose)
		sd_report(&j, stderr);
	sc_client_close(j.pl.ks, j.pl.dl);
	pl_reset(&j.pl);	/* before the signer: envelopes use its key */
	signer_release(ours);
	signer_free(s);
	spool_reset(&sp);
	return ex;
}

/*
 * MTAs may run us with descriptors 0-2 closed (Exim's ${run}); the first
 * socket would then get 0, which ldns takes for "no socket".
 */
static void
open_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		(void)close(fd);
}

int
main(int argc, char **argv)
{
	struct ssmp_config	cfg;
	struct opts		o;
	int			i, ex;

	open_stdio();
	i = parse_opts(argc, argv, &o);
	load(&cfg, &o);
	if (o.query != NULL)
		ex = query(&cfg, o.query);
	else
		ex = send_message(&cfg, &o, argv + i, argc - i);
	ssmp_config_free(&cfg);
	return ex;
}
