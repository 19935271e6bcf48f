/*
 * logwrap: the entrypoint of every container the Docker scheduler starts.
 *
 *   logwrap <log-file> -- <command> [args...]
 *
 * Runs <command> with its stdout and stderr on pipes and appends every chunk it reads to
 * <log-file>, framed like Docker's multiplexed streams (8-byte header: stream byte, three zero
 * bytes, big-endian length; stream 1 is stdout, 2 is stderr), then copies the chunk to its own
 * stdout or stderr. The log file holds the exact bytes the command wrote, which Docker's log
 * drivers do not keep, and it is written from inside the container, so it stays complete while
 * nothing on the host is reading.
 *
 * Termination signals are forwarded to the command; logwrap exits with the command's exit code,
 * or 128 + signal when the command was killed. After the command exits, the pipes are drained for
 * a bounded time, so a background process that inherited them cannot keep logwrap alive.
 * A command that cannot be executed is reported on stderr (and so in the log) with exit 127.
 *
 * Masking: GOFER_LOG_MASK, when set, holds byte patterns as lower-case hex separated by commas,
 * longest first (the scheduler expands secret values with kernel/logs/log-masker.ts). logwrap
 * removes it from the environment before the command starts, then replaces every occurrence of
 * a pattern with "***" in both the log file and its own output, per stream, holding back only the
 * longest tail of a chunk that could still grow into a pattern and flushing it at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define DRAIN_MS 300
#define EXIT_SETUP 125
#define EXIT_NOT_FOUND 127

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

#define MASK_ENV "GOFER_LOG_MASK"

static volatile pid_t child_pid = 0;
static int chld_pipe[2] = {-1, -1};

/* Writes all of buf, retrying short writes and EINTR. Returns 0, or -1 with errno set. */
static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Prints one line on stderr: "logwrap: " and the strings up to the terminating NULL. */
static void say(const char *first, ...) {
    va_list ap;
    (void)write_all(2, "logwrap: ", 9);
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) (void)write_all(2, s, strlen(s));
    va_end(ap);
    (void)write_all(2, "\n", 1);
}

static void on_forwarded(int sig) {
    int saved = errno;
    if (child_pid > 0) kill(child_pid, sig);
    errno = saved;
}

static void on_chld(int sig) {
    int saved = errno;
    (void)sig;
    if (chld_pipe[1] >= 0) (void)write(chld_pipe[1], "c", 1);
    errno = saved;
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends one framed record to the log, header and data in one write so records never interleave. */
static char frame[8 + CHUNK];
static void append_record(int log_fd, int stream, const char *data, size_t len) {
    frame[0] = (char)stream;
    frame[1] = frame[2] = frame[3] = 0;
    frame[4] = (char)((len >> 24) & 0xff);
    frame[5] = (char)((len >> 16) & 0xff);
    frame[6] = (char)((len >> 8) & 0xff);
    frame[7] = (char)(len & 0xff);
    memcpy(frame + 8, data, len);
    if (write_all(log_fd, frame, 8 + len) < 0) say("cannot write the log file: ", strerror(errno), NULL);
}

/* Writes output to the log (in records of at most CHUNK bytes) and, best effort, to our stream. */
static void emit(int log_fd, int stream, const char *data, size_t len) {
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        append_record(log_fd, stream, data + off, n);
    }
    /* The copy to our own stream is best effort: nobody may be reading it. */
    if (len > 0) (void)write_all(stream, data, len);
}

