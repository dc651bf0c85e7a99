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

/*
 * ssmp.7 MSG-3, the same in every sender: the field body unfolded (CR and
 * LF removed), blanks trimmed at both ends, must be "<" 1*248(visible
 * ASCII but "<" and ">") ">".  Nothing is skipped or repaired: a comment,
 * a blank or a stray bracket makes the caller use sha256:<body hash>.
 */
int
mp_msgid(const char *value, char out[SSMP_MSGID_MAX + 1])
{
	const char	*e;
	size_t		 n = 0, i;

	if (value == NULL)
		return -1;
	while (*value != '\0' && strchr(" \t\r\n", *value) != NULL)
		value++;
	for (e = value + strlen(value); e > value &&
	    strchr(" \t\r\n", e[-1]) != NULL; e--)
		;
	for (; value < e; value++) {
		if (*value == '\r' || *value == '\n')
			continue;
		if (n >= SSMP_MSGID_MAX)
			return -1;
		out[n++] = *value;
	}
	out[n] = '\0';
	if (n < 3 || out[0] != '<' || out[n - 1] != '>')
		return -1;
	for (i = 1; i + 1 < n; i++)
		if (out[i] < 0x21 || out[i] > 0x7e || out[i] == '<' ||
		    out[i] == '>')
			return -1;
	return 0;
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
