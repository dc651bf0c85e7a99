/*
 * ssmp_preflight.h - the checks a daemon's -n runs (and its start
 * relies on) that are not about one module's own files: resource
 * limits so far.  Each returns 0, or -1 with an error naming the setting
 * to change.  None creates a file.
 */
#ifndef SSMP_PREFLIGHT_H
#define SSMP_PREFLIGHT_H

#include <stdbool.h>

#include "ssmp_err.h"

/*
 * Open files: need descriptors must be possible.  With raise, the soft
 * limit goes up to need (or as far as the hard limit allows: a start
 * does that); without it only the hard limit is compared (-n).  Fails
 * when the hard limit is below need, naming why (what) and both limits.
 */
int ssmp_preflight_nofile(unsigned long need, const char *what, bool raise,
    struct ssmp_err *err);

#endif
