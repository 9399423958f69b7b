#ifndef AIRLOCK_CSANDBOX_H
#define AIRLOCK_CSANDBOX_H

#include <stdint.h>
#include <sys/types.h>

/// What the inspector process may keep after lock-down (airlock_sandbox_lockdown).
typedef struct {
    /// Directories readable after lock-down (Landlock), e.g. the signature database; NULL entries are skipped.
    const char *read_only[4];
    /// The inspector's private scratch directory: the only place it may create, write and remove files.
    const char *read_write;
    /// Address space in bytes above what is mapped at lock-down (RLIMIT_AS = mapped + this); 0: no limit.
    uint64_t address_space_headroom;
    /// Largest file the process may write (RLIMIT_FSIZE); 0: no limit. Writes past it fail with EFBIG.
    uint64_t max_file_size;
    /// Open descriptors (RLIMIT_NOFILE); 0: unchanged.
    uint64_t max_open_files;
    /// CPU seconds for the process's life: RLIMIT_CPU soft limit (SIGXCPU) at most this, hard limit (SIGKILL) one
    /// second above; the soft limit is lowered per request. 0: none.
    uint64_t max_cpu_seconds;
    /// Processes and threads of the user it becomes (RLIMIT_NPROC, hard); 0: unchanged. Only meaningful when that user
    /// is the process's own (the kernel counts every task of the real uid).
    uint64_t max_processes;
    /// When running as root: the user and group to become (supplementary groups cleared).
    uid_t uid;
    gid_t gid;
    /// The parent's pid: the process dies with SIGKILL when its parent goes (checked after PR_SET_PDEATHSIG).
    pid_t parent;
} airlock_sandbox_config;

/// Which layers are active after lock-down.
typedef struct {
    int no_new_privs;
    int seccomp;
    /// The Landlock ABI applied (0: the kernel has no Landlock, or it is disabled).
    int landlock_abi;
    /// Whether Landlock's network rules (ABI >= 4) and scopes (ABI >= 6) are also in force.
    int landlock_network;
    int landlock_scoped;
    /// Whether the process changed user (it started as root).
    int dropped_user;
    int capabilities_cleared;
    int rlimits;
    /// On failure: the step that failed and its errno.
    const char *failed_step;
    int error;
} airlock_sandbox_status;

/// Locks the calling process down, in this order: rlimits, Landlock ruleset built, user dropped (when root),
/// capabilities cleared, PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, Landlock enforced, PR_SET_DUMPABLE 0, seccomp filter
/// (all threads).
/// Must run while the process has one thread (Landlock binds the calling thread and threads it starts later).
/// Returns 0, or -1 with `failed_step` and `error` set: the caller must then exit (fail closed). Landlock missing from
/// the kernel is not a failure (`landlock_abi` 0).
int airlock_sandbox_lockdown(const airlock_sandbox_config *config, airlock_sandbox_status *status);

/// Lowers the soft CPU limit to `seconds` more than the process has used (SIGXCPU then ends it).
int airlock_sandbox_cpu_budget(uint64_t seconds);

/// The Landlock ABI the kernel offers (0: none).
int airlock_sandbox_landlock_abi(void);

/// Threads of the calling process (/proc/self/status), -1 when unknown.
int airlock_sandbox_thread_count(void);

/// Sends `length` bytes and, when `descriptor` >= 0, that descriptor (SCM_RIGHTS) over a unix socket.
/// Returns bytes sent or -1 (errno).
ssize_t airlock_sandbox_send(int socket, const void *bytes, size_t length, int descriptor);

/// Receives up to `length` bytes; a descriptor that came with them is stored in `*descriptor` (else -1), close-on-exec.
/// With `nonblocking`, returns -1 with EAGAIN instead of waiting (the caller polls with its deadline).
/// Returns bytes received, 0 at end of stream, or -1 (errno).
ssize_t airlock_sandbox_receive(int socket, void *bytes, size_t length, int *descriptor, int nonblocking);

