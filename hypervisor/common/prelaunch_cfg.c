// SPDX-License-Identifier: BSD-3-Clause
/*
 * The module string of a pre-launched VM (prelaunch.h), parsed without
 * touching anything else so that it is host-tested:
 *
 *   prelaunched_vm name=NAME mem=SIZE[M|G] [cpus=N] [-- KERNEL COMMAND LINE]
 *
 * GRUB may put the module's own path first; cmdline_skip_path() drops it.
 */
#include "lib.h"
#include "cmdline.h"
#include "prelaunch.h"

/* Below this a Linux kernel has no room (it loads at 16 MiB). */
#define PRELAUNCH_MEM_MIN MiB(18)
#define PRELAUNCH_MEM_MAX GiB(2)

static bool word_is(const char *w, size_t len, const char *s)
{
	return strlen(s) == len && !strncmp(w, s, len);
}

/* Our printf has no precision: the word to quote in an error, cut to fit. */
static const char *quote(char *buf, size_t size, const char *w, size_t len)
{
	size_t n = MIN(len, size - 1);

	memcpy(buf, w, n);
	buf[n] = '\0';
	return buf;
}

static int parse_size(const char *s, size_t len, u64 *ret)
{
	u32 shift;
	u64 v;

	if (len < 2)
		return -HV_EINVAL;
	if (s[len - 1] == 'M' || s[len - 1] == 'm')
		shift = 20;
	else if (s[len - 1] == 'G' || s[len - 1] == 'g')
		shift = 30;
	else
		return -HV_EINVAL;
	if (hv_parse_u64(s, len - 1, &v) || v > (PRELAUNCH_MEM_MAX >> shift))
		return -HV_EINVAL;
	*ret = v << shift;
	return 0;
}

int prelaunch_parse(const char *s, struct prelaunch_cfg *cfg, char *err, size_t err_size)
{
	const char *p = cmdline_skip_path(s);
	size_t klen = strlen(PRELAUNCH_KEYWORD);
	bool have_name = false;
	char q[40];

	if (strncmp(p, PRELAUNCH_KEYWORD, klen) || (p[klen] && p[klen] != ' '))
		return 1;
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	p += klen;
	for (;;) {
		const char *w, *eq;
		size_t len;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ')
			p++;
		len = (size_t)(p - w);
		if (word_is(w, len, "--")) {
			while (*p == ' ')
				p++;
			if (strlen(p) >= sizeof(cfg->cmdline)) {
				hv_snprintf(err, err_size,
					    "kernel command line longer than %u bytes",
					    (u32)sizeof(cfg->cmdline) - 1);
				return -HV_EINVAL;
			}
			hv_strlcpy(cfg->cmdline, p, sizeof(cfg->cmdline));
			break;
		}
		for (eq = w; eq < p && *eq != '='; eq++)
			;
		if (eq == p) {
			hv_snprintf(err, err_size, "'%s': expected name=, mem=, cpus= or --",
				    quote(q, sizeof(q), w, len));
			return -HV_EINVAL;
		}
		if (word_is(w, (size_t)(eq - w), "name")) {
			size_t n = (size_t)(p - eq - 1);

			if (!n || n >= sizeof(cfg->name)) {
				hv_snprintf(err, err_size, "name= must have 1 to %u characters",
					    (u32)sizeof(cfg->name) - 1);
				return -HV_EINVAL;
			}
			memcpy(cfg->name, eq + 1, n);
			cfg->name[n] = '\0';
			have_name = true;
		} else if (word_is(w, (size_t)(eq - w), "mem")) {
			if (parse_size(eq + 1, (size_t)(p - eq - 1), &cfg->mem) ||
			    cfg->mem < PRELAUNCH_MEM_MIN || cfg->mem % MiB(2)) {
				hv_snprintf(err, err_size,
					    "mem='%s': a multiple of 2 MiB from 18M to 2G, "
					    "with M or G",
					    quote(q, sizeof(q), eq + 1, (size_t)(p - eq - 1)));
				return -HV_EINVAL;
			}
		} else if (word_is(w, (size_t)(eq - w), "cpus")) {
			u64 n;

			if (hv_parse_u64(eq + 1, (size_t)(p - eq - 1), &n) || !n ||
			    n > PRELAUNCH_MAX_VCPUS) {
				hv_snprintf(err, err_size, "cpus='%s': a number from 1 to %u",
					    quote(q, sizeof(q), eq + 1, (size_t)(p - eq - 1)),
					    PRELAUNCH_MAX_VCPUS);
				return -HV_EINVAL;
			}
			cfg->cpus = (u32)n;
		} else {
			hv_snprintf(err, err_size, "unknown option '%s'",
				    quote(q, sizeof(q), w, (size_t)(eq - w)));
			return -HV_EINVAL;
		}
	}
	if (!have_name || !cfg->mem) {
		hv_snprintf(err, err_size, "%s", !have_name ? "name= missing" : "mem= missing");
		return -HV_EINVAL;
	}
	return 0;
}
