// The inspector process's lock-down (docs/isolation.md): rlimits, user drop, capabilities, no_new_privs, Landlock and a
// seccomp BPF filter, plus the descriptor-passing helpers of its channel. No library beyond libc: the filter is built
// here, so no libseccomp is needed.
#define _GNU_SOURCE
#include "CSandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
// Rights newer than the build machine's headers (the kernel reports which it knows through its ABI version).
#define AIRLOCK_LL_FS_REFER (1ULL << 13)
#define AIRLOCK_LL_FS_TRUNCATE (1ULL << 14)
#define AIRLOCK_LL_FS_IOCTL_DEV (1ULL << 15)
#define AIRLOCK_LL_NET_BIND_TCP (1ULL << 0)
#define AIRLOCK_LL_NET_CONNECT_TCP (1ULL << 1)
#define AIRLOCK_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define AIRLOCK_LL_SCOPE_SIGNAL (1ULL << 1)

/// landlock_ruleset_attr as of ABI 6 (the size passed tells the kernel which fields exist).
struct airlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct airlock_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

static int fail(airlock_sandbox_status *status, const char *step) {
    status->failed_step = step;
    status->error = errno;
    return -1;
}

int airlock_sandbox_landlock_abi(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : (int)abi;
}

int airlock_sandbox_thread_count(void) {
    FILE *file = fopen("/proc/self/status", "re");
    if (!file) return -1;
    char line[256];
    int threads = -1;
    while (fgets(line, sizeof line, file)) {
        if (strncmp(line, "Threads:", 8) == 0) {
            threads = atoi(line + 8);
            break;
        }
    }
    fclose(file);
    return threads;
}

/// Bytes of address space mapped now (VmSize), 0 when unknown.
static uint64_t mapped_bytes(void) {
    FILE *file = fopen("/proc/self/status", "re");
    if (!file) return 0;
    char line[256];
    uint64_t kib = 0;
    while (fgets(line, sizeof line, file)) {
        if (strncmp(line, "VmSize:", 7) == 0) {
            kib = strtoull(line + 7, NULL, 10);
            break;
        }
    }
    fclose(file);
    return kib * 1024;
}

static uint64_t filesystem_rights(int abi) {
    uint64_t rights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
        LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
        LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
        LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
        LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2) rights |= AIRLOCK_LL_FS_REFER;
    if (abi >= 3) rights |= AIRLOCK_LL_FS_TRUNCATE;
    if (abi >= 5) rights |= AIRLOCK_LL_FS_IOCTL_DEV;
    return rights;
}

static int add_path(int ruleset, const char *path, uint64_t rights) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return -1;
    struct airlock_path_beneath rule = {.allowed_access = rights, .parent_fd = fd};
    long result = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    return result < 0 ? -1 : 0;
}

/// Builds the ruleset (paths are opened now, while the process may still be root); -1 with no Landlock.
static int build_ruleset(const airlock_sandbox_config *config, airlock_sandbox_status *status, int *abi_out) {
    int abi = airlock_sandbox_landlock_abi();
    *abi_out = abi;
    if (abi <= 0) return -1;
    uint64_t handled = filesystem_rights(abi);
    struct airlock_ruleset_attr attr = {.handled_access_fs = handled};
    size_t size = sizeof attr.handled_access_fs;
    if (abi >= 4) {
        // No network rule at all: TCP bind and connect are refused (seccomp refuses sockets anyway).
        attr.handled_access_net = AIRLOCK_LL_NET_BIND_TCP | AIRLOCK_LL_NET_CONNECT_TCP;
        size = offsetof(struct airlock_ruleset_attr, scoped);
        status->landlock_network = 1;
    }
    if (abi >= 6) {
        // No signals to processes outside the domain (the worker), no abstract unix sockets outside it.
        attr.scoped = AIRLOCK_LL_SCOPE_ABSTRACT_UNIX | AIRLOCK_LL_SCOPE_SIGNAL;
        size = sizeof attr;
        status->landlock_scoped = 1;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return -1;
    uint64_t read_only = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    for (size_t i = 0; i < sizeof config->read_only / sizeof config->read_only[0]; i++) {
        if (config->read_only[i] && add_path(ruleset, config->read_only[i], read_only) != 0) {
            int saved = errno;
            close(ruleset);
            errno = saved;
            return -2;
        }
    }
    if (config->read_write) {
        // Everything but execution and special files.
        uint64_t rights = handled & ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
            LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | AIRLOCK_LL_FS_IOCTL_DEV);
        if (add_path(ruleset, config->read_write, rights) != 0) {
            int saved = errno;
            close(ruleset);
            errno = saved;
            return -2;
        }
    }
    return ruleset;
}

