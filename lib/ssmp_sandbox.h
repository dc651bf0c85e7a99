/*
 * ssmp_sandbox.h - confining a process that holds secrets (the key
 * process, keyproc.h; the milter's key table): no core files, no
 * readers of its memory, no network.
 */
#ifndef SSMP_SANDBOX_H
#define SSMP_SANDBOX_H

#include "ssmp_err.h"

/*
 * No core file (RLIMIT_CORE 0) and not dumpable: processes of the same
 * user can then neither ptrace it nor read /proc/PID/mem.  -1 with err
 * set if the kernel refuses.
 */
int ssmp_sandbox_nodump(struct ssmp_err *err);

/* Close every descriptor above 2 except keep. */
void ssmp_sandbox_close_all_but(int keep);

/*
 * A seccomp filter for the rest of the process's life: creating,
 * binding or connecting a socket, sending to an address, exec, new
 * processes or threads, ptrace and other processes' memory, io_uring,
 * opening a file for writing, and renaming or removing files all fail
 * with EPERM.  Reading files (key reload) and I/O on descriptors
 * already open stay.  Sets no_new_privs.  On an architecture the filter
 * does not know: -1, err says so (the caller decides).
 */
int ssmp_sandbox_nonet(struct ssmp_err *err);

#endif