/* Masking patterns, longest first, and per stream the tail held back from the last chunk. */
static char **patterns = NULL;
static size_t *pattern_lens = NULL;
static size_t n_patterns = 0;
static size_t longest_pattern = 0;
static char *held[3];
static size_t held_len[3];

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads GOFER_LOG_MASK and removes it, so the command never sees the patterns. */
static int load_patterns(void) {
    const char *spec = getenv(MASK_ENV);
    if (!spec || !*spec) {
        unsetenv(MASK_ENV);
        return 0;
    }
    size_t count = 1;
    for (const char *c = spec; *c; c++) count += *c == ',';
    patterns = calloc(count, sizeof *patterns);
    pattern_lens = calloc(count, sizeof *pattern_lens);
    if (!patterns || !pattern_lens) return -1;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t hex_len = end ? (size_t)(end - p) : strlen(p);
        if (hex_len % 2 != 0) return -1;
        if (hex_len > 0) {
            char *bytes = malloc(hex_len / 2);
            if (!bytes) return -1;
            for (size_t i = 0; i < hex_len / 2; i++) {
                int hi = hex_value(p[2 * i]), lo = hex_value(p[2 * i + 1]);
                if (hi < 0 || lo < 0) return -1;
                bytes[i] = (char)(hi * 16 + lo);
            }
            patterns[n_patterns] = bytes;
            pattern_lens[n_patterns] = hex_len / 2;
            if (hex_len / 2 > longest_pattern) longest_pattern = hex_len / 2;
            n_patterns++;
        }
        p += hex_len + (end ? 1 : 0);
    }
    /* Clear the value in place too, so it does not linger in this process's environment. */
    unsetenv(MASK_ENV);
    return 0;
}

/*
 * The length of the longest pattern matching whole at data[i..len), 0 when none can, or -1 when
 * data ends inside what could still be a pattern (the caller then holds the rest back).
 */
static long match_at(const char *data, size_t i, size_t len) {
    size_t left = len - i;
    int partial = 0;
    for (size_t k = 0; k < n_patterns; k++) {
        size_t plen = pattern_lens[k];
        if (plen <= left) {
            if (memcmp(data + i, patterns[k], plen) == 0) return partial ? -1 : (long)plen;
        } else if (memcmp(data + i, patterns[k], left) == 0) {
            partial = 1;
        }
    }
    return partial ? -1 : 0;
}

/*
 * Masks held + chunk for one stream and emits what is safe to write. At the end of the stream
 * (final), nothing is held back: a tail that is only a prefix stays as it is.
 */
static void mask_and_emit(int log_fd, int stream, const char *chunk, size_t n, int final) {
    if (n_patterns == 0) {
        emit(log_fd, stream, chunk, n);
        return;
    }
    size_t len = held_len[stream] + n;
    char *data = malloc(len + 1);
    /* "***" is never longer than the shortest pattern times three, so 3x always fits. */
    char *out = malloc(3 * len + 3);
    if (!data || !out) {
        say("out of memory while masking; output dropped", NULL);
        free(data);
        free(out);
        return;
    }
    if (held_len[stream] > 0) memcpy(data, held[stream], held_len[stream]);
    if (n > 0) memcpy(data + held_len[stream], chunk, n);
    free(held[stream]);
    held[stream] = NULL;
    held_len[stream] = 0;

    size_t o = 0, i = 0;
    while (i < len) {
        long m = match_at(data, i, len);
        if (m < 0 && !final) {
            held_len[stream] = len - i;
            held[stream] = malloc(held_len[stream]);
            if (held[stream]) memcpy(held[stream], data + i, held_len[stream]);
            else held_len[stream] = 0;
            break;
        }
        if (m < 0 && final) {
            /* Only a prefix at the very end; a whole shorter pattern inside it is still masked. */
            long whole = 0;
            for (size_t k = 0; k < n_patterns && !whole; k++) {
                size_t plen = pattern_lens[k];
                if (plen <= len - i && memcmp(data + i, patterns[k], plen) == 0) whole = (long)plen;
            }
            m = whole;
        }
        if (m > 0) {
            memcpy(out + o, "***", 3);
            o += 3;
            i += (size_t)m;
        } else {
            out[o++] = data[i++];
        }
    }
    emit(log_fd, stream, out, o);
    free(data);
    free(out);
}