static int set_limit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit limit = {.rlim_cur = soft, .rlim_max = hard};
    return setrlimit(resource, &limit);
}

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#ifndef PR_SET_VMA
#define AIRLOCK_PR_SET_VMA 0x53564d41
#else
#define AIRLOCK_PR_SET_VMA PR_SET_VMA
#endif

#if defined(__x86_64__)
#define AIRLOCK_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AIRLOCK_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "the inspector sandbox knows x86_64 and aarch64"
#endif

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define NAMESPACE_FLAGS (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

#define ERRNO_EPERM (SECCOMP_RET_ERRNO | EPERM)
// The low 32 bits of an argument (little-endian on both architectures): pid_t, int and unsigned int arguments are
// truncated to them by the kernel, so these bits are exactly what it acts on.
#define LOAD_ARG(n) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n]))
// The call `nr` only when argument `n` names this process (0 or its own pid), else EPERM. Every branch returns.
#define SELF_ONLY(nr, n, self) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 5), LOAD_ARG(n), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0), \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(self), 1, 0), BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
// The same where argument 0 says what argument 1 is (setpriority, ioprio_*): only `which` == `process` with `who` this
// process (a user's or a process group's processes would include other inspectors).
#define SELF_ONLY_WHICH(nr, process, self) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 7), LOAD_ARG(0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (process), 0, 3), \
    LOAD_ARG(1), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(self), 1, 0), \
    BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
// Creating a directory: only with its owner's full rights and no set-id or sticky bit (mode in argument `arg`). The
// worker removes and measures what an inspector leaves as that user, without overriding permissions when they share
// one: a 0300 directory would hide its content from both. (The umask is fixed at lock-down and cannot change.)
#define DIRECTORY_MODE_RULE(nr, arg) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 6), LOAD_ARG(arg), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 07000, 3, 0), \
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0700), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0700, 0, 1), \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM)
// Opening: a file it creates (O_CREAT, O_TMPFILE; flags in `flags`, mode in `mode`) has no set-id or sticky bit.
#define CREATE_MODE_RULE(nr, flags, mode) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 6), LOAD_ARG(flags), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_CREAT | 020000000, 0, 2), \
    LOAD_ARG(mode), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 07000, 1, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), \
    BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM)
// A signal to itself (argument 0 its own pid) and a standard one (argument `sig` below 32): real-time signals queue,
// and their queue is its user's (a sibling of the same user could no longer queue any).
#define OWN_STANDARD_SIGNAL(nr, sig, self) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 6), LOAD_ARG(0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(self), 0, 3), \
    LOAD_ARG(sig), BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 32, 1, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), \
    BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM)

