#ifndef AIRLOCK_CCLAMAV_SHIM_H
#define AIRLOCK_CCLAMAV_SHIM_H
// libclamav for in-process scanning. Macro-only constants do not import into Swift: these give them names.
#include <clamav.h>

static inline unsigned int CClamAV_db_stdopt(void) { return CL_DB_STDOPT; }
static inline unsigned int CClamAV_init_default(void) { return CL_INIT_DEFAULT; }

// clamd's FILDES command takes the file descriptor itself over the unix socket (SCM_RIGHTS); the CMSG_ macros that
// build such a message do not import into Swift. Sends one byte with `fd` attached; returns sendmsg's result.
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

static inline long CClamAV_send_descriptor(int socket_fd, int fd) {
    char byte = 0;
    struct iovec vector = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = { 0 };
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.space;
    message.msg_controllen = sizeof(control.space);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(int));
    return (long)sendmsg(socket_fd, &message, MSG_NOSIGNAL);
}
#endif