/* Reads one chunk from a pipe; returns 0 at end of file (the fd is then closed and set to -1). */
static int pump(int *fd, int stream, int log_fd) {
    static char buf[CHUNK];
    ssize_t n;
    do n = read(*fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return 1;
    if (n <= 0) {
        close(*fd);
        *fd = -1;
        mask_and_emit(log_fd, stream, NULL, 0, 1);
        return 0;
    }
    mask_and_emit(log_fd, stream, buf, (size_t)n, 0);
    return 1;
}

static void run_child(char **argv, int out_w, int err_w, sigset_t *old_mask) {
    for (size_t i = 0; i < N_FORWARDED; i++) signal(forwarded[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, old_mask, NULL);
    if (dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) _exit(EXIT_SETUP);
    execvp(argv[0], argv);
    int err = errno;
    say("cannot run '", argv[0], "': ", strerror(err),
        err == ENOENT ? " (is the command in the image and on its PATH?)" : "", NULL);
    _exit(err == ENOENT ? EXIT_NOT_FOUND : 126);
}

int main(int argc, char **argv) {
    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        say("usage: logwrap <log-file> -- <command> [args...]", NULL);
        return EXIT_SETUP;
    }
    if (load_patterns() < 0) {
        say("the ", MASK_ENV, " environment variable is malformed; refusing to run unmasked", NULL);
        return EXIT_SETUP;
    }
    int log_fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (log_fd < 0) {
        say("cannot open the log file '", argv[1], "': ", strerror(errno), NULL);
        return EXIT_SETUP;
    }

    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
        pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        say("cannot create pipes: ", strerror(errno), NULL);
        return EXIT_SETUP;
    }

    /* Signals stay blocked until the child's pid is known, so none is lost or misdirected. */
    sigset_t block, old_mask;
    sigemptyset(&block);
    for (size_t i = 0; i < N_FORWARDED; i++) sigaddset(&block, forwarded[i]);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old_mask);

    pid_t pid = fork();
    if (pid < 0) {
        say("cannot fork: ", strerror(errno), NULL);
        return EXIT_SETUP;
    }
    if (pid == 0) run_child(argv + 3, out[1], err[1], &old_mask);

    child_pid = pid;
    close(out[1]);
    close(err[1]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_forwarded;
    for (size_t i = 0; i < N_FORWARDED; i++) sigaction(forwarded[i], &sa, NULL);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);

    int fds[2] = {out[0], err[0]};
    int status = 0, exited = 0;
    long drain_deadline = 0;
    while (fds[0] >= 0 || fds[1] >= 0 || !exited) {
        if (!exited) {
            pid_t w;
            do w = waitpid(pid, &status, WNOHANG);
            while (w < 0 && errno == EINTR);
            if (w == pid) {
                exited = 1;
                drain_deadline = now_ms() + DRAIN_MS;
            }
        }
        if (exited && fds[0] < 0 && fds[1] < 0) break;
        int timeout = -1;
        if (exited) {
            long left = drain_deadline - now_ms();
            if (left <= 0) break;
            timeout = (int)left;
        }

        struct pollfd p[3] = {
            {.fd = fds[0], .events = POLLIN},
            {.fd = fds[1], .events = POLLIN},
            {.fd = exited ? -1 : chld_pipe[0], .events = POLLIN},
        };
        int n = poll(p, 3, timeout);
        if (n < 0 && errno != EINTR) {
            say("poll failed: ", strerror(errno), NULL);
            break;
        }
        if (n <= 0) continue;
        /* Stdout first, then stderr: within one poll round the order is arbitrary anyway. */
        if (p[0].revents) pump(&fds[0], 1, log_fd);
        if (p[1].revents) pump(&fds[1], 2, log_fd);
        if (p[2].revents) {
            char sink[64];
            while (read(chld_pipe[0], sink, sizeof sink) > 0) {
            }
        }
    }

    if (!exited) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    /* A pipe cut off by the drain deadline still has its held tail written out. */
    mask_and_emit(log_fd, 1, NULL, 0, 1);
    mask_and_emit(log_fd, 2, NULL, 0, 1);
    fsync(log_fd);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