static int install_seccomp(pid_t self) {
    struct sock_filter filter[] = {
        // Another architecture's syscall numbers (e.g. i386 through int 0x80): killed.
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AIRLOCK_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        // x32 syscalls (the same calls under other numbers): refused.
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
#endif
        // clone3 hides its flags in memory: ENOSYS makes libc fall back to clone, whose flags are checked below.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        // clone: threads only (CLONE_THREAD), never a namespace. A child process would outlive the inspector (it does
        // not inherit PR_SET_PDEATHSIG) and survive recycling; libclamav, libmagic and the Swift runtime never fork.
        // A thread shares everything a pthread shares (THREAD_FLAGS): one with a descriptor table of its own would
        // get RLIMIT_NOFILE descriptors more per thread (attack round 5 on isolation).
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 6),
        LOAD_ARG(0),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NAMESPACE_FLAGS, 3, 0),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, THREAD_FLAGS),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THREAD_FLAGS, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        // ioctl: only the requests libc and the runtime make on their own descriptors (a terminal check, bytes
        // readable, blocking and close-on-exec flags). Everything else, terminal input (TIOCSTI), console and
        // line-discipline control, a descriptor's signal owner (FIOSETOWN, SIOCSPGRP) or asynchronous I/O (FIOASYNC),
        // is refused.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 8),
        LOAD_ARG(1),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCGETS, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIONREAD, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIONBIO, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIOCLEX, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIONCLEX, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        // fcntl: duplicating, descriptor and status flags, record locks. Not a descriptor's signal owner or signal
        // (F_SETOWN, F_SETOWN_EX, F_SETSIG: the kernel would then signal on its behalf), leases or directory
        // notification (F_SETLEASE, F_NOTIFY), pipe sizes or seals.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 0, 8),
        LOAD_ARG(1),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 8 /* F_SETOWN: 0-7 are F_DUPFD .. F_SETLKW */, 0, 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_OFD_GETLK, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_OFD_SETLK, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_OFD_SETLKW, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        // prctl: naming threads and mappings, reading its own state. Not making itself dumpable again (siblings of the
        // same user could then open its /proc files), not its death signal (set at lock-down: it dies with the
        // worker), not reaping orphans, nothing else.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 8),
        LOAD_ARG(0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_NAME, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_NAME, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_DUMPABLE, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_NO_NEW_PRIVS, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AIRLOCK_PR_SET_VMA, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        // Limits, priorities, CPU and memory placement: of this process only. The kernel checks only that the uid
        // matches, so without this one inspector could set another's (or an unprivileged worker's) RLIMIT_CPU,
        // RLIMIT_NOFILE or scheduling class; the reading variants would tell which pids exist.
        SELF_ONLY(__NR_prlimit64, 0, self),
        SELF_ONLY(__NR_sched_setaffinity, 0, self),
        SELF_ONLY(__NR_sched_getaffinity, 0, self),
        SELF_ONLY(__NR_sched_setscheduler, 0, self),
        SELF_ONLY(__NR_sched_getscheduler, 0, self),
        SELF_ONLY(__NR_sched_setparam, 0, self),
        SELF_ONLY(__NR_sched_getparam, 0, self),
        SELF_ONLY(__NR_sched_setattr, 0, self),
        SELF_ONLY(__NR_sched_getattr, 0, self),
        SELF_ONLY(__NR_sched_rr_get_interval, 0, self),
        SELF_ONLY(__NR_migrate_pages, 0, self),
        SELF_ONLY(__NR_move_pages, 0, self),
        SELF_ONLY_WHICH(__NR_setpriority, PRIO_PROCESS, self),
        SELF_ONLY_WHICH(__NR_getpriority, PRIO_PROCESS, self),
        SELF_ONLY_WHICH(__NR_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, self),
        SELF_ONLY_WHICH(__NR_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, self),
        // Signals: standard ones to itself only, whether or not Landlock scopes them (raise and abort use tgkill on
        // their own pid). Queued signals (rt_sigqueueinfo, rt_tgsigqueueinfo) are off the list.
        OWN_STANDARD_SIGNAL(__NR_kill, 1, self),
        OWN_STANDARD_SIGNAL(__NR_tgkill, 2, self),
        // Files it makes: no set-id bits, directories it can always enter, list and empty; renames without
        // RENAME_EXCHANGE or RENAME_WHITEOUT (a whiteout is a character device, which mknod may not make).
        DIRECTORY_MODE_RULE(__NR_mkdirat, 2),
        CREATE_MODE_RULE(__NR_openat, 2, 3),
#if defined(__NR_open)
        DIRECTORY_MODE_RULE(__NR_mkdir, 1),
        CREATE_MODE_RULE(__NR_open, 1, 2),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_renameat2, 0, 4),
        LOAD_ARG(4),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, ~(uint32_t)RENAME_NOREPLACE, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        // Everything else is refused unless it is on this list: the calls an inspector makes after lock-down
        // (measured with strace over the external corpus, the threat corpora and the bombs: docs/isolation.md,
        // "System calls") and their equivalents on the other architecture or libc version. Not on it, among others:
        // sockets and connect, exec, fork, ptrace and process_vm_*, mode, owner, times and extended attributes of
        // files (chmod, chown, utimensat, setxattr: a sibling of the same user could otherwise change another's
        // scratch directory, which Landlock does not cover), inotify and fanotify (they would show other inspectors'
        // file names and timing), links, mounts and namespaces, SysV IPC, POSIX message queues and memfds (state or
        // memory past its life), io_uring, bpf, perf, keys, modules. libclamav's own `chmod` of its temp directories
        // before removing them is among the refused calls; it does not depend on it.
        // Sending on the channel without out-of-band data: an urgent byte wakes the worker's poll but no normal
        // receive ever returns it (CVE-2025-38236 is the kernel's own trouble with it). sendmsg's flags are its
        // third argument, sendto's its fourth.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmsg, 0, 4),
        LOAD_ARG(2),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MSG_OOB, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 0, 4),
        LOAD_ARG(3),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MSG_OOB, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        ALLOW(__NR_read), ALLOW(__NR_pread64), ALLOW(__NR_write), ALLOW(__NR_futex), ALLOW(__NR_close), ALLOW(__NR_lseek),
        ALLOW(__NR_fstat), ALLOW(__NR_newfstatat), ALLOW(__NR_mmap), ALLOW(__NR_munmap),
        ALLOW(__NR_mprotect), ALLOW(__NR_mremap), ALLOW(__NR_madvise), ALLOW(__NR_brk), ALLOW(__NR_recvmsg),
        ALLOW(__NR_recvfrom), ALLOW(__NR_readv), ALLOW(__NR_writev),
        ALLOW(__NR_preadv), ALLOW(__NR_pwritev), ALLOW(__NR_preadv2), ALLOW(__NR_pwritev2), ALLOW(__NR_pwrite64),
        ALLOW(__NR_getdents64), ALLOW(__NR_unlinkat), ALLOW(__NR_renameat),
        ALLOW(__NR_readlinkat), ALLOW(__NR_faccessat), ALLOW(__NR_faccessat2), ALLOW(__NR_statx), ALLOW(__NR_statfs),
        ALLOW(__NR_fstatfs), ALLOW(__NR_getcwd), ALLOW(__NR_ftruncate), ALLOW(__NR_fsync), ALLOW(__NR_fdatasync),
        ALLOW(__NR_fadvise64), ALLOW(__NR_dup), ALLOW(__NR_dup3), ALLOW(__NR_close_range), ALLOW(__NR_ppoll),
        ALLOW(__NR_clock_gettime), ALLOW(__NR_clock_getres), ALLOW(__NR_clock_nanosleep),
        ALLOW(__NR_nanosleep), ALLOW(__NR_gettimeofday), ALLOW(__NR_getrandom), ALLOW(__NR_getrusage), ALLOW(__NR_times),
        ALLOW(__NR_sysinfo), ALLOW(__NR_uname), ALLOW(__NR_getpid), ALLOW(__NR_gettid), ALLOW(__NR_getppid),
        ALLOW(__NR_getuid), ALLOW(__NR_geteuid), ALLOW(__NR_getgid), ALLOW(__NR_getegid), ALLOW(__NR_getresuid),
        ALLOW(__NR_getresgid), ALLOW(__NR_getgroups), ALLOW(__NR_sched_yield), ALLOW(__NR_getcpu), ALLOW(__NR_rseq),
        ALLOW(__NR_set_robust_list), ALLOW(__NR_set_tid_address), ALLOW(__NR_rt_sigaction), ALLOW(__NR_rt_sigprocmask),
        ALLOW(__NR_rt_sigreturn), ALLOW(__NR_sigaltstack), ALLOW(__NR_restart_syscall), ALLOW(__NR_exit),
        ALLOW(__NR_exit_group),
