/*
 * ssmp_preflight.c - checks shared by the daemons' -n (ssmp_preflight.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "ssmp_preflight.h"

int
ssmp_preflight_nofile(unsigned long need, const char *what, bool raise,
    struct ssmp_err *err)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return ssmp_err_set(err, "getrlimit: %s", strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return ssmp_err_set(err, "%s needs %lu open files, the limit "
		    "is %lu (soft %lu): raise it (systemd: LimitNOFILE=, "
		    "shell: ulimit -n)", what, need,
		    (unsigned long)rl.rlim_max, (unsigned long)rl.rlim_cur);
	if (!raise || (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need))
		return 0;
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return ssmp_err_set(err, "%s: setrlimit to %lu open files: %s",
		    what, need, strerror(errno));
	return 0;
}