/// Spawns `path` with `argv`/`envp` in a session of its own (setsid: no controlling terminal): stdin /dev/null, stdout
/// and stderr = `output_fd` (the write end of a pipe the worker reads), `channel` duplicated to descriptor 3, every
/// other descriptor closed in the child. Returns the pid or -1 (errno).
pid_t airlock_sandbox_spawn(const char *path, char *const argv[], char *const envp[], int channel, int output_fd);

/// pipe2(O_CLOEXEC): an inspector's output. Returns 0 or -1 (errno).
int airlock_sandbox_pipe(int descriptors[2]);

/// read(2), retried on EINTR.
ssize_t airlock_sandbox_read(int descriptor, void *bytes, size_t length);

/// What `airlock inspector --probe` tries after lock-down (airlock_sandbox_probe).
typedef enum {
    AIRLOCK_PROBE_TIOCSTI,
    AIRLOCK_PROBE_PRLIMIT_SELF,
    AIRLOCK_PROBE_PRLIMIT_OTHER,
    AIRLOCK_PROBE_SETPRIORITY_OTHER,
    AIRLOCK_PROBE_SETPRIORITY_USER,
    AIRLOCK_PROBE_FORK,
    AIRLOCK_PROBE_THREAD,
    AIRLOCK_PROBE_KILL_PARENT,
    AIRLOCK_PROBE_KILL_OTHER,
    AIRLOCK_PROBE_KILL_SELF,
    AIRLOCK_PROBE_TKILL_SELF,
    AIRLOCK_PROBE_SET_DUMPABLE,
    AIRLOCK_PROBE_DUMPABLE,
    AIRLOCK_PROBE_SHMGET,
    AIRLOCK_PROBE_SET_PDEATHSIG,
    AIRLOCK_PROBE_SETOWN,
    AIRLOCK_PROBE_MEMFD,
    AIRLOCK_PROBE_MQ_OPEN,
    AIRLOCK_PROBE_CHMOD_OWN,
    AIRLOCK_PROBE_INOTIFY,
    AIRLOCK_PROBE_SETXATTR,
    AIRLOCK_PROBE_PIPE,
    AIRLOCK_PROBE_MKDIR_HIDDEN,
    AIRLOCK_PROBE_CREATE_SETUID,
    AIRLOCK_PROBE_WHITEOUT,
    AIRLOCK_PROBE_RT_SIGNAL_SELF,
    AIRLOCK_PROBE_SEND_OOB,
    AIRLOCK_PROBE_UMASK,
    AIRLOCK_PROBE_THREAD_OWN_FILES,
} airlock_sandbox_probe_check;

/// Before lock-down, for the probe: a child that becomes `uid`/`gid` (when root) and waits, exiting with its parent:
/// another process of the inspector's user for the probe to reach for. Returns its pid (or -1).
pid_t airlock_sandbox_probe_sibling(uid_t uid, gid_t gid);

/// One probe check (in the working directory for files); `target` is the sibling's pid. Returns 0 or the errno.
int airlock_sandbox_probe(airlock_sandbox_probe_check check, pid_t target);

/// A connected pair of unix stream sockets, close-on-exec (the channel). Returns 0 or -1 (errno).
int airlock_sandbox_socketpair(int descriptors[2]);

/// SO_SNDTIMEO on `descriptor`: a blocked send returns after `microseconds` (< 1 s). Returns 0 or -1 (errno).
int airlock_sandbox_send_timeout(int descriptor, long microseconds);

/// socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0): what the probe tries after lock-down.
int airlock_sandbox_stream_socket(int family);

/// Makes the calling (worker) process non-dumpable: a process of the same user (an inspector that runs as the worker's
/// user) cannot open its /proc/<pid>/mem, environ or descriptors, even where Landlock is missing.
int airlock_sandbox_protect_worker(void);

#endif