#if defined(__NR_open)
        // x86_64's older calls that libc or a static runtime may still make.
        ALLOW(__NR_stat), ALLOW(__NR_lstat), ALLOW(__NR_access), ALLOW(__NR_rmdir),
        ALLOW(__NR_unlink), ALLOW(__NR_rename), ALLOW(__NR_readlink), ALLOW(__NR_getdents), ALLOW(__NR_dup2),
        ALLOW(__NR_poll), ALLOW(__NR_time), ALLOW(__NR_arch_prctl), ALLOW(__NR_getrlimit),
#endif
#if defined(__NR_map_shadow_stack)
        ALLOW(__NR_map_shadow_stack),
#endif
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
    };
    struct sock_fprog program = {.len = (unsigned short)(sizeof filter / sizeof filter[0]), .filter = filter};
    // Every thread of the process, or none.
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program);
}

static int clear_capabilities(void) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return -1;
    // Already none (an unprivileged worker): no capset, which service managers' filters often refuse.
    if (syscall(SYS_capget, &header, data) == 0 && !data[0].effective && !data[0].permitted && !data[0].inheritable &&
        !data[1].effective && !data[1].permitted && !data[1].inheritable) {
        return 0;
    }
    memset(data, 0, sizeof data);
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    return (int)syscall(SYS_capset, &header, data);
}

