/*
 * uvm-bench: the measuring half of bench/uvm-linux-boot.sh, run in the
 * Linux User VM of the uvm-linux scenario (from its initramfs) and in the
 * Service VM (the same static binary), so both sides of a comparison run
 * the same code. Every number is in TSC ticks read with RDTSC around the
 * measured loop: under Bochs they count emulated work, not host time.
 *
 *   uvm-bench pio PORT COUNT
 *       COUNT 16-bit reads of I/O port PORT (ioperm); in the User VM each is
 *       an I/O request that acrn-dm answers. Prints the mean per read.
 *   uvm-bench read PATH BLOCK_KIB
 *       reads PATH from start to end in BLOCK_KIB pieces (buffered, after
 *       asking the kernel to drop what it caches of it). Prints bytes and
 *       ticks.
 *
 * Output lines start with "UVM-BENCH:" so the scenario can pick them out of
 * the guest's console. Exit status 2 for bad arguments, 1 when the
 * measurement could not be made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <unistd.h>

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	/* LFENCE keeps RDTSC from running ahead of the loads it brackets. */
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int bench_pio(unsigned long port, unsigned long count)
{
	if (ioperm(port, 2, 1) < 0) {
		fprintf(stderr, "uvm-bench: ioperm(%#lx): %s\n", port, strerror(errno));
		return 1;
	}
	/* One read first: the first request also pays for paging in this code. */
	unsigned int sum = inw(port);
	uint64_t t0 = rdtsc_ordered();
	for (unsigned long i = 0; i < count; i++)
		sum += inw(port);
	uint64_t t1 = rdtsc_ordered();
	printf("UVM-BENCH: pio port=%#lx reads=%lu ticks=%llu per_read=%llu (sum %u)\n", port,
	       count, (unsigned long long)(t1 - t0), (unsigned long long)((t1 - t0) / count), sum);
	return 0;
}

static int bench_read(const char *path, unsigned long block_kib)
{
	size_t block = block_kib * 1024;
	char *buf = malloc(block);
	int fd = open(path, O_RDONLY);

	if (!buf || fd < 0) {
		fprintf(stderr, "uvm-bench: %s: %s\n", path, strerror(errno));
		free(buf);
		return 1;
	}
	/* A cold read where the kernel allows it (a block device, a disk
	 * file); tmpfs keeps its pages, which is what it is for. */
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	unsigned long long total = 0;
	int rc = 0;
	uint64_t t0 = rdtsc_ordered();
	for (;;) {
		ssize_t n = read(fd, buf, block);
		if (n < 0) {
			fprintf(stderr, "uvm-bench: read %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		if (n == 0)
			break;
		total += (unsigned long long)n;
	}
	uint64_t t1 = rdtsc_ordered();
	close(fd);
	free(buf);
	if (rc == 0)
		printf("UVM-BENCH: read path=%s block=%zu bytes=%llu ticks=%llu\n", path, block,
		       total, (unsigned long long)(t1 - t0));
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long a, b;

	if (argc == 4 && strcmp(argv[1], "pio") == 0) {
		if (parse_ulong(argv[2], 0xfffe, &a) < 0 ||
		    parse_ulong(argv[3], 100000000, &b) < 0) {
			fprintf(stderr, "uvm-bench: pio needs PORT (1-0xfffe) and COUNT (1-1e8)\n");
			return 2;
		}
		return bench_pio(a, b);
	}
	if (argc == 4 && strcmp(argv[1], "read") == 0) {
		if (parse_ulong(argv[3], 65536, &b) < 0) {
			fprintf(stderr, "uvm-bench: read needs BLOCK_KIB (1-65536)\n");
			return 2;
		}
		return bench_read(argv[2], b);
	}
	fprintf(stderr, "usage: uvm-bench pio PORT COUNT | uvm-bench read PATH BLOCK_KIB\n");
	return 2;
}
