// The only C in Limpet: thin wrappers over what Swift cannot import cleanly
// (packed epoll_event, liburing's inline functions and macros, GNU-only calls).
// No logic lives here. Every symbol is prefixed `limpet_`.
#ifndef LIMPET_SHIMS_H
#define LIMPET_SHIMS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

// MARK: sockets

/// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC. Returns the fd or -errno.
int limpet_accept(int fd, struct sockaddr_storage *peer, socklen_t *peer_len);
/// connect(2) on a non-blocking socket: 0, or -errno (-EINPROGRESS while pending).
int limpet_connect(int fd, const struct sockaddr *addr, socklen_t len);
/// recv/send with MSG_NOSIGNAL|MSG_DONTWAIT: bytes, or -errno.
ssize_t limpet_recv(int fd, void *buf, size_t len);
ssize_t limpet_send(int fd, const void *buf, size_t len);
/// Formats the address as text ("127.0.0.1" or "::1"); returns the length written.
int limpet_format_ip(const struct sockaddr_storage *addr, char *out, size_t cap);

// MARK: pipes and splice

/// A non-blocking pipe sized to `size` bytes (F_SETPIPE_SZ, best effort). 0 or -errno.
int limpet_pipe(int fds[2], int size);
/// splice(2) with SPLICE_F_NONBLOCK|SPLICE_F_MOVE, plus SPLICE_F_MORE when `more` (more data follows: the
/// socket may hold a partial segment back, like MSG_MORE): bytes, or -errno.
ssize_t limpet_splice(int fd_in, int fd_out, size_t len, int more);

// MARK: epoll

int limpet_epoll_create(void);
/// Registers fd edge-triggered for input, output, hang-up and errors, with `data` as its tag.
int limpet_epoll_add(int epfd, int fd, uint64_t data);
int limpet_epoll_add_level_in(int epfd, int fd, uint64_t data);
int limpet_epoll_del(int epfd, int fd);
/// Waits; fills `datas` and `events` with up to `max` entries; returns count or -errno.
int limpet_epoll_wait(int epfd, uint64_t *datas, uint32_t *events, int max, int timeout_ms);
extern const uint32_t LIMPET_EPOLLIN, LIMPET_EPOLLOUT, LIMPET_EPOLLERR, LIMPET_EPOLLHUP, LIMPET_EPOLLRDHUP;

// MARK: eventfd, threads, signals

int limpet_eventfd(void);
int limpet_eventfd_signal(int fd);
int limpet_eventfd_drain(int fd);
/// Pins the calling thread to the `index`-th CPU of the process's affinity mask (modulo its size); 0 or -errno.
int limpet_pin_thread(int index);
int limpet_online_cpus(void);
/// Blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGPIPE in the calling thread (call before spawning threads).
void limpet_block_signals(void);
/// Waits for SIGTERM, SIGINT, SIGHUP or SIGUSR1; returns the signal number.
int limpet_wait_signal(void);
/// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
long limpet_raise_nofile(void);
uint64_t limpet_monotonic_ns(void);

// MARK: io_uring

typedef struct limpet_ring limpet_ring;
/// Creates a ring; on failure returns NULL and sets *err to the negative errno.
limpet_ring *limpet_ring_create(unsigned entries, int *err);
void limpet_ring_destroy(limpet_ring *ring);
/// 1 if the running kernel supports every opcode Limpet submits.
int limpet_ring_probe_ok(limpet_ring *ring);

/// Each limpet_ring_<operation> below queues one operation (poll_splice a linked pair), submitting what is queued
/// first when the queue is full: 0, or -errno when no entry could be had. -EBUSY (the completion queue overflows)
/// and -EAGAIN mean: consume completions, then try again.
int limpet_ring_accept_multishot(limpet_ring *ring, int fd, uint64_t user_data);
/// poll_first (IORING_RECVSEND_POLL_FIRST, kernel 5.19+): wait for the socket to be readable before trying, for a
/// socket that is most likely empty; a readable one still completes at once.
int limpet_ring_recv(limpet_ring *ring, int fd, void *buf, unsigned len, uint64_t user_data, int poll_first);
int limpet_ring_send(limpet_ring *ring, int fd, const void *buf, unsigned len, uint64_t user_data);
int limpet_ring_connect(limpet_ring *ring, int fd, const struct sockaddr *addr, socklen_t len, uint64_t user_data);
int limpet_ring_read(limpet_ring *ring, int fd, void *buf, unsigned len, uint64_t user_data);
/// A poll on `poll_fd` (POLLIN, or POLLOUT when poll_out) linked to a splice of up to `len` bytes
/// from fd_in to fd_out. Only the splice posts a completion unless the poll fails.
int limpet_ring_poll_splice(limpet_ring *ring, int poll_fd, int poll_out, int fd_in, int fd_out,
                            unsigned len, int more, uint64_t poll_user_data, uint64_t user_data);
/// Registers `count` (a power of two) provided buffers of `size` bytes as buffer group 0. 0 or -errno
/// (a kernel without buffer rings answers -EINVAL; the caller then does without).
int limpet_ring_setup_buffers(limpet_ring *ring, unsigned count, unsigned size);
/// A recv whose buffer the kernel picks from group 0 when data arrives; poll_first as for limpet_ring_recv.
int limpet_ring_recv_provided(limpet_ring *ring, int fd, uint64_t user_data, int poll_first);
/// The memory of provided buffer `bid`.
void *limpet_ring_buffer(limpet_ring *ring, unsigned bid);
/// Gives provided buffer `bid` back to the kernel.
void limpet_ring_recycle(limpet_ring *ring, unsigned bid);
extern const uint32_t LIMPET_CQE_F_BUFFER, LIMPET_CQE_BUFFER_SHIFT;

/// Cancels every request on `fd`, submitted at once when the kernel takes it (else with the next submission); its
/// own completion carries `user_data`.
int limpet_ring_cancel_fd(limpet_ring *ring, int fd, uint64_t user_data);
/// Submits what is queued and waits for at least one completion or the timeout (< 0: forever).
int limpet_ring_submit_wait(limpet_ring *ring, int64_t timeout_ns);
/// Copies up to `max` completions out and marks them seen; returns the count.
int limpet_ring_reap(limpet_ring *ring, uint64_t *user_data, int32_t *res, uint32_t *flags, int max);
extern const uint32_t LIMPET_CQE_F_MORE;

// MARK: inotify (providers.file.watch)

/// Decodes the event at `*offset` of `len` bytes read from an inotify descriptor and moves `*offset` past it.
/// Returns 1 with its watch descriptor, mask and name (NUL-terminated; "" for an event about the watched
/// directory itself), or 0 when no whole event is left.
int limpet_inotify_next(const void *buf, size_t len, size_t *offset, int *wd, uint32_t *mask, const char **name);
/// Room for at least one event with the longest name.
extern const size_t LIMPET_INOTIFY_BUFFER;
extern const uint32_t LIMPET_IN_MODIFY, LIMPET_IN_ATTRIB, LIMPET_IN_CLOSE_WRITE, LIMPET_IN_MOVED_FROM,
    LIMPET_IN_MOVED_TO, LIMPET_IN_CREATE, LIMPET_IN_DELETE, LIMPET_IN_DELETE_SELF, LIMPET_IN_MOVE_SELF,
    LIMPET_IN_IGNORED, LIMPET_IN_Q_OVERFLOW, LIMPET_IN_ISDIR, LIMPET_IN_ONLYDIR;

#endif
