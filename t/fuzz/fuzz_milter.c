/*
 * fuzz_milter.c - the parts of ssmp-milter that read what the MTA sends:
 * RCPT/MAIL arguments, macro values, reply texts and header values
 * (folded Message-ID, header reconstruction).  The first input byte picks
 * the parser; the rest is its NUL-terminated input.  Invariants are
 * checked with abort() so the fuzzer reports them.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssmp_message.h"
#include "parse.h"
#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_printable(const char *s, int blanks)
{
	for (; *s != '\0'; s++)
		if (!isascii((unsigned char)*s) || !(isgraph((unsigned char)*s) ||
		    (blanks && *s == ' ')))
			abort();
}

static void
one_header(const char *in)
{
	struct spool	 sp;
	struct dl_body	 body;
	struct ssmp_err	 err;
	const char	*colon = strchr(in, ':');
	char		 name[64];
	size_t		 n = colon ? (size_t)(colon - in) : 0;
	size_t		 i;

	if (n == 0 || n >= sizeof(name))
		return;
	memcpy(name, in, n);
	name[n] = '\0';
	spool_init(&sp, 1 << 20, "/tmp");
	if (spool_header(&sp, name, colon + 1, true, &err) != 0) {
		spool_reset(&sp);
		return;
	}
	spool_finish(&sp, &body);
	/* Every LF of the rebuilt header is preceded by CR. */
	for (i = 0; i < body.len; i++)
		if (body.mem[i] == '\n' && (i == 0 || body.mem[i - 1] != '\r'))
			abort();
	spool_reset(&sp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssmp_addr	 a;
	struct ssmp_err		 err;
	char			*in, out[SSMP_MSGID_MAX + 1], tok[MP_QID_MAX + 1];
	char			 reply[128];
	const char		*t;

	if (size < 1)
		return 0;
	in = malloc(size);
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		if (mp_address(in, &a, &err) == 0) {
			check_printable(a.full, 0);
			if (strchr(a.full, '@') == NULL)
				abort();
		}
		break;
	case 1:
		if (mp_msgid(in, out) == 0 && (ssmp_msgid_check(out, &err) !=
		    0 || out[0] != '<'))
			abort();
		break;
	case 2:
		t = mp_token(in, tok, sizeof(tok), "NOQUEUE");
		check_printable(t, 0);
		if (strlen(t) > MP_QID_MAX)
			abort();
		break;
	case 3:
		mp_reply_text(in, reply, sizeof(reply));
		check_printable(reply, 1);
		if (strlen(reply) >= sizeof(reply))
			abort();
		break;
	default:
		one_header(in);
		break;
	}
	free(in);
	return 0;
}
