// Allocation counter for perf/alloc.sh: an LD_PRELOAD library that counts calls to the C
// allocator and forwards each one to the real function (dlsym(RTLD_NEXT)).
//
//   gcc -O2 -shared -fPIC -o count.so count.c -ldl -lpthread
//   LIMPET_ALLOC_OUT=/tmp/counts LD_PRELOAD=./count.so limpet run ...
//
// Counted: malloc, calloc, realloc, reallocarray, aligned_alloc, posix_memalign, memalign,
// valloc, pvalloc (together "allocations", and each on its own), free (separately; free(NULL)
// is not counted), and the bytes asked for. Counters are relaxed atomics: exact totals, no lock.
//
// The counts leave the process through a file, never a signal (Limpet blocks its signals and
// sigwaits them): when LIMPET_ALLOC_OUT is set, a background thread rewrites that file every
// 50 ms (LIMPET_ALLOC_PERIOD_MS overrides), writing a temporary file and renaming it over the
// real one, so a reader sees either the old or the new snapshot, never half of one. The thread
// blocks every signal, so it never takes one meant for Limpet's sigwait, and it allocates
// nothing after it has started: the numbers are formatted by hand into a stack buffer. The file
// is one line of `name=value` pairs:
//
//   seq=12 allocs=3456 frees=3400 bytes=789012 malloc=... calloc=... realloc=...
//   aligned_alloc=... posix_memalign=... memalign=... valloc=... pid=1234
//
// `seq` grows by one per write, so a reader that wants counts taken after some moment waits
// until seq has moved on from the value it saw at that moment.
//
// Two empty, never-inlined functions are there for perf/alloc/trace.py (gdb): every counted
// allocation calls limpet_alloc_counted(bytes) and the reporter thread calls
// limpet_alloc_tick(seq) after each write, so a breakpoint on the first sees each allocation
// exactly once, and one on the second gives the gdb script a clock even when nothing allocates.
//
// Only the process started with LIMPET_ALLOC_OUT reports: the constructor removes the variable
// from the environment, so a program it starts counts (LD_PRELOAD is inherited) but writes nothing.
//
// dlsym itself may call calloc (for its error buffer) before the real functions are known;
// such early requests are served from a static arena, and free/realloc recognise its pointers.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { C_MALLOC, C_CALLOC, C_REALLOC, C_ALIGNED_ALLOC, C_POSIX_MEMALIGN, C_MEMALIGN, C_VALLOC,
       C_FREE, C_BYTES, C_COUNT };
static const char *const NAMES[C_COUNT] = {
    "malloc", "calloc", "realloc", "aligned_alloc", "posix_memalign", "memalign", "valloc",
    "frees", "bytes",
};
static uint64_t counts[C_COUNT];

// Called once per counted allocation: perf/alloc.sh's trace mode puts a gdb breakpoint here,
// so each allocation stops exactly once (a breakpoint on `malloc` would stop both in this
// library and in libc's). Not inlined, and the asm keeps the call from being dropped.
__attribute__((noinline, visibility("default"))) void limpet_alloc_counted(size_t bytes) {
    __asm__ volatile("" ::"r"(bytes) : "memory");
}

// Called by the reporter thread after each write (every 50 ms): the trace mode's gdb script
// breaks here to look at its clock, so it can end a capture on time even when nothing allocates.
__attribute__((noinline, visibility("default"))) void limpet_alloc_tick(uint64_t seq) {
    __asm__ volatile("" ::"r"(seq) : "memory");
}

static inline void bump(int which, size_t bytes) {
    limpet_alloc_counted(bytes);
    __atomic_fetch_add(&counts[which], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&counts[C_BYTES], (uint64_t)bytes, __ATOMIC_RELAXED);
}

