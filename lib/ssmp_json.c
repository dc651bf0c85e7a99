/*
 * ssmp_json.c - strict JSON decoding and field checks for the wire modules.
 *
 * One place decides what a well-formed SSMP value is, so the decoders and
 * the builders (which sign) can never disagree: a builder refuses exactly
 * what a receiver's decoder would refuse.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssmp_b64.h"
#include "ssmp_crypto.h"
#include "ssmp_json.h"
#include "ssmp_addr.h"

#define VERSION_ERR	"unsupported version"

json_t *
ssmp_json_parse(const char *json, size_t len, size_t max, struct ssmp_err *err)
{
	json_error_t	 jerr;
	json_t		*obj;

	if (len > max) {
		ssmp_err_set(err, "request too large (%zu > %zu octets)", len,
		    max);
		return NULL;
	}
	/* NUL is let through so that the member check refuses it by name
	 * (ssmp.7 JSON-5, JSON-6): every string is read with its length. */
	obj = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &jerr);
	if (obj == NULL) {
		ssmp_err_set(err, "invalid JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		ssmp_err_set(err, "JSON text must be an object");
		return NULL;
	}
	return obj;
}

int
ssmp_json_version(json_t *obj, struct ssmp_err *err)
{
	json_t *v = json_object_get(obj, "v");

	if (v == NULL)
		return ssmp_err_set(err, "missing member 'v'");
	if (!json_is_integer(v))
		return ssmp_err_set(err, "member 'v': must be the integer %d",
		    SSMP_VERSION);
	if (json_integer_value(v) != SSMP_VERSION)
		return ssmp_err_set(err, VERSION_ERR " %" JSON_INTEGER_FORMAT
		    " (this implementation speaks %d)", json_integer_value(v),
		    SSMP_VERSION);
	return 0;
}

/* Accepts "unsupported version ..." after at most one "word: " prefix. */
bool
ssmp_err_is_version(const struct ssmp_err *err)
{
	const char *p = err->msg;
	size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");

	if (n > 0 && strncmp(p + n, ": ", 2) == 0)
		p += n + 2;
	return strncmp(p, VERSION_ERR, sizeof(VERSION_ERR) - 1) == 0;
}

/*
 * Wrap a checker's message: "member 'time': month 13 out of range".  A
 * checker that already starts with the member name ("nonce: ...") is not
 * named twice.
 */
int
ssmp_json_member_err(struct ssmp_err *err, const char *name)
{
	size_t n = strlen(name);

	if (err == NULL)
		return -1;
	if (strncmp(err->msg, name, n) == 0 && strncmp(err->msg + n, ": ",
	    2) == 0)
		memmove(err->msg, err->msg + n + 2, strlen(err->msg + n + 2) +
		    1);
	return ssmp_err_prefix(err, "member '%s': ", name);
}

/* Printable ASCII only: no control characters, DEL or 8-bit octets. */
static int
printable(const char *name, const char *s, size_t len, struct ssmp_err *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			return ssmp_err_set(err, "member '%s': %s at offset %zu",
			    name, c < 0x80 ? "control character" :
			    "non-ASCII octet", i);
	}
	return 0;
}

static int
copy_string(json_t *v, const char *name, char *out, size_t outsz,
    bool empty_ok, struct ssmp_err *err)
{
	const char	*s;
	size_t		 len;

	if (!json_is_string(v))
		return ssmp_err_set(err, "member '%s': must be a string", name);
	s = json_string_value(v);
	len = json_string_length(v);
	if (printable(name, s, len, err) != 0)
		return -1;
	if (len == 0 && !empty_ok)
		return ssmp_err_set(err, "member '%s': empty", name);
	if (len >= outsz)
		return ssmp_err_set(err, "member '%s': too long (%zu > %zu)",
		    name, len, outsz - 1);
	memcpy(out, s, len + 1);
	return 0;
}

int
ssmp_json_str(json_t *obj, const char *name, char *out, size_t outsz,
    struct ssmp_err *err)
{
	json_t *v = json_object_get(obj, name);

	if (v == NULL)
		return ssmp_err_set(err, "missing member '%s'", name);
	return copy_string(v, name, out, outsz, false, err);
}

int
ssmp_json_str_opt(json_t *obj, const char *name, char *out, size_t outsz,
    struct ssmp_err *err)
{
	json_t *v = json_object_get(obj, name);

	out[0] = '\0';
	if (v == NULL)
		return 0;
	return copy_string(v, name, out, outsz, true, err);
}

json_t *
ssmp_json_array(json_t *obj, const char *name, size_t min, size_t max,
    struct ssmp_err *err)
{
	json_t *a = json_object_get(obj, name);

