#include "limpet_shims.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <liburing.h>

_Static_assert(sizeof(uint64_t) == sizeof(void *), "64-bit user_data carries tags");

const uint32_t LIMPET_EPOLLIN = EPOLLIN, LIMPET_EPOLLOUT = EPOLLOUT, LIMPET_EPOLLERR = EPOLLERR,
               LIMPET_EPOLLHUP = EPOLLHUP, LIMPET_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t LIMPET_CQE_F_MORE = IORING_CQE_F_MORE;
const uint32_t LIMPET_CQE_F_BUFFER = IORING_CQE_F_BUFFER, LIMPET_CQE_BUFFER_SHIFT = IORING_CQE_BUFFER_SHIFT;

// MARK: sockets

int limpet_accept(int fd, struct sockaddr_storage *peer, socklen_t *peer_len) {
    *peer_len = sizeof *peer;
    int c = accept4(fd, (struct sockaddr *)peer, peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return c < 0 ? -errno : c;
}

int limpet_connect(int fd, const struct sockaddr *addr, socklen_t len) {
    return connect(fd, addr, len) == 0 ? 0 : -errno;
}

ssize_t limpet_recv(int fd, void *buf, size_t len) {
    ssize_t n = recv(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    return n < 0 ? -errno : n;
}

ssize_t limpet_send(int fd, const void *buf, size_t len) {
    ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    return n < 0 ? -errno : n;
}

int limpet_format_ip(const struct sockaddr_storage *addr, char *out, size_t cap) {
    const void *src = addr->ss_family == AF_INET6
        ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
        : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;
    if (!inet_ntop(addr->ss_family, src, out, (socklen_t)cap)) return 0;
    return (int)strlen(out);
}

// MARK: pipes and splice

int limpet_pipe(int fds[2], int size) {
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -errno;
    if (size > 0) (void)fcntl(fds[0], F_SETPIPE_SZ, size);
    return 0;
}

ssize_t limpet_splice(int fd_in, int fd_out, size_t len, int more) {
    unsigned flags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE | (more ? SPLICE_F_MORE : 0);
    ssize_t n = splice(fd_in, NULL, fd_out, NULL, len, flags);
    return n < 0 ? -errno : n;
}

// MARK: epoll

int limpet_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int limpet_epoll_add(int epfd, int fd, uint64_t data) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = data};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int limpet_epoll_add_level_in(int epfd, int fd, uint64_t data) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = data};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int limpet_epoll_del(int epfd, int fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : -errno;
}

int limpet_epoll_wait(int epfd, uint64_t *datas, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        datas[i] = evs[i].data.u64;
        events[i] = evs[i].events;
    }
    return n;
}

// MARK: eventfd, threads, signals

int limpet_eventfd(void) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int limpet_eventfd_signal(int fd) {
    uint64_t one = 1;
    return write(fd, &one, sizeof one) == sizeof one ? 0 : -errno;
}

int limpet_eventfd_drain(int fd) {
    uint64_t value;
    return read(fd, &value, sizeof value) == sizeof value ? 0 : -errno;
}

int limpet_pin_thread(int index) {
    // The index-th CPU the process may run on (taskset, cgroups), not the index-th CPU of the machine.
    cpu_set_t allowed, set;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -errno;
    int count = CPU_COUNT(&allowed);
    if (count == 0) return -EINVAL;
    int want = index % count, seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        if (seen++ == want) {
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            return -pthread_setaffinity_np(pthread_self(), sizeof set, &set);
        }
    }
    return -EINVAL;
}

int limpet_online_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void limpet_signal_set(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
}

