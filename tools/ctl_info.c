/*
 * ctl_info.c - ssmpctl config, status and check (ctl_info.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl_info.h"
#include "ssmp_config.h"
#include "ssmp_config_dump.h"

int
ctl_config(const char *conf, int argc, char **argv)
{
	enum ssmp_dump_which which = SSMP_DUMP_ALL;
	struct ssmp_err err;
	int i = 0;

	if (argc > 0 && strcmp(argv[0], "-n") == 0) {
		which = SSMP_DUMP_SET;
		i++;
	} else if (argc > 0 && strcmp(argv[0], "-d") == 0) {
		which = SSMP_DUMP_DEFAULT;
		i++;
	}
	/* without -c a missing default file means "all defaults" */
	if (conf == NULL && access(SSMP_CONFIG_PATH, F_OK) == 0)
		conf = SSMP_CONFIG_PATH;
	if (ssmp_config_dump(conf, which, argv + i, (size_t)(argc - i), stdout,
	    &err) == 0)
		return EX_OK;
	fprintf(stderr, "ssmpctl: config: %s\n", err.msg);
	return strncmp(err.msg, "unknown key", 11) == 0 ? EX_USAGE :
	    EX_CONFIG;
}
