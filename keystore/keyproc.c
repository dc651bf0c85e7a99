/*
 * keyproc.c - the key process and the daemon's side of its socket (see
 * keyproc.h).
 *
 * Wire: a SOCK_SEQPACKET socketpair, so each request and each answer is
 * one message and a short read cannot split one.  A request is a struct
 * kp_req; the answer a struct kp_rep carrying the request's id, then,
 * for a table, one struct kp_ent message per key.  Both ends are this
 * program, so the structs go as they are; the key process still treats
 * every request as untrusted (strings terminated, counts bounded, every
 * field checked by the lib/ signing functions before it signs).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium/utils.h>

#include "keyproc.h"
#include "ssmp_addr.h"
#include "ssmp_buf.h"
#include "ssmp_daemon.h"
#include "ssmp_json.h"
#include "ssmp_sandbox.h"
#include "ssmp_time.h"

/* An answer slower than this means the key process is stuck: give up. */
#define KP_TIMEOUT	10

enum kp_op { KP_TABLE = 1, KP_RELOAD, KP_RECEIPT, KP_ALLOW, KP_REPORT };

struct kp_allow_req {
	int32_t		type;
	char		from[SSMP_ADDR_MAX + 1];
	char		to[SSMP_ADDR_MAX + 1];
};

struct kp_report_req {
	struct ssmp_rsig	s;
	char			hash[SSMP_HASH_HEX + 1];
};

struct kp_req {
	uint32_t	op;
	uint32_t	id;
	union {
		struct ssmp_receipt	receipt;
		struct kp_allow_req	allow;
		struct kp_report_req	report;
	} u;
};

struct kp_rep {
	uint32_t	op;
	uint32_t	id;
	int32_t		rc;		/* 0, or -1 with err */
	char		err[sizeof(((struct ssmp_err *)0)->msg)];
	uint32_t	n;		/* table entries that follow */
	union {
		struct ssmp_receipt	receipt;
		struct ssmp_allow	allow;
		struct ssmp_rsig	report;
	} u;
};

struct kp_ent {
	char		domain[SSMP_DOMAIN_MAX + 1];
	char		selector[SSMP_SELECTOR_MAX + 1];
	uint8_t		active;
	struct ssmp_key	key;		/* sk zero unless KEYPROC_EXPORT */
};

struct keyproc {
	int			 fd;
	pid_t			 pid;
	enum keyproc_mode	 mode;
	pthread_mutex_t		 mu;
	uint32_t		 id;
	bool			 broken;	/* the socket failed */
	bool			 exited;	/* reaped */
	struct kp_req		 q;		/* under mu */
	struct kp_rep		 p;
};

/* --- the key process ---------------------------------------------------- */

struct kp_child {
	int			 fd;
	enum keyproc_mode	 mode;
	const char		*conf;
	struct ks_keytable	*t;
	struct kp_req		 q;
	struct kp_rep		 p;
};

static void
terminate(char *s, size_t size)
{
	s[size - 1] = '\0';
}

static int
load(const struct ssmp_config *cfg, enum keyproc_mode mode,
    struct ks_keytable **t, struct ssmp_err *err)
{
	if (mode == KEYPROC_EXPORT && cfg->domain == NULL &&
	    cfg->key_table == NULL) {
		*t = ks_keytable_new(0);	/* the milter signs nothing */
		return 0;
	}
	return ks_keytable_load(cfg, t, err);
}

static int
reload(struct kp_child *c, struct ssmp_err *err)
{
	struct ssmp_config	 cfg;
	struct ks_keytable	*t;
	int			 rc;

	if (ssmp_config_load(c->conf, &cfg, err) != 0)
		return -1;
	/* no keys at all is a mistake on reload, never "sign nothing" */
	rc = ks_keytable_load(&cfg, &t, err);
	ssmp_config_free(&cfg);
	if (rc != 0)
		return -1;
	ks_keytable_release(c->t);
	c->t = t;
	return 0;
}

