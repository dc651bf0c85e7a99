/*
 * test_txt.c - _ssmp policy and _ssmpkey key records: parse and format.
 */
#include <string.h>

#include "ssmp_b64.h"
#include "ssmp_txt.h"
#include "t/tap.h"

/* 32 bytes 0x00..0x1f in standard base64. */
#define PK_B64	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

struct bad {
	const char *in, *msg;
};

static const struct bad bad_policy[] = {
	{ "", "v=: must be the first tag" },
	{ "h=a.example; v=SSMP1; s=x", "v=: must be the first tag" },
	{ "v=SSMP2; h=a.example; s=x", "v=: unsupported version 'SSMP2'" },
	{ "v=ssmp1; h=a.example; s=x", "v=: unsupported version 'ssmp1'" },
	{ "v=SSMP1; h=a.example; h=b.example; s=x", "duplicate tag h=" },
	{ "v=SSMP1; x=1; x=2; h=a.example; s=x", "duplicate tag x=" },
	{ "v=SSMP1; h; s=x", "tag 'h' has no '='" },
	{ "v=SSMP1;; h=a.example; s=x", "empty tag (stray ';')" },
	{ "v=SSMP1; =a; h=a.example; s=x", "empty tag name before '='" },
	{ "v=SSMP1; 1h=a; h=a.example; s=x", "invalid tag name '1h'" },
	{ "v=SSMP1; h-x=a; h=a.example; s=x", "invalid tag name 'h-x'" },
	{ "v=SSMP1; s=x", "h=: missing (required)" },
	{ "v=SSMP1; h=a.example", "s=: missing (required)" },
	{ "v=SSMP1; h=a.example; s=x; m=strict",
	    "m=: unknown mode 'strict' (enforce or testing)" },
	{ "v=SSMP1; h=a.example; s=x; m=", "m=: unknown mode ''" },
	{ "v=SSMP1; h=a.example; s=x; m=Enforce", "m=: unknown mode 'Enforce'" },
	{ "v=SSMP1; h=a.example; s=x; ma=0", "ma=: 0 out of range (1..31557600)" },
	{ "v=SSMP1; h=a.example; s=x; ma=31557601", "ma=: 31557601 out of range" },
	{ "v=SSMP1; h=a.example; s=x; ma=1w", "ma=: '1w' is not a number of seconds" },
	{ "v=SSMP1; h=a.example; s=x; ma=-5", "ma=: '-5' is not a number" },
	{ "v=SSMP1; h=a.example; s=x; ma=", "ma=: '' is not a number" },
	{ "v=SSMP1; h=a.example; s=x; ma=010", "ma=: '010' is not a number" },
	{ "v=SSMP1; h=a.example:0; s=x", "h=: port 0 out of range (1..65535)" },
	{ "v=SSMP1; h=a.example:65536; s=x",
	    "h=: port 65536 out of range (1..65535)" },
	{ "v=SSMP1; h=a.example:; s=x", "h=: port '' is not a number" },
	{ "v=SSMP1; h=a.example:https; s=x", "h=: port 'https' is not a number" },
	{ "v=SSMP1; h=a.example:0443; s=x", "h=: port '0443' has a leading zero" },
	{ "v=SSMP1; h=a.example:00; s=x", "h=: port '00' has a leading zero" },
	{ "v=SSMP1; h=a.example:123456; s=x", "h=: port '123456' is not a" },
	{ "v=SSMP1; h=[::1]:443; s=x", "h=: address literals are not supported" },
	{ "v=SSMP1; h=127.0.0.1; s=x", "h=: final label '1' is all numeric" },
	{ "v=SSMP1; h=x-.example; s=x", "h=: label 'x-' ends with a hyphen" },
	{ "v=SSMP1; h=; s=x", "h=: empty" },
	{ "v=SSMP1; h=a b.example; s=x", "h=: invalid character 0x20" },
	{ "v=SSMP1; h=a.example; s=-x", "s=: selector: '-x' starts with a hyphen" },
	{ "v=SSMP1; h=a.example; s=", "s=: selector: empty" },
	{ "v=SSMP1; h=a.example; s=a.b", "s=: selector: invalid character '.'" },
	{ "v=SSMP1; h=a.example\n; s=x", "invalid character 0x0a at offset 20" },
	{ "v=SSMP1; h=a.\xc3\xa9xample; s=x", "invalid character 0xc3" },
	{ "v=SSMP1; ;", "empty tag (stray ';')" },
	{ ";v=SSMP1; h=a.example; s=x", "empty tag (stray ';')" },
	/* [DISC-21] rua= */
	{ "v=SSMP1; h=a.example; s=x; rua=", "rua=: value of 0 octets" },
	{ "v=SSMP1; h=a.example; s=x; rua=http://r.example/x",
	    "rua=: 'http://r.example/x' is neither an https: nor a mailto:" },
	{ "v=SSMP1; h=a.example; s=x; rua=https://r.example",
	    "rua=: 'https://r.example' has no path" },
	{ "v=SSMP1; h=a.example; s=x; rua=https:///x", "rua=: bad host" },
	{ "v=SSMP1; h=a.example; s=x; rua=https://10.0.0.1/x",
	    "rua=: final label '1' is all numeric" },
	{ "v=SSMP1; h=a.example; s=x; rua=https://r.example:0443/x",
	    "rua=: port '0443' has a leading zero" },
	{ "v=SSMP1; h=a.example; s=x; rua=https://r.example/x?a=b",
	    "rua=: invalid character '?' in the path" },
	{ "v=SSMP1; h=a.example; s=x; rua=https://r.example/%41",
	    "rua=: invalid character '%' in the path" },
	{ "v=SSMP1; h=a.example; s=x; rua=https://r.example/a,https://r.example/b",
	    "rua=: more than one https: URI" },
	{ "v=SSMP1; h=a.example; s=x; rua=mailto:a@r.example,mailto:b@r.example",
	    "rua=: more than one mailto: URI" },
	{ "v=SSMP1; h=a.example; s=x; rua=mailto:r.example",
	    "rua=: mailto: " },
	{ "v=SSMP1; h=a.example; s=x; rua=mailto:", "rua=: mailto: address of 0" },
	{ "v=SSMP1; h=a.example; s=x; rua=mailto:a@r.example?subject=x",
	    "rua=: mailto: " },
	{ "v=SSMP1; h=a.example; s=x; rua=mailto:a@r.example,",
	    "rua=: '' is neither" },
	{ "v=SSMP1; h=a.example; s=x; rua=mailto:a@r.example https://r.example/x",
	    "rua=: mailto: " },
	{ "v=SSMP1; h=a.example; s=x; rua=https://r.example/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "rua=: value too long (269 > 256)" },
};

static const struct bad bad_key[] = {
	{ "v=SSMP1; k=rsa; p=" PK_B64, "k=: unsupported key type 'rsa'" },
	{ "v=SSMP1; k=Ed25519; p=" PK_B64, "k=: unsupported key type 'Ed25519'" },
	{ "v=SSMP1; k=ed25519", "p=: missing (required)" },
	{ "v=SSMP1; p=" PK_B64 "; p=", "duplicate tag p=" },
	{ "k=ed25519; v=SSMP1; p=" PK_B64, "v=: must be the first tag" },
	{ "v=SSMP1; p=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
	    "p=: invalid base64" },
	{ "v=SSMP1; p=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
	    "p=: decodes to 30 bytes, want 32" },
	{ "v=SSMP1; p=" PK_B64 PK_B64,
	    "p=: value too long" },
	/* unused low bits set: libsodium itself refuses these */
	{ "v=SSMP1; p=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
	    "p=: invalid base64" },
	{ "v=SSMP1; p=AAECAwQFBgcICQoLDA0O DxAREhMUFRYXGBkaGxwdHh8=",
	    "p=: invalid base64" },
	{ "v=SSMP1; p=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8=",
	    "p=: invalid base64" },
};

/* Each bad record is refused by its parser with the expected message. */
static void
refuse_all(const struct bad *tbl, size_t n, const char *what)
{
	struct ssmp_policy	p;
	struct ssmp_keyrec	k;
	struct ssmp_err		e;
	size_t			i;

	for (i = 0; i < n; i++) {
		e.msg[0] = '\0';
		is_int(strcmp(what, "key") == 0 ?
		    ssmp_keyrec_parse(tbl[i].in, &k, &e) :
		    ssmp_policy_parse(tbl[i].in, &p, &e), -1, "refuse %s %zu",
		    what, i);
		like(e.msg, tbl[i].msg, "error for %s %zu", what, i);
	}
}

static const struct {
	const char	*in, *host, *hostname;
	unsigned	 port;
	const char	*sel;
	enum ssmp_mode	 mode;
} good_policy[] = {
	{ "v=SSMP1; h=SSMP.Example.com; s=Sel1; m=enforce",
	    "ssmp.example.com", "ssmp.example.com", 443, "sel1",
	    SSMP_MODE_ENFORCE },
	/* blanks around everything, unknown tags, a final ';' */
	{ " \tv = SSMP1 ;h=localhost:8443\t; s = a-b ; x_1=whatever; Y=1 ; ",
	    "localhost:8443", "localhost", 8443, "a-b", SSMP_MODE_TESTING },
	{ "v=SSMP1;s=x;h=a.example;m=testing;", "a.example", "a.example",
	    443, "x", SSMP_MODE_TESTING },
	{ "v=SSMP1; h=A.Example:1; s=s", "a.example:1", "a.example", 1, "s",
	    SSMP_MODE_TESTING },
};

static void
test_policy_parse(void)
{
	struct ssmp_policy	p;
	struct ssmp_err		e;
	size_t			i;

	for (i = 0; i < sizeof(good_policy) / sizeof(good_policy[0]); i++) {
		is_int(ssmp_policy_parse(good_policy[i].in, &p, &e), 0,
		    "policy %zu", i);
		is_str(p.host, good_policy[i].host, "host %zu", i);
		is_str(p.hostname, good_policy[i].hostname, "hostname %zu", i);
		is_int(p.port, good_policy[i].port, "port %zu", i);
		is_str(p.selector, good_policy[i].sel, "selector %zu", i);
		is_int(p.mode, good_policy[i].mode, "mode %zu", i);
	}
	refuse_all(bad_policy, sizeof(bad_policy) / sizeof(bad_policy[0]),
	    "policy");
}

static void
test_policy_format(void)
{
	struct ssmp_policy	p, back;
	struct ssmp_err		e;
	char			out[SSMP_TXT_MAX + 1], small[20];

	ssmp_policy_parse("v=SSMP1;  h=Mx.Example:8443;s=S1", &p, &e);
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), 0, "format");
	is_str(out, "v=SSMP1; h=mx.example:8443; s=s1; m=testing",
	    "canonical policy, m= always written");
	is_int(ssmp_policy_parse(out, &back, &e), 0, "parses back");
	ok(strcmp(p.host, back.host) == 0 && strcmp(p.hostname,
	    back.hostname) == 0 && strcmp(p.selector, back.selector) == 0 &&
	    p.port == back.port && p.mode == back.mode, "same policy");

	is_int(ssmp_policy_parse("v=SSMP1; h=a.example; s=x; m=enforce; "
	    "ma=86400", &p, &e), 0, "[DISC-18] ma= parses");
	is_int(p.max_age, 86400, "ma=86400");
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), 0, "format ma=");
	is_str(out, "v=SSMP1; h=a.example; s=x; m=enforce; ma=86400",
	    "ma= written back");
	ssmp_policy_parse("v=SSMP1; h=a.example; s=x", &p, &e);
	is_int(p.max_age, 0, "no ma=: 0 (the default applies)");

	memset(&p, 0, sizeof(p));
	strcpy(p.hostname, "ssmp.example.org");
	p.port = 443;
	strcpy(p.selector, "k1");
	p.mode = SSMP_MODE_ENFORCE;
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), 0, "from parts");
	is_str(out, "v=SSMP1; h=ssmp.example.org; s=k1; m=enforce",
	    "port 443 left out");
	p.port = 8443;
	ssmp_policy_format(&p, out, sizeof(out), &e);
	is_str(out, "v=SSMP1; h=ssmp.example.org:8443; s=k1; m=enforce",
	    "other port written");

	is_int(ssmp_policy_format(&p, small, sizeof(small), &e), -1, "small");
	like(e.msg, "buffer too small", "small buffer error");
	strcpy(p.selector, "bad_sel");
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), -1, "bad sel");
	like(e.msg, "policy record: s=: selector: invalid character '_'",
	    "format refuses what parse refuses");

	/* 253-octet host + 63-octet selector cannot fit 255 bytes. */
	memset(p.hostname, 'h', 253);
	p.hostname[63] = p.hostname[127] = p.hostname[191] = '.';
	p.hostname[253] = '\0';
	memset(p.selector, 's', 63);
	p.selector[63] = '\0';
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), -1, "too long");
	like(e.msg, "buffer too small", "too long for one string's buffer");
	is_str(ssmp_mode_name(SSMP_MODE_ENFORCE), "enforce", "mode name");
	is_str(ssmp_mode_name(SSMP_MODE_TESTING), "testing", "mode name 2");
}