	if (a == NULL) {
		ssmp_err_set(err, "missing member '%s'", name);
		return NULL;
	}
	if (!json_is_array(a) || json_array_size(a) < min ||
	    json_array_size(a) > max) {
		ssmp_err_set(err, "member '%s': must be an array of %zu..%zu "
		    "elements", name, min, max);
		return NULL;
	}
	return a;
}

int
ssmp_json_elem_str(json_t *arr, const char *name, size_t i, char *out,
    size_t outsz, struct ssmp_err *err)
{
	char elem[64];

	snprintf(elem, sizeof(elem), "%s[%zu]", name, i);
	return copy_string(json_array_get(arr, i), elem, out, outsz, false,
	    err);
}

int
ssmp_json_addrs(json_t *obj, const char *name,
    char (*out)[SSMP_ADDR_MAX + 1], int *n, struct ssmp_err *err)
{
	json_t	*a = json_object_get(obj, name);
	size_t	 i;

	if (a == NULL)
		return ssmp_err_set(err, "missing member '%s'", name);
	if (!json_is_array(a) || json_array_size(a) < 1 ||
	    json_array_size(a) > SSMP_MAX_RCPT)
		return ssmp_err_set(err, "member '%s': must be an array of "
		    "1..%d strings", name, SSMP_MAX_RCPT);
	for (i = 0; i < json_array_size(a); i++)
		if (ssmp_json_elem_str(a, name, i, out[i], SSMP_ADDR_MAX + 1,
		    err) != 0)
			return -1;
	*n = (int)i;
	return 0;
}

int
ssmp_sig_decode(const char *b64, const char *what,
    unsigned char sig[SSMP_SIG_BYTES], struct ssmp_err *err)
{
	unsigned char raw[SSMP_SIG_BYTES + 8];

	if (ssmp_b64_decode(b64, raw, sizeof(raw), NULL, SSMP_SIG_BYTES,
	    SSMP_B64_STD, what, err) != 0)
		return -1;
	memcpy(sig, raw, SSMP_SIG_BYTES);
	return 0;
}

int
ssmp_json_sig(json_t *obj, const char *name, unsigned char sig[SSMP_SIG_BYTES],
    struct ssmp_err *err)
{
	char b64[SSMP_SIG_B64 + 1];