// ------------------------------------------------------------------ real functions
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_reallocarray)(void *, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void (*real_free)(void *);

// Early requests (while dlsym runs) come from here; never freed.
static _Alignas(64) unsigned char arena[64 * 1024];
static size_t arena_used;
static int resolving;

static void *arena_alloc(size_t size, size_t align) {
    if (align < 16) align = 16;
    size_t start = (arena_used + align - 1) & ~(align - 1);
    if (start + size > sizeof arena) return NULL;
    arena_used = start + size;
    return arena + start;
}
static int in_arena(const void *p) {
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

static void resolve(void) {
    if (real_free || resolving) return;
    resolving = 1;   // single-threaded at this point: the first allocation happens before main
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_reallocarray = dlsym(RTLD_NEXT, "reallocarray");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
    real_valloc = dlsym(RTLD_NEXT, "valloc");
    real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
    real_free = dlsym(RTLD_NEXT, "free");
    resolving = 0;
}

// ------------------------------------------------------------------ interposers
void *malloc(size_t size) {
    if (!real_malloc) { resolve(); if (!real_malloc) return arena_alloc(size, 16); }
    bump(C_MALLOC, size);
    return real_malloc(size);
}

void *calloc(size_t n, size_t size) {
    if (!real_calloc) {
        resolve();
        if (!real_calloc) {   // arena memory is zero (static storage, never reused)
            if (size && n > SIZE_MAX / size) return NULL;
            return arena_alloc(n * size, 16);
        }
    }
    bump(C_CALLOC, n * size);
    return real_calloc(n, size);
}

void *realloc(void *p, size_t size) {
    if (in_arena(p)) {   // move an early block to the real heap (its old size is unknown: copy what fits)
        void *q = malloc(size);
        if (q) {
            size_t avail = (size_t)(arena + sizeof arena - (unsigned char *)p);
            memcpy(q, p, size < avail ? size : avail);
        }
        return q;
    }
    if (!real_realloc) { resolve(); if (!real_realloc) return arena_alloc(size, 16); }
    bump(C_REALLOC, size);
    return real_realloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) { errno = ENOMEM; return NULL; }
    return realloc(p, n * size);
}

void free(void *p) {
    if (!p || in_arena(p)) return;
    if (!real_free) { resolve(); if (!real_free) return; }
    __atomic_fetch_add(&counts[C_FREE], 1, __ATOMIC_RELAXED);
    real_free(p);
}

void *aligned_alloc(size_t align, size_t size) {
    if (!real_aligned_alloc) { resolve(); if (!real_aligned_alloc) return arena_alloc(size, align); }
    bump(C_ALIGNED_ALLOC, size);
    return real_aligned_alloc(align, size);
}

int posix_memalign(void **out, size_t align, size_t size) {
    if (!real_posix_memalign) {
        resolve();
        if (!real_posix_memalign) { *out = arena_alloc(size, align); return *out ? 0 : ENOMEM; }
    }
    bump(C_POSIX_MEMALIGN, size);
    return real_posix_memalign(out, align, size);
}

void *memalign(size_t align, size_t size) {
    if (!real_memalign) { resolve(); if (!real_memalign) return arena_alloc(size, align); }
    bump(C_MEMALIGN, size);
    return real_memalign(align, size);
}

void *valloc(size_t size) {
    if (!real_valloc) { resolve(); if (!real_valloc) return arena_alloc(size, 4096); }
    bump(C_VALLOC, size);
    return real_valloc(size);
}

void *pvalloc(size_t size) {
    if (!real_pvalloc) { resolve(); if (!real_pvalloc) return arena_alloc(size, 4096); }
    bump(C_VALLOC, size);
    return real_pvalloc(size);
}

// ------------------------------------------------------------------ reporter thread
static char out_path[4096];
static char tmp_path[4096 + 8];
static long period_ms = 50;

static char *put_str(char *w, const char *s) { while (*s) *w++ = *s++; return w; }
static char *put_u64(char *w, uint64_t v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *w++ = digits[--n];
    return w;
}

static void write_snapshot(uint64_t seq) {
    char buf[1024];
    char *w = buf;
    uint64_t snap[C_COUNT];
    for (int i = 0; i < C_COUNT; i++) snap[i] = __atomic_load_n(&counts[i], __ATOMIC_RELAXED);
    uint64_t allocs = 0;
    for (int i = C_MALLOC; i <= C_VALLOC; i++) allocs += snap[i];
    w = put_str(w, "seq="); w = put_u64(w, seq);
    w = put_str(w, " allocs="); w = put_u64(w, allocs);
    for (int i = C_FREE; i <= C_BYTES; i++) {
        w = put_str(w, " "); w = put_str(w, NAMES[i]); w = put_str(w, "="); w = put_u64(w, snap[i]);
    }
    for (int i = C_MALLOC; i <= C_VALLOC; i++) {
        w = put_str(w, " "); w = put_str(w, NAMES[i]); w = put_str(w, "="); w = put_u64(w, snap[i]);
    }
    w = put_str(w, " pid="); w = put_u64(w, (uint64_t)getpid());
    *w++ = '\n';

    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    const char *p = buf;
    size_t left = (size_t)(w - buf);
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0) { if (errno == EINTR) continue; break; }
        p += n; left -= (size_t)n;
    }
    close(fd);
    if (left == 0) rename(tmp_path, out_path);
}

static void *reporter(void *arg) {
    (void)arg;
    struct timespec ts = { period_ms / 1000, (period_ms % 1000) * 1000000L };
    for (uint64_t seq = 1;; seq++) {
        write_snapshot(seq);
        limpet_alloc_tick(seq);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
        ts.tv_sec = period_ms / 1000; ts.tv_nsec = (period_ms % 1000) * 1000000L;
    }
    return NULL;
}

__attribute__((constructor)) static void start_reporter(void) {
    resolve();
    const char *path = getenv("LIMPET_ALLOC_OUT");
    if (!path || !*path || strlen(path) >= sizeof out_path) return;
    strcpy(out_path, path);
    strcpy(tmp_path, path);
    strcat(tmp_path, ".tmp");
    unsetenv("LIMPET_ALLOC_OUT");   // a child process Limpet may start reports nothing over ours
    const char *period = getenv("LIMPET_ALLOC_PERIOD_MS");
    if (period && atol(period) > 0) period_ms = atol(period);

    // Create the thread with every signal blocked: it inherits that mask, so no signal sent to
    // the process (SIGHUP, SIGTERM, ...) is ever delivered to it instead of to Limpet's sigwait.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    if (pthread_create(&t, NULL, reporter, NULL) == 0) pthread_detach(t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
