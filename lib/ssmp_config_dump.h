/*
 * ssmp_config_dump.h - the effective configuration, key by key, in the
 * manner of postconf(1): "ssmpd -p" and "ssmpctl config".
 *
 * One line per key, in ssmp.conf syntax so that a line can be copied
 * into the file:
 *
 *	Key<TAB>value<TAB># FILE:LINE	set in the file (a list: first line)
 *	Key<TAB>value<TAB># default	not in the file
 *	#Key<TAB><TAB># not set		no value and no default
 */
#ifndef SSMP_CONFIG_DUMP_H
#define SSMP_CONFIG_DUMP_H

#include <stdio.h>

#include "ssmp_err.h"

enum ssmp_dump_which {
	SSMP_DUMP_ALL,		/* every key */
	SSMP_DUMP_SET,		/* only keys set in the file (postconf -n) */
	SSMP_DUMP_DEFAULT	/* the defaults, file ignored (postconf -d) */
};

/*
 * Load path (NULL: no file, all defaults) and print the keys named in
 * keys[0..nkeys) (case-insensitive; none: all).  Errors: the file's, or
 * "unknown key 'X'".
 */
int ssmp_config_dump(const char *path, enum ssmp_dump_which which,
    char *const *keys, size_t nkeys, FILE *out, struct ssmp_err *err);

#endif