int airlock_sandbox_lockdown(const airlock_sandbox_config *config, airlock_sandbox_status *status) {
    memset(status, 0, sizeof *status);
    int threads = airlock_sandbox_thread_count();
    if (threads != 1) {
        errno = threads < 0 ? ENOENT : EBUSY;
        return fail(status, "single thread (Landlock binds only the calling thread)");
    }
    // rlimits (hard limits: an exploited parser cannot raise them again).
    if (set_limit(RLIMIT_CORE, 0, 0) != 0) return fail(status, "RLIMIT_CORE");
    if (config->max_file_size > 0) {
        signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead of killing the process
        if (set_limit(RLIMIT_FSIZE, config->max_file_size, config->max_file_size) != 0) return fail(status, "RLIMIT_FSIZE");
    }
    if (config->max_open_files > 0 && set_limit(RLIMIT_NOFILE, config->max_open_files, config->max_open_files) != 0) {
        return fail(status, "RLIMIT_NOFILE");
    }
    // The hard limit one second above the soft: at the soft limit the kernel sends SIGXCPU (the worker names the CPU
    // limit); equal limits would send SIGKILL, indistinguishable from any other kill. SIGKILL a second later if it
    // survives SIGXCPU.
    if (config->max_cpu_seconds > 0 && set_limit(RLIMIT_CPU, config->max_cpu_seconds, config->max_cpu_seconds + 1) != 0) {
        return fail(status, "RLIMIT_CPU");
    }
    if (config->address_space_headroom > 0) {
        uint64_t limit = mapped_bytes() + config->address_space_headroom;
        if (set_limit(RLIMIT_AS, limit, limit) != 0) return fail(status, "RLIMIT_AS");
    }
    // Counted per real uid from the user change on (root is exempt until then): with a uid per inspector this bounds
    // its threads, so that it cannot take every pid of the machine.
    if (config->max_processes > 0 && set_limit(RLIMIT_NPROC, config->max_processes, config->max_processes) != 0) {
        return fail(status, "RLIMIT_NPROC");
    }
    status->rlimits = 1;

    int abi = 0;
    int ruleset = build_ruleset(config, status, &abi);
    if (ruleset == -2) return fail(status, "Landlock rules");

    if (geteuid() == 0 || getegid() == 0) {
        if (setgroups(0, NULL) != 0) return fail(status, "setgroups");
        if (setresgid(config->gid, config->gid, config->gid) != 0) return fail(status, "setresgid");
        if (setresuid(config->uid, config->uid, config->uid) != 0) return fail(status, "setresuid");
        if (geteuid() == 0 || getuid() == 0) {
            errno = EPERM;
            return fail(status, "dropping root");
        }
        status->dropped_user = 1;
    }
    if (clear_capabilities() != 0) return fail(status, "clearing capabilities");
    status->capabilities_cleared = 1;
    // After the user change (which clears it): die with the worker.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return fail(status, "PR_SET_PDEATHSIG");
    if (config->parent > 0 && getppid() != config->parent) {
        errno = ESRCH;
        return fail(status, "parent gone");
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(status, "PR_SET_NO_NEW_PRIVS");
    status->no_new_privs = 1;
    if (ruleset >= 0) {
        if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
            int saved = errno;
            close(ruleset);
            errno = saved;
            return fail(status, "landlock_restrict_self");
        }
        close(ruleset);
        status->landlock_abi = abi;
    } else {
        status->landlock_network = 0;
        status->landlock_scoped = 0;
    }
    // Non-dumpable (after the user change, which resets it): a sibling inspector of the same user cannot open its
    // /proc/<pid>/mem, environ or fd even without Landlock; seccomp keeps it so.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return fail(status, "PR_SET_DUMPABLE");
    // What it creates is its own alone; the filter refuses umask from here on.
    umask(077);
    if (install_seccomp(getpid()) != 0) return fail(status, "seccomp");
    status->seccomp = 1;
    return 0;
}

