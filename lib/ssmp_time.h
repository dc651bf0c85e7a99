/*
 * ssmp_time.h - the SSMP time field: "YYYYmmddHHMMSSffffff", UTC.
 *
 * Kept as a string on the wire (twenty digits overflow a uint64 as a
 * number); converted to seconds + microseconds for the window check.
 */
#ifndef SSMP_TIME_H
#define SSMP_TIME_H

#include <stdint.h>
#include <sys/time.h>

#include "ssmp_err.h"
#include "ssmp_limits.h"

struct ssmp_time {
	int64_t	sec;	/* seconds since the epoch, UTC */
	int32_t	usec;	/* 0..999999 */
};

int ssmp_time_parse(const char *in, struct ssmp_time *out,
    struct ssmp_err *err);
/* out must hold SSMP_TIME_LEN + 1 bytes. */
int ssmp_time_format(const struct ssmp_time *t, char *out,
    struct ssmp_err *err);
void ssmp_time_now(struct ssmp_time *out);

/*
 * 0 if |t - now| <= window seconds; otherwise -1 with a message saying how
 * far ahead or behind t is.
 */
int ssmp_time_check_window(const struct ssmp_time *t,
    const struct ssmp_time *now, int window, struct ssmp_err *err);

#endif
