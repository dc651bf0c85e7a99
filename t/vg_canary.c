/*
 * vg_canary.c - a program with one definite leak, for t/valgrind.t to
 * show that its valgrind command does fail on a leak (a check that
 * cannot fail proves nothing).  Not a test by itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
	char *p = malloc(64);

	if (p == NULL)
		return 1;
	strcpy(p, "lost");
	printf("%s\n", p);
	p = NULL;	/* the only pointer is gone: a definite leak */
	return 0;
}