int airlock_sandbox_cpu_budget(uint64_t seconds) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
    struct rlimit limit;
    if (getrlimit(RLIMIT_CPU, &limit) != 0) return -1;
    uint64_t used = (uint64_t)usage.ru_utime.tv_sec + (uint64_t)usage.ru_stime.tv_sec + 1;
    uint64_t soft = used + seconds;
    // Below the hard limit (set one second above the lifetime budget), so that SIGXCPU, not SIGKILL, ends it.
    if (limit.rlim_max != RLIM_INFINITY && soft > limit.rlim_max - 1) soft = limit.rlim_max > 1 ? limit.rlim_max - 1 : limit.rlim_max;
    limit.rlim_cur = soft;
    return setrlimit(RLIMIT_CPU, &limit);
}

ssize_t airlock_sandbox_send(int socket, const void *bytes, size_t length, int descriptor) {
    struct iovec vector = {.iov_base = (void *)bytes, .iov_len = length};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    if (descriptor >= 0) {
        memset(&control, 0, sizeof control);
        message.msg_control = control.space;
        message.msg_controllen = sizeof control.space;
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(header), &descriptor, sizeof(int));
    }
    ssize_t sent;
    do {
        sent = sendmsg(socket, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
}

ssize_t airlock_sandbox_receive(int socket, void *bytes, size_t length, int *descriptor, int nonblocking) {
    *descriptor = -1;
    struct iovec vector = {.iov_base = bytes, .iov_len = length};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * 4)];
    } control;
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
    ssize_t received;
    do {
        received = recvmsg(socket, &message, MSG_CMSG_CLOEXEC | (nonblocking ? MSG_DONTWAIT : 0));
    } while (received < 0 && errno == EINTR);
    if (received < 0) return received;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int fds[4];
        memcpy(fds, CMSG_DATA(header), count * sizeof(int));
        for (size_t i = 0; i < count; i++) {
            // One descriptor per message: any extra is closed, never kept.
            if (*descriptor < 0) *descriptor = fds[i]; else close(fds[i]);
        }
    }
    if (message.msg_flags & MSG_CTRUNC) {
        // Descriptors lost to truncation: refuse the message.
        if (*descriptor >= 0) close(*descriptor);
        *descriptor = -1;
        errno = EMSGSIZE;
        return -1;
    }
    return received;
}