/* [DISC-21] rua=: where reports go; [DISC-22] the record's length. */
static void
test_rua(void)
{
	struct ssmp_policy	p, back;
	struct ssmp_rua		r;
	struct ssmp_err		e;
	char			out[SSMP_POLICY_TXT_MAX + 1], zone[700];
	char			big[SSMP_POLICY_TXT_MAX + 64];

	is_int(ssmp_policy_parse("v=SSMP1; h=a.example; s=x; m=testing; "
	    "rua=https://Rpt.Example:8443/.well-known/ssmp/v1/report,"
	    "mailto:Reports@R.example", &p, &e), 0, "[DISC-21] rua= with two "
	    "URIs parses");
	is_str(p.rua, "https://Rpt.Example:8443/.well-known/ssmp/v1/report,"
	    "mailto:Reports@R.example", "rua= kept as published");
	is_int(ssmp_rua_parse(p.rua, &r, &e), 0, "rua= value parses alone");
	is_str(r.host, "rpt.example", "https: host, lower case");
	is_int(r.port, 8443, "https: port");
	is_str(r.mailto, "reports@r.example", "mailto: address, canonical");
	is_int(ssmp_rua_parse("mailto:a@r.example", &r, &e), 0, "mailto alone");
	is_str(r.https, "", "no https URI");
	is_int(ssmp_rua_parse("https://r.example/", &r, &e), 0, "https alone");
	is_int(r.port, 443, "default port 443");
	is_str(r.mailto, "", "no mailto URI");
	ssmp_policy_parse("v=SSMP1; h=a.example; s=x", &p, &e);
	is_str(p.rua, "", "no rua=: empty");

	ssmp_policy_parse("v=SSMP1; h=a.example; s=x; rua=mailto:r@a.example;"
	    " m=enforce", &p, &e);
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), 0, "format rua=");
	is_str(out, "v=SSMP1; h=a.example; s=x; m=enforce; "
	    "rua=mailto:r@a.example", "rua= written last");

	/* a long host, a long selector and rua=: over 255, several strings */
	memset(&p, 0, sizeof(p));
	memset(p.hostname, 'h', 253);
	p.hostname[63] = p.hostname[127] = p.hostname[191] = '.';
	p.hostname[253] = '\0';
	p.port = 443;
	memset(p.selector, 's', 63);
	p.selector[63] = '\0';
	snprintf(p.rua, sizeof(p.rua), "mailto:reports@r.example");
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), 0,
	    "[DISC-22] a record of %zu octets formats", strlen(out));
	is_int(ssmp_policy_parse(out, &back, &e), 0, "and parses back");
	is_str(back.rua, p.rua, "rua= survives");
	is_int(ssmp_txt_zone_strings(out, zone, sizeof(zone), &e), 0,
	    "zone strings");
	ok(strncmp(zone, "\"v=SSMP1; h=", 12) == 0 && strstr(zone, "\" \"") !=
	    NULL && strlen(zone) == strlen(out) + 5, "split in two strings");
	is_int(ssmp_txt_zone_strings("v=SSMP1", zone, 5, &e), -1,
	    "zone strings: small buffer");
	snprintf(p.rua, sizeof(p.rua), "https://r.example/%0238d", 0);
	is_int(ssmp_policy_format(&p, out, sizeof(out), &e), -1,
	    "[DISC-22] over %d octets: refused", SSMP_POLICY_TXT_MAX);
	like(e.msg, "policy record too long", "too long error");
	snprintf(big, sizeof(big), "v=SSMP1; h=a.example; s=x; x=%0500d", 0);
	is_int(ssmp_policy_parse(big, &p, &e), -1, "a record over %d octets "
	    "is invalid", SSMP_POLICY_TXT_MAX);
	like(e.msg, "policy record of 529 octets (at most 512)",
	    "its error");
}

