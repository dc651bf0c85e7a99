/*
 * ssmp_cli.c - the command-line conventions shared by all programs
 * (ssmp_cli.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ssmp_cli.h"

void
ssmp_cli_version(const char *prog)
{
	printf("%s %s\n", prog, PACKAGE_VERSION);
	exit(EX_OK);
}

void
ssmp_cli_early(int argc, char **argv, const char *prog, const char *usage)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			exit(EX_OK);
		}
		if (strcmp(argv[i], "--version") == 0)
			ssmp_cli_version(prog);
	}
}

void
ssmp_cli_usage(const char *prog, const char *usage, const char *why, ...)
{
	va_list ap;

	if (why == NULL)
		fputs(usage, stderr);
	else {
		fprintf(stderr, "%s: ", prog);
		va_start(ap, why);
		vfprintf(stderr, why, ap);
		va_end(ap);
		fputs(" (--help for the usage)\n", stderr);
	}
	exit(EX_USAGE);
}