static void
child_send(struct kp_child *c, const void *m, size_t len)
{
	ssize_t n;

	do
		n = write(c->fd, m, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		_exit(1);	/* the daemon is gone */
}

/* Answer header, then the table one key per message. */
static void
send_table(struct kp_child *c)
{
	struct kp_ent e;

	c->p.n = (uint32_t)c->t->n;
	child_send(c, &c->p, sizeof(c->p));
	for (size_t i = 0; i < c->t->n; i++) {
		memset(&e, 0, sizeof(e));
		memcpy(e.domain, c->t->v[i].domain, sizeof(e.domain));
		memcpy(e.selector, c->t->v[i].selector, sizeof(e.selector));
		e.active = c->t->v[i].active;
		memcpy(e.key.pk, c->t->v[i].key.pk, sizeof(e.key.pk));
		if (c->mode == KEYPROC_EXPORT)
			memcpy(e.key.sk, c->t->v[i].key.sk, sizeof(e.key.sk));
		child_send(c, &e, sizeof(e));
		sodium_memzero(&e, sizeof(e));
	}
}

static int
sign_receipt(struct kp_child *c, struct ssmp_err *err)
{
	struct ssmp_receipt	*r = &c->p.u.receipt;
	const struct ks_keyent	*ke;
	struct ssmp_time	 now;

	*r = c->q.u.receipt;
	terminate(r->domain, sizeof(r->domain));
	terminate(r->from, sizeof(r->from));
	terminate(r->nonce, sizeof(r->nonce));
	terminate(r->msgid, sizeof(r->msgid));
	terminate(r->body, sizeof(r->body));
	if (r->nto < 1 || r->nto > SSMP_MAX_RCPT)
		return ssmp_err_set(err, "receipt: %d recipients", r->nto);
	for (int i = 0; i < r->nto; i++)
		terminate(r->to[i], sizeof(r->to[i]));
	/*
	 * The selector the request started with, if we still have it (a
	 * reload in between changed the active one); else the active one.
	 */
	terminate(r->selector, sizeof(r->selector));
	if ((ke = ks_keytable_find(c->t, r->domain, r->selector)) == NULL &&
	    (ke = ks_keytable_signing(c->t, r->domain)) == NULL)
		return ssmp_err_set(err, "no signing key for %.253s",
		    r->domain);
	memcpy(r->selector, ke->selector, sizeof(r->selector));
	ssmp_time_now(&now);
	if (ssmp_time_format(&now, r->time, err) != 0)
		return -1;
	return ssmp_receipt_sign(r, &ke->key, err);
}

static int
sign_allow(struct kp_child *c, struct ssmp_err *err)
{
	struct kp_allow_req	*a = &c->q.u.allow;
	const struct ks_keyent	*ke;
	struct ssmp_addr	 from;

	terminate(a->from, sizeof(a->from));
	terminate(a->to, sizeof(a->to));
	if (ssmp_addr_parse(a->from, &from, err) != 0)
		return ssmp_err_prefix(err, "allow: from: ");
	if ((ke = ks_keytable_signing(c->t, from.domain)) == NULL)
		return ssmp_err_set(err, "no signing key for %.253s",
		    from.domain);
	return ssmp_allow_build(&c->p.u.allow, (enum ssmp_allow_type)a->type,
	    NULL, a->from, a->to, NULL, ke->selector, &ke->key, err);
}

/*
 * A report's signature: the input is SSMP1-REPORT's own (ssmp.7, Report
 * signing input), so nothing signed here can pass for mail, a receipt
 * or an allow request.  Both modes: the milter sends reports too.
 */
static int
sign_report(struct kp_child *c, struct ssmp_err *err)
{
	struct kp_report_req	*q = &c->q.u.report;
	struct ssmp_rsig	*s = &c->p.u.report;
	const struct ks_keyent	*ke;
	struct ssmp_time	 now;

	terminate(q->s.domain, sizeof(q->s.domain));
	terminate(q->hash, sizeof(q->hash));
	if (strlen(q->hash) != SSMP_HASH_HEX || strspn(q->hash,
	    "0123456789abcdef") != SSMP_HASH_HEX)
		return ssmp_err_set(err, "report: not a SHA-256 in hex");
	if ((ke = ks_keytable_signing(c->t, q->s.domain)) == NULL)
		return ssmp_err_set(err, "no signing key for %.253s",
		    q->s.domain);
	memset(s, 0, sizeof(*s));
	memcpy(s->domain, ke->domain, sizeof(s->domain));
	memcpy(s->selector, ke->selector, sizeof(s->selector));
	ssmp_time_now(&now);
	if (ssmp_time_format(&now, s->time, err) != 0)
		return -1;
	ssmp_rsig_sign(s, q->hash, &ke->key);
	return 0;
}

static void
serve_one(struct kp_child *c)
{
	struct ssmp_err	err;
	int		rc = -1;

	memset(&c->p, 0, sizeof(c->p));
	c->p.op = c->q.op;
	c->p.id = c->q.id;
	switch (c->q.op) {
	case KP_TABLE:
		rc = 0;
		break;
	case KP_RELOAD:
		rc = reload(c, &err);
		break;
	case KP_RECEIPT:
		rc = c->mode == KEYPROC_SIGN ? sign_receipt(c, &err) :
		    ssmp_err_set(&err, "key process: does not sign");
		break;
	case KP_ALLOW:
		rc = c->mode == KEYPROC_SIGN ? sign_allow(c, &err) :
		    ssmp_err_set(&err, "key process: does not sign");
		break;
	case KP_REPORT:
		rc = sign_report(c, &err);
		break;
	default:
		rc = ssmp_err_set(&err, "key process: unknown request %u",
		    (unsigned)c->q.op);
	}
	c->p.rc = rc;
	if (rc != 0)
		memcpy(c->p.err, err.msg, sizeof(c->p.err));
	if (rc == 0 && (c->q.op == KP_TABLE || c->q.op == KP_RELOAD))
		send_table(c);
	else
		child_send(c, &c->p, sizeof(c->p));
}

/* Everything up to the loop; err set on failure. */
static int
confine(struct kp_child *c, const struct ssmp_config *cfg, const char *user,
    struct ssmp_err *err)
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT,
	    SIGPIPE, SIGUSR1, SIGUSR2 };

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	ssmp_sandbox_close_all_but(c->fd);
	if (ssmp_sandbox_nodump(err) != 0)
		return -1;
	if (load(cfg, c->mode, &c->t, err) != 0)
		return -1;
	if (ssmp_daemon_drop_keep_read(user, err) != 0)
		return -1;
	if (chdir("/") != 0)
		return ssmp_err_set(err, "key process: chdir /: %s",
		    strerror(errno));
	return ssmp_sandbox_nonet(err);
}