static void
test_keyrec(void)
{
	struct ssmp_keyrec	k;
	struct ssmp_err		e;
	char			out[SSMP_TXT_MAX + 1], small[10];
	size_t			i;
	int			seq = 1;

	is_int(ssmp_keyrec_parse("v=SSMP1; k=ed25519; p=" PK_B64, &k, &e), 0,
	    "key record");
	for (i = 0; i < sizeof(k.pk); i++)
		seq &= k.pk[i] == i;
	ok(seq && !k.revoked, "key bytes");
	is_int(ssmp_keyrec_parse("v=SSMP1; p=" PK_B64 ";", &k, &e), 0,
	    "k= defaults to ed25519");
	is_int(ssmp_keyrec_format(&k, out, sizeof(out), &e), 0, "format");
	is_str(out, "v=SSMP1; k=ed25519; p=" PK_B64, "canonical key record");
	is_int(ssmp_keyrec_parse("v=SSMP1; k=ed25519; p=", &k, &e), 0,
	    "revoked");
	ok(k.revoked, "revoked flag");
	is_int(ssmp_keyrec_format(&k, out, sizeof(out), &e), 0, "format rev");
	is_str(out, "v=SSMP1; k=ed25519; p=", "canonical revoked record");
	is_int(ssmp_keyrec_parse("v=SSMP1; p= ; n=note", &k, &e), 0,
	    "blank p= is revoked too");
	ok(k.revoked, "revoked flag 2");
	is_int(ssmp_keyrec_format(&k, small, sizeof(small), &e), -1, "small");
	like(e.msg, "key record: buffer too small", "small buffer error");
	refuse_all(bad_key, sizeof(bad_key) / sizeof(bad_key[0]), "key");
}

static void
test_is_ssmp(void)
{
	ok(ssmp_txt_is_ssmp("v=SSMP1; h=a.example; s=x"), "is ssmp");
	ok(ssmp_txt_is_ssmp("  v=SSMP1"), "leading blanks, end");
	ok(ssmp_txt_is_ssmp("v = SSMP1 ;"), "blanks around '='");
	ok(ssmp_txt_is_ssmp("\tv=SSMP1\t"), "tab after");
	ok(!ssmp_txt_is_ssmp("v=SSMP10; h=x"), "v=SSMP10 is not");
	ok(!ssmp_txt_is_ssmp("v=spf1 -all"), "spf is not");
	ok(!ssmp_txt_is_ssmp("v=DKIM1; p="), "dkim is not");
	ok(!ssmp_txt_is_ssmp(""), "empty is not");
	ok(!ssmp_txt_is_ssmp("x=1; v=SSMP1"), "v= not first");
	ok(!ssmp_txt_is_ssmp("v"), "v alone");
	ok(!ssmp_txt_is_ssmp("v="), "v= alone");
}

int
main(void)
{
	test_policy_parse();
	test_policy_format();
	test_rua();
	test_keyrec();
	test_is_ssmp();
	return done_testing();
}
