/* See test-reaper.h.  The sweep runs inside signal handlers, so it uses
 * only async-signal-safe calls: raw open/read/getdents64 on /proc, kill,
 * waitpid, nanosleep. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-reaper.h"

struct dirent64_raw {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Parent pid from /proc/<pid>/stat ("pid (comm) S ppid ..."); -1 if gone. */
static long proc_ppid(const char *pid)
{
	char path[64] = "/proc/";
	char buf[512];
	const char *p = NULL;
	size_t len = strlen(path);
	ssize_t n;
	long ppid = 0;
	int fd;

	if (strlen(pid) > 20)
		return -1;
	memcpy(path + len, pid, strlen(pid));
	memcpy(path + len + strlen(pid), "/stat", sizeof("/stat"));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may contain anything, even ')': the last ')' ends it. */
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == ')')
			p = buf + i;
	if (!p || !p[1] || !p[2] || !p[3])
		return -1;
	for (p += 4; *p == ' '; p++)
		;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		ppid = ppid * 10 + (*p - '0');
	return ppid;
}

static long to_pid(const char *s)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* SIGKILL every direct child. */
static void kill_children(void)
{
	long self = getpid();
	char buf[4096];
	long n;
	int dfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64_raw *d = (struct dirent64_raw *)(buf + off);
			long pid = to_pid(d->d_name);

			off += d->d_reclen;
			if (pid > 1 && pid != self && proc_ppid(d->d_name) == self)
				kill((pid_t)pid, SIGKILL);
		}
	}
	close(dfd);
}

int test_reaper_kill_all(void)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	int saved_errno = errno;
	int reaped = 0;

	/* Killing a child orphans its children, which then reparent to us
	 * (subreaper) and are killed in the next round.  Bounded: ~10 s. */
	for (int round = 0; round < 1000; round++) {
		pid_t r;

		kill_children();
		while ((r = waitpid(-1, NULL, WNOHANG | __WALL)) > 0)
			reaped++;
		if (r < 0 && errno == ECHILD)
			break;
		nanosleep(&pause, NULL);
	}
	errno = saved_errno;
	return reaped;
}

static const int fatal_signals[] = {SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGILL,
				    SIGFPE,  SIGTERM, SIGINT,  SIGHUP, SIGQUIT};

static char fatal_note[512];

void test_reaper_set_fatal_note(const char *text)
{
	size_t n = text ? strlen(text) : 0;

	if (n >= sizeof(fatal_note))
		n = sizeof(fatal_note) - 1;
	fatal_note[0] = '\0';
	if (n)
		memcpy(fatal_note, text, n);
	fatal_note[n] = '\0';
}

static void on_fatal_signal(int sig)
{
	test_reaper_kill_all();
	if (fatal_note[0] && write(STDERR_FILENO, fatal_note, strlen(fatal_note)) < 0)
		fatal_note[0] = '\0';
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	test_reaper_kill_all();
}

void test_reaper_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		abort();
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaction(fatal_signals[i], &sa, NULL);
	atexit(at_exit);
}

void test_reaper_child_setup(void *data)
{
	pid_t test_pid = (pid_t)(long)data;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* The test program may have died before prctl took effect. */
	if (getppid() != test_pid)
		_exit(127);
}