void limpet_block_signals(void) {
    sigset_t set;
    limpet_signal_set(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int limpet_wait_signal(void) {
    sigset_t set;
    limpet_signal_set(&set);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {}
    return sig;
}

long limpet_raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -errno;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return (long)rl.rlim_cur;
}

uint64_t limpet_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// MARK: io_uring

struct limpet_ring;
static struct io_uring_sqe *limpet_sqe(struct limpet_ring *r, int *err);

struct limpet_ring {
    struct io_uring ring;
    struct io_uring_buf_ring *buf_ring;  // NULL until limpet_ring_setup_buffers succeeds
    unsigned buf_count, buf_size;
    char *bufs;
};

limpet_ring *limpet_ring_create(unsigned entries, int *err) {
    limpet_ring *r = calloc(1, sizeof *r);
    if (!r) {
        *err = -ENOMEM;
        return NULL;
    }
    struct io_uring_params p = {0};
    p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
    int ret = io_uring_queue_init_params(entries, &r->ring, &p);
    if (ret < 0) {
        // Older kernels reject the optional flags; try once without them.
        memset(&p, 0, sizeof p);
        ret = io_uring_queue_init_params(entries, &r->ring, &p);
    }
    if (ret < 0) {
        free(r);
        *err = ret;
        return NULL;
    }
    return r;
}

void limpet_ring_destroy(limpet_ring *r) {
    if (!r) return;
    io_uring_queue_exit(&r->ring);
    if (r->buf_ring) {
        munmap(r->buf_ring, r->buf_count * sizeof(struct io_uring_buf));
        munmap(r->bufs, (size_t)r->buf_count * r->buf_size);
    }
    free(r);
}

int limpet_ring_setup_buffers(limpet_ring *r, unsigned count, unsigned size) {
    size_t ring_bytes = count * sizeof(struct io_uring_buf);
    void *br = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (br == MAP_FAILED) return -errno;
    // Buffer memory is only backed by pages once the kernel writes into it.
    void *bufs = mmap(NULL, (size_t)count * size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (bufs == MAP_FAILED) {
        int err = errno;
        munmap(br, ring_bytes);
        return -err;
    }
    struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)br, .ring_entries = count, .bgid = 0};
    int ret = io_uring_register_buf_ring(&r->ring, &reg, 0);
    if (ret < 0) {
        munmap(br, ring_bytes);
        munmap(bufs, (size_t)count * size);
        return ret;
    }
    r->buf_ring = br;
    r->bufs = bufs;
    r->buf_count = count;
    r->buf_size = size;
    io_uring_buf_ring_init(r->buf_ring);
    int mask = io_uring_buf_ring_mask(count);
    for (unsigned i = 0; i < count; i++) {
        io_uring_buf_ring_add(r->buf_ring, r->bufs + (size_t)i * size, size, (unsigned short)i, mask, (int)i);
    }
    io_uring_buf_ring_advance(r->buf_ring, (int)count);
    return 0;
}

int limpet_ring_recv_provided(limpet_ring *r, int fd, uint64_t user_data, int poll_first) {
    int err;
    struct io_uring_sqe *sqe = limpet_sqe(r, &err);
    if (!sqe) return err;
    io_uring_prep_recv(sqe, fd, NULL, r->buf_size, 0);
    if (poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    io_uring_sqe_set_data64(sqe, user_data);
    return 0;
}

void *limpet_ring_buffer(limpet_ring *r, unsigned bid) {
    return r->bufs + (size_t)bid * r->buf_size;
}

void limpet_ring_recycle(limpet_ring *r, unsigned bid) {
    io_uring_buf_ring_add(r->buf_ring, r->bufs + (size_t)bid * r->buf_size, r->buf_size, (unsigned short)bid,
                          io_uring_buf_ring_mask(r->buf_count), 0);
    io_uring_buf_ring_advance(r->buf_ring, 1);
}

int limpet_ring_probe_ok(limpet_ring *r) {
    struct io_uring_probe *probe = io_uring_get_probe_ring(&r->ring);
    if (!probe) return 0;
    int ok = io_uring_opcode_supported(probe, IORING_OP_ACCEPT) &&
             io_uring_opcode_supported(probe, IORING_OP_RECV) &&
             io_uring_opcode_supported(probe, IORING_OP_SEND) &&
             io_uring_opcode_supported(probe, IORING_OP_CONNECT) &&
             io_uring_opcode_supported(probe, IORING_OP_SPLICE) &&
             io_uring_opcode_supported(probe, IORING_OP_POLL_ADD) &&
             io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL) &&
             io_uring_opcode_supported(probe, IORING_OP_READ);
    io_uring_free_probe(probe);
    return ok;
}