pid_t airlock_sandbox_spawn(const char *path, char *const argv[], char *const envp[], int channel, int output_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    if (posix_spawn_file_actions_init(&actions) != 0) return -1;
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
    posix_spawn_file_actions_adddup2(&actions, channel, 3);
    // Nothing else of the worker's (store connections, the catalog's socket, files) reaches the inspector.
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    // A session of its own: no controlling terminal (nothing to push keystrokes into), its own process group.
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    pid_t pid = -1;
    int result = posix_spawn(&pid, path, &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (result != 0) {
        errno = result;
        return -1;
    }
    return pid;
}

int airlock_sandbox_protect_worker(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int airlock_sandbox_socketpair(int descriptors[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, descriptors);
}

int airlock_sandbox_send_timeout(int descriptor, long microseconds) {
    struct timeval timeout = {.tv_sec = 0, .tv_usec = microseconds};
    return setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

int airlock_sandbox_stream_socket(int family) {
    return socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

int airlock_sandbox_pipe(int descriptors[2]) {
    return pipe2(descriptors, O_CLOEXEC);
}

ssize_t airlock_sandbox_read(int descriptor, void *bytes, size_t length) {
    ssize_t count;
    do {
        count = read(descriptor, bytes, length);
    } while (count < 0 && errno == EINTR);
    return count;
}

pid_t airlock_sandbox_probe_sibling(uid_t uid, gid_t gid) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)) _exit(1);
    // Not PR_SET_PDEATHSIG: the locked-down parent's death signal is refused by its Landlock signal scope.
    while (getppid() == parent) usleep(50000);
    _exit(0);
}

static void *probe_thread(void *argument) {
    return argument;
}

int airlock_sandbox_probe(airlock_sandbox_probe_check check, pid_t target) {
    int result = -1;
    switch (check) {
    case AIRLOCK_PROBE_TIOCSTI: {
        // On a descriptor that is no terminal: the filter answers EPERM before the terminal layer's ENOTTY.
        int fd = open("probe-tty", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) return errno;
        char byte = 'x';
        result = ioctl(fd, TIOCSTI, &byte);
        int saved = errno;
        close(fd);
        errno = saved;
        break;
    }
    case AIRLOCK_PROBE_PRLIMIT_SELF: {
        struct rlimit limit;
        result = (int)syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &limit);
        break;
    }
    case AIRLOCK_PROBE_PRLIMIT_OTHER: {
        struct rlimit limit;
        result = (int)syscall(SYS_prlimit64, target, RLIMIT_NOFILE, NULL, &limit);
        break;
    }
    case AIRLOCK_PROBE_SETPRIORITY_OTHER:
        result = setpriority(PRIO_PROCESS, (id_t)target, 5);
        break;
    case AIRLOCK_PROBE_SETPRIORITY_USER:
        result = setpriority(PRIO_USER, 0, 5);
        break;
    case AIRLOCK_PROBE_FORK: {
        pid_t child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
        if (child == 0) _exit(0);
        if (child > 0) {
            while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
            result = 0;
        }
        break;
    }
    case AIRLOCK_PROBE_THREAD: {
        pthread_t thread;
        int error = pthread_create(&thread, NULL, probe_thread, NULL);
        if (error != 0) return error;
        pthread_join(thread, NULL);
        result = 0;
        break;
    }
    case AIRLOCK_PROBE_KILL_PARENT:
        result = kill(getppid(), 0);
        break;
    case AIRLOCK_PROBE_KILL_OTHER:
        result = kill(target, 0);
        break;
    case AIRLOCK_PROBE_KILL_SELF:
        result = kill(getpid(), 0);
        break;
    case AIRLOCK_PROBE_TKILL_SELF:
        result = (int)syscall(SYS_tkill, (pid_t)syscall(SYS_gettid), 0);
        break;
    case AIRLOCK_PROBE_SET_DUMPABLE:
        result = prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        break;
    case AIRLOCK_PROBE_SHMGET: {
        int id = (int)syscall(SYS_shmget, IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        int saved = errno;
        if (id >= 0) syscall(SYS_shmctl, id, IPC_RMID, NULL);
        errno = saved;
        result = id < 0 ? -1 : 0;
        break;
    }
    case AIRLOCK_PROBE_SET_PDEATHSIG:
        result = prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        break;
    case AIRLOCK_PROBE_SETOWN: {
        int fd = open("probe-owner", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) return errno;
        result = fcntl(fd, F_SETOWN, getpid());
        int saved = errno;
        close(fd);
        errno = saved;
        break;
    }
    case AIRLOCK_PROBE_CHMOD_OWN: {
        // Its own file in its own scratch: refused all the same (no call of the chmod family is allowed).
        int fd = open("probe-mode", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) return errno;
        close(fd);
        result = chmod("probe-mode", 0644);
        break;
    }
    case AIRLOCK_PROBE_INOTIFY: {
        int fd = (int)syscall(SYS_inotify_init1, O_CLOEXEC);
        if (fd >= 0) close(fd);
        result = fd < 0 ? -1 : 0;
        break;
    }
    case AIRLOCK_PROBE_SETXATTR: {
        int fd = open("probe-xattr", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) return errno;
        result = (int)syscall(SYS_fsetxattr, fd, "user.airlock", "x", (size_t)1, 0);
        int saved = errno;
        close(fd);
        errno = saved;
        break;
    }
    case AIRLOCK_PROBE_MKDIR_HIDDEN:
        // A directory its owner cannot list (0300): the worker could neither measure nor remove what is inside.
        result = mkdir("probe-hidden", 0300);
        break;
    case AIRLOCK_PROBE_CREATE_SETUID: {
        int fd = open("probe-setuid", O_CREAT | O_RDWR | O_CLOEXEC, 04755);
        if (fd >= 0) close(fd);
        result = fd < 0 ? -1 : 0;
        break;
    }
    case AIRLOCK_PROBE_WHITEOUT: {
        int fd = open("probe-whiteout", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) return errno;
        close(fd);
        result = (int)syscall(SYS_renameat2, AT_FDCWD, "probe-whiteout", AT_FDCWD, "probe-whiteout-2", RENAME_WHITEOUT);
        break;
    }
    case AIRLOCK_PROBE_RT_SIGNAL_SELF: {
        // Blocked, so that it would only queue (a real-time signal queues in its user's pending-signal quota).
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN + 5);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        result = kill(getpid(), SIGRTMIN + 5);
        int saved = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = saved;
        break;
    }
    case AIRLOCK_PROBE_SEND_OOB:
        // On no descriptor at all: the filter answers before the descriptor is looked at (else EBADF).
        result = (int)sendto(-1, "x", 1, MSG_OOB, NULL, 0);
        break;
    case AIRLOCK_PROBE_THREAD_OWN_FILES:
        // A thread without the shared memory and descriptor table: the filter refuses it (EPERM) before the kernel
        // would refuse the flag combination (EINVAL), so nothing runs either way.
        result = (int)syscall(SYS_clone, CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_SYSVSEM, NULL, NULL, NULL, 0);
        break;
    case AIRLOCK_PROBE_UMASK:
        result = (int)syscall(SYS_umask, 0);
        break;
    case AIRLOCK_PROBE_PIPE: {
        int descriptors[2];
        result = pipe2(descriptors, O_CLOEXEC);
        if (result == 0) {
            close(descriptors[0]);
            close(descriptors[1]);
        }
        break;
    }
    case AIRLOCK_PROBE_MQ_OPEN: {
        // A POSIX message queue outlives the process, owned by its uid (the raw call takes the name without '/').
        int queue = (int)syscall(SYS_mq_open, "airlock-probe", O_CREAT | O_RDWR | O_CLOEXEC, 0600, NULL);
        int saved = errno;
        if (queue >= 0) {
            close(queue);
            syscall(SYS_mq_unlink, "airlock-probe");
        }
        errno = saved;
        result = queue < 0 ? -1 : 0;
        break;
    }
    case AIRLOCK_PROBE_MEMFD: {
        int fd = (int)syscall(SYS_memfd_create, "probe", 0);
        if (fd >= 0) close(fd);
        result = fd < 0 ? -1 : 0;
        break;
    }
    case AIRLOCK_PROBE_DUMPABLE:
        return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : EINVAL;
    }
    return result == 0 ? 0 : errno;
}