static void __attribute__((noreturn))
child_main(int fd, const struct ssmp_config *cfg, const char *conf,
    const char *user, enum keyproc_mode mode)
{
	static struct kp_child	c;
	struct ssmp_err		err;
	ssize_t			n;
	int			up;

	c.fd = fd;
	c.mode = mode;
	c.conf = conf;
	up = confine(&c, cfg, user, &err);
	for (;;) {
		n = read(fd, &c.q, sizeof(c.q));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);	/* the daemon closed: we are done */
		if (up != 0) {
			/* the first request learns why we cannot serve */
			memset(&c.p, 0, sizeof(c.p));
			c.p.op = c.q.op;
			c.p.id = c.q.id;
			c.p.rc = -1;
			memcpy(c.p.err, err.msg, sizeof(c.p.err));
			child_send(&c, &c.p, sizeof(c.p));
			_exit(1);
		}
		if ((size_t)n < offsetof(struct kp_req, u))
			_exit(1);
		if ((size_t)n < sizeof(c.q))
			memset((char *)&c.q + n, 0, sizeof(c.q) - (size_t)n);
		serve_one(&c);
		sodium_memzero(&c.p, sizeof(c.p));
	}
}

/* --- the daemon's side -------------------------------------------------- */

static int
broken(struct keyproc *kp, struct ssmp_err *err, const char *what)
{
	kp->broken = true;
	return ssmp_err_set(err, "key process (pid %ld): %s", (long)kp->pid,
	    what);
}

static int
recv_msg(struct keyproc *kp, void *buf, size_t len, struct ssmp_err *err)
{
	ssize_t n;

	do
		n = read(kp->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return broken(kp, err, "gone");
	if (n < 0)
		return broken(kp, err, errno == EAGAIN ? "no answer" :
		    strerror(errno));
	if ((size_t)n != len)
		return broken(kp, err, "short answer");
	return 0;
}

/* One request, its answer in kp->p; call with kp->mu held. */
static int
call(struct keyproc *kp, uint32_t op, struct ssmp_err *err)
{
	ssize_t n;

	if (kp->broken)
		return ssmp_err_set(err, "key process (pid %ld): gone",
		    (long)kp->pid);
	kp->q.op = op;
	kp->q.id = ++kp->id;
	do
		n = write(kp->fd, &kp->q, sizeof(kp->q));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(kp->q))
		return broken(kp, err, n < 0 ? strerror(errno) : "short write");
	if (recv_msg(kp, &kp->p, sizeof(kp->p), err) != 0)
		return -1;
	if (kp->p.id != kp->q.id || kp->p.op != op)
		return broken(kp, err, "answer out of step");
	if (kp->p.rc != 0) {
		terminate(kp->p.err, sizeof(kp->p.err));
		return ssmp_err_set(err, "%s", kp->p.err);
	}
	return 0;
}

/* The table that follows a table or reload answer. */
static int
recv_table(struct keyproc *kp, struct ks_keytable **out,
    struct ssmp_err *err)
{
	struct ks_keytable	*t;
	struct kp_ent		 e;
	int			 rc = 0;