/// Submits what is queued, retrying EINTR: the count submitted, or -errno. -EBUSY (the completion queue
/// overflows) and -EAGAIN (no memory for more requests) leave the entries queued: the caller must consume
/// completions before trying again (io_uring_enter(2)).
static int limpet_flush(limpet_ring *r) {
    int ret;
    do {
        ret = io_uring_submit(&r->ring);
    } while (ret == -EINTR);
    return ret;
}

/// Room for `count` entries queued back to back: 0, or -errno when the queue is full and cannot be flushed.
static int limpet_room(limpet_ring *r, unsigned count) {
    if (io_uring_sq_space_left(&r->ring) >= count) return 0;
    int ret = limpet_flush(r);
    if (ret < 0) return ret;
    return io_uring_sq_space_left(&r->ring) >= count ? 0 : -EBUSY;
}

/// A free submission entry; when the queue is full, submits what is queued to make room. NULL with *err set when
/// that fails: the caller reaps completions and tries again, or reports the failure.
static struct io_uring_sqe *limpet_sqe(limpet_ring *r, int *err) {
    *err = limpet_room(r, 1);
    return *err == 0 ? io_uring_get_sqe(&r->ring) : NULL;
}

int limpet_ring_accept_multishot(limpet_ring *r, int fd, uint64_t user_data) {
    int err;
    struct io_uring_sqe *sqe = limpet_sqe(r, &err);
    if (!sqe) return err;
    io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, user_data);
    return 0;
}

int limpet_ring_recv(limpet_ring *r, int fd, void *buf, unsigned len, uint64_t user_data, int poll_first) {
    int err;
    struct io_uring_sqe *sqe = limpet_sqe(r, &err);
    if (!sqe) return err;
    io_uring_prep_recv(sqe, fd, buf, len, 0);
    if (poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    io_uring_sqe_set_data64(sqe, user_data);
    return 0;
}

int limpet_ring_send(limpet_ring *r, int fd, const void *buf, unsigned len, uint64_t user_data) {
    int err;
    struct io_uring_sqe *sqe = limpet_sqe(r, &err);
    if (!sqe) return err;
    io_uring_prep_send(sqe, fd, buf, len, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, user_data);
    return 0;
}

int limpet_ring_connect(limpet_ring *r, int fd, const struct sockaddr *addr, socklen_t len, uint64_t user_data) {
    int err;
    struct io_uring_sqe *sqe = limpet_sqe(r, &err);
    if (!sqe) return err;
    io_uring_prep_connect(sqe, fd, addr, len);
    io_uring_sqe_set_data64(sqe, user_data);
    return 0;
}

int limpet_ring_read(limpet_ring *r, int fd, void *buf, unsigned len, uint64_t user_data) {
    int err;
    struct io_uring_sqe *sqe = limpet_sqe(r, &err);
    if (!sqe) return err;
    io_uring_prep_read(sqe, fd, buf, len, 0);
    io_uring_sqe_set_data64(sqe, user_data);
    return 0;
}

int limpet_ring_poll_splice(limpet_ring *r, int poll_fd, int poll_out, int fd_in, int fd_out,
                            unsigned len, int more, uint64_t poll_user_data, uint64_t user_data) {
    // Two entries must be queued back to back for the link to hold: make room for both first, or queue neither
    // (a poll linked to whatever came next would be worse than an operation reported as failed).
    int err = limpet_room(r, 2);
    if (err < 0) return err;
    struct io_uring_sqe *poll = io_uring_get_sqe(&r->ring);
    io_uring_prep_poll_add(poll, poll_fd, poll_out ? POLLOUT : POLLIN);
    io_uring_sqe_set_data64(poll, poll_user_data);
    poll->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
    struct io_uring_sqe *sp = io_uring_get_sqe(&r->ring);
    io_uring_prep_splice(sp, fd_in, -1, fd_out, -1, len,
                         SPLICE_F_NONBLOCK | SPLICE_F_MOVE | (more ? SPLICE_F_MORE : 0));
    io_uring_sqe_set_data64(sp, user_data);
    return 0;
}

int limpet_ring_cancel_fd(limpet_ring *r, int fd, uint64_t user_data) {
    int err;
    struct io_uring_sqe *sqe = limpet_sqe(r, &err);
    if (!sqe) return err;
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, user_data);
    // At once if it can be; an entry left queued by -EBUSY goes with the next submission, still before the
    // descriptor closes (its owner waits for the cancelled operations' completions first).
    int ret = limpet_flush(r);
    return ret < 0 && ret != -EBUSY && ret != -EAGAIN ? ret : 0;
}

