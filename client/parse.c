/*
 * parse.c - addresses, Message-ID and macro values from the MTA.
 */
#include <ctype.h>
#include <string.h>

#include "ssmp_message.h"
#include "parse.h"

int
mp_address(const char *arg, struct ssmp_addr *a, struct ssmp_err *err)
{
	char buf[SSMP_ADDR_MAX + 3];

	if (arg == NULL)
		return ssmp_err_set(err, "address: missing");
	if (ssmp_addr_unbracket(arg, buf, sizeof(buf), err) != 0)
		return -1;
	if (buf[0] == '\0')
		return ssmp_err_set(err, "address: null sender <>");
	return ssmp_addr_parse(buf, a, err);
}

int
mp_msgid(const char *value, char out[SSMP_MSGID_MAX + 1])
{
	const char	*b, *e;
	struct ssmp_err	 err;
	size_t		 n = 0;

	if (value == NULL || (b = strchr(value, '<')) == NULL ||
	    (e = strchr(b, '>')) == NULL)
		return -1;
	/* Folding may split a long id: drop CR, LF and the fold's blanks. */
	for (; b <= e; b++) {
		if (*b == '\r' || *b == '\n')
			continue;
		if ((*b == ' ' || *b == '\t') && (b[-1] == '\n' ||
		    b[-1] == ' ' || b[-1] == '\t'))
			continue;
		if (n >= SSMP_MSGID_MAX)
			return -1;
		out[n++] = *b;
	}
	out[n] = '\0';
	return n > 2 && ssmp_msgid_check(out, &err) == 0 ? 0 : -1;
}

const char *
mp_token(const char *value, char *out, size_t outlen, const char *dflt)
{
	size_t n;

	if (value == NULL || *value == '\0' || outlen == 0)
		return dflt;
	for (n = 0; value[n] != '\0'; n++)
		if (n + 1 >= outlen || !isascii((unsigned char)value[n]) ||
		    !isgraph((unsigned char)value[n]))
			return dflt;
	memcpy(out, value, n + 1);
	return out;
}

void
mp_reply_text(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	if (outlen == 0)
		return;
	for (; in != NULL && *in != '\0' && n + 2 < outlen; in++) {
		unsigned char c = (unsigned char)*in;

		if (!isascii(c) || !isprint(c))
			c = '?';
		out[n++] = (char)c;
		if (c == '%')
			out[n++] = '%';
	}
	out[n] = '\0';
}