	if (kp->p.n > 1000000)
		return broken(kp, err, "table too large");
	t = ks_keytable_new(kp->p.n);
	if (kp->mode == KEYPROC_EXPORT)
		ks_keytable_lock(t);
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		if ((rc = recv_msg(kp, &e, sizeof(e), err)) != 0)
			break;
		terminate(e.domain, sizeof(e.domain));
		terminate(e.selector, sizeof(e.selector));
		memcpy(t->v[i].domain, e.domain, sizeof(e.domain));
		memcpy(t->v[i].selector, e.selector, sizeof(e.selector));
		t->v[i].active = e.active != 0;
		t->v[i].key = e.key;
	}
	sodium_memzero(&e, sizeof(e));
	if (rc != 0) {
		ks_keytable_release(t);
		return -1;
	}
	*out = t;
	return 0;
}

static int
get_table(struct keyproc *kp, uint32_t op, struct ks_keytable **out,
    struct ssmp_err *err)
{
	int rc;

	pthread_mutex_lock(&kp->mu);
	memset(&kp->q.u, 0, sizeof(kp->q.u));
	rc = call(kp, op, err);
	if (rc == 0)
		rc = recv_table(kp, out, err);
	pthread_mutex_unlock(&kp->mu);
	return rc;
}

int
keyproc_start(const struct ssmp_config *cfg, const char *conf,
    const char *user, enum keyproc_mode mode, struct keyproc **out,
    struct ks_keytable **table, struct ssmp_err *err)
{
	struct keyproc	*kp;
	struct timeval	 tv = { KP_TIMEOUT, 0 };
	int		 sv[2];
	pid_t		 pid;

	*out = NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return ssmp_err_set(err, "key process: socketpair: %s",
		    strerror(errno));
	if ((pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return ssmp_err_set(err, "key process: fork: %s",
		    strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(sv[1], cfg, conf, user, mode);
	}
	close(sv[1]);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	kp = ssmp_xcalloc(1, sizeof(*kp));
	kp->fd = sv[0];
	kp->pid = pid;
	kp->mode = mode;
	pthread_mutex_init(&kp->mu, NULL);
	if (get_table(kp, KP_TABLE, table, err) != 0) {
		keyproc_stop(kp);
		return -1;
	}
	*out = kp;
	return 0;
}

int
keyproc_reload(struct keyproc *kp, struct ks_keytable **table,
    struct ssmp_err *err)
{
	return get_table(kp, KP_RELOAD, table, err);
}

int
keyproc_sign_receipt(struct keyproc *kp, struct ssmp_receipt *r,
    struct ssmp_err *err)
{
	int rc;

	pthread_mutex_lock(&kp->mu);
	kp->q.u.receipt = *r;
	if ((rc = call(kp, KP_RECEIPT, err)) == 0)
		*r = kp->p.u.receipt;
	pthread_mutex_unlock(&kp->mu);
	return rc;
}

int
keyproc_sign_allow(struct keyproc *kp, enum ssmp_allow_type type,
    const char *from, const char *to, struct ssmp_allow *out,
    struct ssmp_err *err)
{
	struct kp_allow_req	*a;
	int			 rc;

	pthread_mutex_lock(&kp->mu);
	a = &kp->q.u.allow;
	memset(a, 0, sizeof(*a));
	a->type = (int32_t)type;
	if (ssmp_field_copy("from", from, a->from, sizeof(a->from), err) != 0 ||
	    ssmp_field_copy("to", to, a->to, sizeof(a->to), err) != 0)
		rc = ssmp_err_prefix(err, "allow: ");
	else if ((rc = call(kp, KP_ALLOW, err)) == 0)
		*out = kp->p.u.allow;
	pthread_mutex_unlock(&kp->mu);
	return rc;
}

int
keyproc_sign_report(struct keyproc *kp, struct ssmp_rsig *s,
    const char *hash, struct ssmp_err *err)
{
	struct kp_report_req	*q;
	int			 rc;

	pthread_mutex_lock(&kp->mu);
	q = &kp->q.u.report;
	memset(q, 0, sizeof(*q));
	if (ssmp_field_copy("domain", s->domain, q->s.domain,
	    sizeof(q->s.domain), err) != 0 || ssmp_field_copy("hash", hash,
	    q->hash, sizeof(q->hash), err) != 0)
		rc = ssmp_err_prefix(err, "report: ");
	else if ((rc = call(kp, KP_REPORT, err)) == 0)
		*s = kp->p.u.report;
	pthread_mutex_unlock(&kp->mu);
	return rc;
}

pid_t
keyproc_pid(const struct keyproc *kp)
{
	return kp->pid;
}

bool
keyproc_alive(struct keyproc *kp)
{
	int st;

	if (!kp->exited && waitpid(kp->pid, &st, WNOHANG) == kp->pid)
		kp->exited = true;
	return !kp->exited && !kp->broken;
}

void
keyproc_stop(struct keyproc *kp)
{
	if (kp == NULL)
		return;
	close(kp->fd);
	if (!kp->exited)
		(void)waitpid(kp->pid, NULL, 0);
	pthread_mutex_destroy(&kp->mu);
	free(kp);
}
