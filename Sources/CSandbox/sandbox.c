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

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

#if defined(__x86_64__)
#define AIRLOCK_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AIRLOCK_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "the inspector sandbox knows x86_64 and aarch64"
#endif

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
// The call `nr` only when argument 0 is exactly this process's pid (kill(0) would reach its process group).
#define OWN_PID_ONLY(nr, self) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4), LOAD_ARG(0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(self), 1, 0), \
    BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

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
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 5),
        LOAD_ARG(0),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NAMESPACE_FLAGS, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        // Terminal requests that reach beyond the descriptor: pushing input (TIOCSTI), console and line-discipline
        // control, taking a controlling terminal. (The inspector holds no terminal; this holds should one leak to it.)
        // Also the signal owner of a descriptor (FIOSETOWN, SIOCSPGRP) and asynchronous I/O (FIOASYNC): the kernel
        // would then send signals on the inspector's behalf, past the kill rules below (Landlock's signal scope, ABI 6,
        // stops them too, but older kernels are accepted).
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 11),
        LOAD_ARG(1),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 7, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 6, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSETD, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSCTTY, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCCONS, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIOSETOWN, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIOCSPGRP, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIOASYNC, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        // The same signal routes through fcntl: a descriptor's owner and its signal.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 0, 6),
        LOAD_ARG(1),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN_EX, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETSIG, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        // Non-dumpable stays so (siblings of the same user cannot open its /proc files without Landlock); the death
        // signal set at lock-down stays (it dies with the worker); no reaping of orphans.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 6),
        LOAD_ARG(0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_DUMPABLE, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_PDEATHSIG, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_CHILD_SUBREAPER, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ERRNO_EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
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
        // Signals: to itself only, whether or not Landlock scopes them (raise and abort use tgkill on their own pid).
        OWN_PID_ONLY(__NR_kill, self),
        OWN_PID_ONLY(__NR_tgkill, self),
        OWN_PID_ONLY(__NR_rt_sigqueueinfo, self),
        OWN_PID_ONLY(__NR_rt_tgsigqueueinfo, self),
        // No network, no new programs, no reaching into other processes or the kernel's configuration.
        DENY(__NR_tkill), DENY(__NR_pidfd_send_signal), DENY(__NR_kcmp), DENY(__NR_process_mrelease),
#if defined(__NR_fork)
        DENY(__NR_fork), DENY(__NR_vfork),
#endif
        DENY(__NR_socket), DENY(__NR_socketpair), DENY(__NR_connect), DENY(__NR_bind), DENY(__NR_listen),
        DENY(__NR_accept), DENY(__NR_accept4), DENY(__NR_execve), DENY(__NR_execveat), DENY(__NR_ptrace),
        DENY(__NR_process_vm_readv), DENY(__NR_process_vm_writev), DENY(__NR_mount), DENY(__NR_umount2),
        DENY(__NR_pivot_root), DENY(__NR_chroot), DENY(__NR_unshare), DENY(__NR_setns), DENY(__NR_bpf),
        DENY(__NR_perf_event_open), DENY(__NR_keyctl), DENY(__NR_add_key), DENY(__NR_request_key),
        DENY(__NR_kexec_load), DENY(__NR_kexec_file_load), DENY(__NR_init_module), DENY(__NR_finit_module),
        DENY(__NR_delete_module), DENY(__NR_io_uring_setup), DENY(__NR_io_uring_enter), DENY(__NR_io_uring_register),
        DENY(__NR_userfaultfd), DENY(__NR_open_by_handle_at), DENY(__NR_name_to_handle_at), DENY(__NR_swapon),
        DENY(__NR_swapoff), DENY(__NR_reboot), DENY(__NR_setuid), DENY(__NR_setgid), DENY(__NR_setreuid),
        DENY(__NR_setregid), DENY(__NR_setresuid), DENY(__NR_setresgid), DENY(__NR_setgroups), DENY(__NR_pidfd_open),
        DENY(__NR_pidfd_getfd), DENY(__NR_process_madvise), DENY(__NR_fanotify_init), DENY(__NR_mknodat),
        DENY(__NR_landlock_create_ruleset), DENY(__NR_landlock_add_rule), DENY(__NR_landlock_restrict_self),
#if defined(__NR_mknod)
        DENY(__NR_mknod),
#endif
        // SysV IPC outlives the process (state carried to a later inspection, memory nothing takes back); memfd
        // memory is outside RLIMIT_AS.
        DENY(__NR_shmget), DENY(__NR_shmat), DENY(__NR_shmctl), DENY(__NR_shmdt), DENY(__NR_msgget), DENY(__NR_msgsnd),
        DENY(__NR_msgrcv), DENY(__NR_msgctl), DENY(__NR_semget), DENY(__NR_semop), DENY(__NR_semtimedop), DENY(__NR_semctl),
        DENY(__NR_memfd_create),
        // POSIX message queues outlive the process too, owned by its uid (a later inspector given the same uid would
        // find them); Landlock refuses creating one as well, this holds where Landlock is missing.
        DENY(__NR_mq_open), DENY(__NR_mq_unlink), DENY(__NR_mq_timedsend), DENY(__NR_mq_timedreceive), DENY(__NR_mq_notify),
        DENY(__NR_mq_getsetattr),
#if defined(__NR_memfd_secret)
        DENY(__NR_memfd_secret),
#endif
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
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

ssize_t airlock_sandbox_receive(int socket, void *bytes, size_t length, int *descriptor) {
    *descriptor = -1;
    struct iovec vector = {.iov_base = bytes, .iov_len = length};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * 4)];
    } control;
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
    ssize_t received;
    do {
        received = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
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
        int descriptors[2];
        if (pipe2(descriptors, O_CLOEXEC) != 0) return errno;
        result = fcntl(descriptors[0], F_SETOWN, getpid());
        int saved = errno;
        close(descriptors[0]);
        close(descriptors[1]);
        errno = saved;
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
