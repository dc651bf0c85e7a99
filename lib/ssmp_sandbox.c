/*
 * ssmp_sandbox.c - see ssmp_sandbox.h.  The seccomp filter is raw
 * classic BPF (no libseccomp): a deny list on top of the architecture
 * check, since the process it confines runs libsodium, OpenSSL's PEM
 * reader and the C library, whose exact system calls vary by version;
 * what it denies is what "no network, no exec, read only" means.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "ssmp_sandbox.h"

int
ssmp_sandbox_nodump(struct ssmp_err *err)
{
	struct rlimit none = { 0, 0 };

	/* a core limit may be pinned by a unit file: dumpable 0 suffices */
	(void)setrlimit(RLIMIT_CORE, &none);
	if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) != 0)
		return ssmp_err_set(err, "prctl(PR_SET_DUMPABLE): %s",
		    strerror(errno));
	return 0;
}

void
ssmp_sandbox_close_all_but(int keep)
{
	DIR		*d;
	struct dirent	*e;
	int		 fd, dfd;

	if ((d = opendir("/proc/self/fd")) == NULL) {
		for (fd = 3; fd < 1024; fd++)
			if (fd != keep)
				(void)close(fd);
		return;
	}
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		fd = atoi(e->d_name);
		if (fd > 2 && fd != keep && fd != dfd)
			(void)close(fd);
	}
	closedir(d);
}

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#endif

#ifdef SANDBOX_ARCH

#define NR_OFF		offsetof(struct seccomp_data, nr)
#define ARCH_OFF	offsetof(struct seccomp_data, arch)
#define ARG_OFF(i)	offsetof(struct seccomp_data, args[i])
#define DENY		(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define WRITE_FLAGS	(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

/* Denied outright. */
static const int denied[] = {
	SYS_socket, SYS_socketpair, SYS_connect, SYS_bind, SYS_listen,
	SYS_accept, SYS_accept4, SYS_sendto, SYS_sendmsg, SYS_sendmmsg,
	SYS_execve, SYS_execveat, SYS_clone, SYS_ptrace,
	SYS_process_vm_readv, SYS_process_vm_writev,
	SYS_open_by_handle_at, SYS_name_to_handle_at,
	SYS_unlinkat, SYS_renameat, SYS_mkdirat, SYS_truncate,
	SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
	SYS_userfaultfd, SYS_bpf, SYS_perf_event_open, SYS_keyctl,
	SYS_mount, SYS_chroot, SYS_setns, SYS_unshare,
#ifdef SYS_clone3
	SYS_clone3,
#endif
#ifdef SYS_renameat2
	SYS_renameat2,
#endif
#ifdef SYS_openat2
	SYS_openat2,	/* flags in a struct the filter cannot read */
#endif
#ifdef SYS_fork
	SYS_fork, SYS_vfork, SYS_unlink, SYS_rename, SYS_mkdir, SYS_rmdir,
	SYS_creat,
#endif
};

/* Which argument holds the open flags of each open call. */
static const struct { int nr, arg; } opens[] = {
	{ SYS_openat, 2 },
#ifdef SYS_open
	{ SYS_open, 1 },
#endif
};

#define NDENIED	(sizeof(denied) / sizeof(denied[0]))
#define NOPENS	(sizeof(opens) / sizeof(opens[0]))
/* arch 3, nr 1, x32 2, per denied 2, per open 5, allow 1 */
#define NPROG	(6 + 2 * NDENIED + 5 * NOPENS + 1)

#define STMT(c, k)		((struct sock_filter)BPF_STMT(c, k))
#define JUMP(c, k, t, f)	((struct sock_filter)BPF_JUMP(c, k, t, f))

int
ssmp_sandbox_nonet(struct ssmp_err *err)
{
	struct sock_filter	 p[NPROG];
	struct sock_fprog	 prog;
	size_t			 n = 0, i;

	p[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF);
	p[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	p[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	p[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF);
	/* x32 system calls on x86_64 carry bit 30: never ours */
	p[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	p[n++] = STMT(BPF_RET | BPF_K, DENY);
	for (i = 0; i < NDENIED; i++) {
		p[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i],
		    0, 1);
		p[n++] = STMT(BPF_RET | BPF_K, DENY);
	}
	for (i = 0; i < NOPENS; i++) {
		/* an open: deny if a write bit is set, else allow */
		p[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)opens[i].nr,
		    0, 4);
		p[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, ARG_OFF(opens[i].arg));
		p[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, WRITE_FLAGS, 0, 1);
		p[n++] = STMT(BPF_RET | BPF_K, DENY);
		p[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	p[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)n;
	prog.filter = p;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0)
		return ssmp_err_set(err, "prctl(PR_SET_NO_NEW_PRIVS): %s",
		    strerror(errno));
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0L, 0L) != 0)
		return ssmp_err_set(err, "seccomp: %s", strerror(errno));
	return 0;
}

#else

int
ssmp_sandbox_nonet(struct ssmp_err *err)
{
	return ssmp_err_set(err, "seccomp: no filter for this architecture");
}

#endif