int limpet_ring_submit_wait(limpet_ring *r, int64_t timeout_ns) {
    struct io_uring_cqe *cqe = NULL;
    int ret;
    if (timeout_ns < 0) {
        ret = io_uring_submit_and_wait(&r->ring, 1);
    } else if (timeout_ns == 0) {
        ret = io_uring_submit(&r->ring);
    } else {
        struct __kernel_timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
        ret = io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1, &ts, NULL);
    }
    if (ret == -ETIME || ret == -EINTR) return 0;
    return ret;
}

int limpet_ring_reap(limpet_ring *r, uint64_t *user_data, int32_t *res, uint32_t *flags, int max) {
    struct io_uring_cqe *cqe;
    unsigned head, count = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
        if ((int)count == max) break;
        user_data[count] = cqe->user_data;
        res[count] = cqe->res;
        flags[count] = cqe->flags;
        count++;
    }
    io_uring_cq_advance(&r->ring, count);
    return (int)count;
}

// MARK: inotify (providers.file.watch)

#include <limits.h>
#include <sys/inotify.h>

_Static_assert(sizeof(struct inotify_event) == 16, "inotify_event: wd, mask, cookie, len, then the name");

const size_t LIMPET_INOTIFY_BUFFER = sizeof(struct inotify_event) + NAME_MAX + 1;
const uint32_t LIMPET_IN_MODIFY = IN_MODIFY, LIMPET_IN_ATTRIB = IN_ATTRIB, LIMPET_IN_CLOSE_WRITE = IN_CLOSE_WRITE,
               LIMPET_IN_MOVED_FROM = IN_MOVED_FROM, LIMPET_IN_MOVED_TO = IN_MOVED_TO, LIMPET_IN_CREATE = IN_CREATE,
               LIMPET_IN_DELETE = IN_DELETE, LIMPET_IN_DELETE_SELF = IN_DELETE_SELF,
               LIMPET_IN_MOVE_SELF = IN_MOVE_SELF, LIMPET_IN_IGNORED = IN_IGNORED,
               LIMPET_IN_Q_OVERFLOW = IN_Q_OVERFLOW, LIMPET_IN_ISDIR = IN_ISDIR, LIMPET_IN_ONLYDIR = IN_ONLYDIR;

int limpet_inotify_next(const void *buf, size_t len, size_t *offset, int *wd, uint32_t *mask, const char **name) {
    if (*offset + sizeof(struct inotify_event) > len) return 0;
    const struct inotify_event *ev = (const struct inotify_event *)((const char *)buf + *offset);
    if (*offset + sizeof *ev + ev->len > len) return 0;
    *wd = ev->wd;
    *mask = ev->mask;
    *name = ev->len > 0 ? ev->name : "";
    *offset += sizeof *ev + ev->len;
    return 1;
}