	if (ssmp_json_str(obj, name, b64, sizeof(b64), err) != 0)
		return -1;
	if (ssmp_sig_decode(b64, name, sig, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

int
ssmp_field_copy(const char *name, const char *in, char *out, size_t outsz,
    struct ssmp_err *err)
{
	size_t len;

	if (in == NULL)
		return ssmp_err_set(err, "missing member '%s'", name);
	len = strlen(in);
	if (printable(name, in, len, err) != 0)
		return -1;
	if (len == 0)
		return ssmp_err_set(err, "member '%s': empty", name);
	if (len >= outsz)
		return ssmp_err_set(err, "member '%s': too long (%zu > %zu)",
		    name, len, outsz - 1);
	memcpy(out, in, len + 1);
	return 0;
}

int
ssmp_field_time(const char *name, const char *in, struct ssmp_time *tm,
    struct ssmp_err *err)
{
	if (ssmp_time_parse(in, tm, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

int
ssmp_field_addr(const char *name, const char *in, struct ssmp_addr *a,
    struct ssmp_err *err)
{
	if (ssmp_addr_parse(in, a, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

int
ssmp_field_nonce(const char *name, const char *in, struct ssmp_err *err)
{
	if (ssmp_nonce_check(in, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

int
ssmp_field_selector(const char *name, const char *in, struct ssmp_err *err)
{
	char canon[SSMP_SELECTOR_MAX + 1];

	if (ssmp_selector_check(in, canon, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

int
ssmp_field_domain(const char *name, const char *in, struct ssmp_err *err)
{
	char canon[SSMP_DOMAIN_MAX + 1];

	if (ssmp_domain_check(in, canon, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

int
ssmp_field_msgid(const char *name, const char *in, struct ssmp_err *err)
{
	if (ssmp_msgid_check(in, err) != 0)
		return ssmp_json_member_err(err, name);
	return 0;
}

int
ssmp_field_hash(const char *name, const char *in, struct ssmp_err *err)
{
	size_t len = strlen(in);

	if (len != SSMP_HASH_HEX || strspn(in, "0123456789abcdef") != len)
		return ssmp_err_set(err, "member '%s': must be %d lower-case "
		    "hex digits (SHA-256)", name, SSMP_HASH_HEX);
	return 0;
}

int
ssmp_field_rcpts(const char *name, char (*to)[SSMP_ADDR_MAX + 1],
    int nto, struct ssmp_addr *addrs, const char *domain,
    struct ssmp_err *err)
{
	struct ssmp_addr	 a;
	char			 first[SSMP_DOMAIN_MAX + 1], elem[64];
	int			 i, j;

	if (nto < 1 || nto > SSMP_MAX_RCPT)
		return ssmp_err_set(err, "member '%s': must be an array of "
		    "1..%d strings", name, SSMP_MAX_RCPT);
	for (i = 0; i < nto; i++) {
		snprintf(elem, sizeof(elem), "%s[%d]", name, i);
		if (ssmp_field_addr(elem, to[i], &a, err) != 0)
			return -1;
		if (i == 0)
			memcpy(first, a.domain, sizeof(first));
		else if (strcmp(first, a.domain) != 0)
			return ssmp_err_set(err, "member '%s': recipients in "
			    "more than one domain (%s, %s)", name, first,
			    a.domain);
		if (domain != NULL && strcasecmp(domain, a.domain) != 0)
			return ssmp_err_set(err, "member '%s': recipient %s "
			    "not in domain %s", elem, to[i], domain);
		/* canonical form is the whole address in lower case */
		for (j = 0; j < i; j++)
			if (strcasecmp(to[j], to[i]) == 0)
				return ssmp_err_set(err, "member '%s': "
				    "duplicate recipient %s", name, a.full);
		if (addrs != NULL)
			addrs[i] = a;
	}
	return 0;
}

/*
 * Encoders only see checked values, but a caller may fill a reason from
 * an MTA reply by hand: replace anything that is not printable ASCII so
 * the output is always something our own decoder accepts.
 */
static json_t *
clean_string(const char *value)
{
	char	*s = ssmp_xstrdup(value), *p;
	json_t	*v;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	if ((v = json_string(s)) == NULL)
		abort();	/* only out of memory; see ssmp_buf.c */
	free(s);
	return v;
}

void
ssmp_json_set_str(json_t *obj, const char *name, const char *value)
{
	ssmp_json_set_new(obj, name, clean_string(value));
}

json_t *
ssmp_json_object(void)
{
	json_t *o = json_object();

	if (o == NULL)
		abort();
	return o;
}

void
ssmp_json_set_new(json_t *obj, const char *name, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, name, v) != 0)
		abort();
}

void
ssmp_json_set_strs(json_t *obj, const char *name,
    const char (*v)[SSMP_ADDR_MAX + 1], int n)
{
	json_t	*a = json_array();
	int	 i;

	if (a == NULL)
		abort();
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, clean_string(v[i])) != 0)
			abort();
	ssmp_json_set_new(obj, name, a);
}

void
ssmp_json_set_sig(json_t *obj, const char *name,
    const unsigned char sig[SSMP_SIG_BYTES])
{
	char b64[SSMP_SIG_B64 + 1];

	ssmp_b64_encode(b64, sizeof(b64), sig, SSMP_SIG_BYTES, SSMP_B64_STD);
	ssmp_json_set_str(obj, name, b64);
}

int
ssmp_json_decode(const char *json, size_t len, size_t max, const char *what,
    int (*fill)(json_t *, void *, struct ssmp_err *), void *obj,
    struct ssmp_err *err)
{
	json_t	*o;
	int	 rc;

	if ((o = ssmp_json_parse(json, len, max, err)) == NULL)
		return ssmp_err_prefix(err, "%s", what);
	rc = fill(o, obj, err);
	json_decref(o);
	if (rc != 0)
		return ssmp_err_prefix(err, "%s", what);
	return 0;
}

void
ssmp_wire_sign(struct ssmp_buf *in, const struct ssmp_key *key,
    unsigned char sig[SSMP_SIG_BYTES])
{
	ssmp_sign(key, in->p, in->len, sig);
	ssmp_buf_free(in);
}

int
ssmp_wire_verify(struct ssmp_buf *in, const unsigned char pk[SSMP_PUBKEY_BYTES],
    const unsigned char sig[SSMP_SIG_BYTES], const char *what,
    struct ssmp_err *err)
{
	int rc = ssmp_verify(pk, in->p, in->len, sig, err);

	ssmp_buf_free(in);
	if (rc != 0)
		return ssmp_err_prefix(err, "%s", what);
	return 0;
}

void
ssmp_json_dump(json_t *obj, struct ssmp_buf *out)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII);

	if (s == NULL)
		abort();	/* only out of memory; see ssmp_buf.c */
	ssmp_buf_reset(out);
	ssmp_buf_adds(out, s);
	free(s);
	json_decref(obj);
}
