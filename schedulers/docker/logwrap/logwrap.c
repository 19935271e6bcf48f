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
#define DRAIN_MS 2000
#define EXIT_SETUP 125
#define EXIT_NOT_FOUND 127

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

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
        return 0;
    }
    append_record(log_fd, stream, buf, (size_t)n);
    /* The copy to our own stream is best effort: nobody may be reading it. */
    (void)write_all(stream, buf, (size_t)n);
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
    fsync(log_fd);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
