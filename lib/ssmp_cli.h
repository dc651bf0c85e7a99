/*
 * ssmp_cli.h - what every program's command line does alike: --help
 * (the usage on standard output, exit 0), -V and --version (the name and
 * version, exit 0), and a usage error (the reason and the usage on
 * standard error, exit 64, EX_USAGE).
 *
 * Each program keeps its usage text (a "usage: ..." line and the options
 * or commands, one per line) and calls ssmp_cli_early() first in main()
 * and ssmp_cli_usage() wherever its arguments are wrong.
 */
#ifndef SSMP_CLI_H
#define SSMP_CLI_H

/*
 * --help or --version anywhere before "--": answer and exit 0.  getopt
 * would take "--help" for an unknown option "-".
 */
void ssmp_cli_early(int argc, char **argv, const char *prog,
    const char *usage);
/* -V: "PROG VERSION" on standard output, exit 0. */
void ssmp_cli_version(const char *prog) __attribute__((noreturn));
/*
 * On stderr, exit 64: why (printf-style) as one line naming the fault,
 * or with why NULL (a plain "wrong arguments") the usage.
 */
void ssmp_cli_usage(const char *prog, const char *usage, const char *why,
    ...) __attribute__((noreturn, format(printf, 3, 4)));

#endif
