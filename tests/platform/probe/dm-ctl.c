/*
 * dm-ctl: the uvm-linux scenario's client of acrn-dm's control socket
 * (docs/dm-control-protocol.md), for a busybox Service VM that has neither
 * acrnd nor a netcat that speaks AF_UNIX. Static, like cpuid-probe.
 *
 *   dm-ctl SOCKET REQUEST [EVENT]  send {"id":1,"request":REQUEST}; print every
 *                                  line received until the reply (and, with
 *                                  EVENT, until that event or the end of the
 *                                  connection); exit 0 if the reply is ok
 *                                  (and EVENT came), 1 if not, 2 on errors
 *   dm-ctl hv-counters             the hypervisor's free pages, VPIDs and VMs
 *                                  (CPUID 0x40000020) as shell-safe lines
 *
 * The replies are one compact JSON object per line (lib/dm-proto writes no
 * blanks), so matching `"id":1,` and `"ok":true` is exact enough here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int hv_counters(void)
{
	unsigned int a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000020), "c"(0));
	printf("hv_free_pages=%u\nhv_pool_pages=%u\nhv_free_vpids=%u\nhv_vms=%u\n", a, b, c, d);
	return 0;
}

/* Reads one line (without its newline) into buf; 0 at the end, -1 on errors. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return n ? 1 : 0;
		if (ch == '\n') {
			buf[n] = 0;
			return 1;
		}
		if (n + 1 < size)
			buf[n++] = ch;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static char line[65537];
	const char *want_event = argc > 3 ? argv[3] : NULL;
	char req[256], event_key[128];
	int fd, replied = 0, ok = 0, got_event = 0;

	if (argc == 2 && strcmp(argv[1], "hv-counters") == 0)
		return hv_counters();
	if (argc < 3 || argc > 4 || strlen(argv[1]) >= sizeof(sa.sun_path) ||
	    strlen(argv[2]) > 64 || (want_event && strlen(want_event) > 64)) {
		fprintf(stderr, "usage: dm-ctl SOCKET REQUEST [EVENT] | dm-ctl hv-counters\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "dm-ctl: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	snprintf(req, sizeof(req), "{\"id\":1,\"request\":\"%s\"}\n", argv[2]);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		fprintf(stderr, "dm-ctl: write: %s\n", strerror(errno));
		return 2;
	}
	if (want_event)
		snprintf(event_key, sizeof(event_key), "\"event\":\"%s\"", want_event);
	for (;;) {
		int r = read_line(fd, line, sizeof(line));

		if (r < 0) {
			fprintf(stderr, "dm-ctl: read: %s\n", strerror(errno));
			return 2;
		}
		if (r == 0)
			break;
		printf("%s\n", line);
		fflush(stdout);
		if (strstr(line, "\"id\":1,") && strstr(line, "\"ok\":")) {
			replied = 1;
			ok = strstr(line, "\"ok\":true") != NULL;
		}
		if (want_event && strstr(line, event_key))
			got_event = 1;
		if (replied && (!want_event || got_event || !ok))
			break;
	}
	close(fd);
	if (!replied) {
		fprintf(stderr, "dm-ctl: the connection ended without a reply\n");
		return 2;
	}
	if (want_event && ok && !got_event)
		fprintf(stderr, "dm-ctl: the connection ended without the %s event\n", want_event);
	return ok && (!want_event || got_event) ? 0 : 1;
}
