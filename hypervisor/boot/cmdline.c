// SPDX-License-Identifier: BSD-3-Clause
/* Hypervisor command-line parsing (pure; host-tested). */
#include "cmdline.h"

static bool word_is(const char *w, size_t len, const char *name)
{
	return strlen(name) == len && !strncmp(w, name, len);
}

static int parse_word(const char *w, size_t len, struct hv_options *opt)
{
	const char *eq = NULL;
	size_t klen, i;
	u64 v;

	for (i = 0; i < len; i++) {
		if (w[i] == '=') {
			eq = w + i;
			break;
		}
	}
	klen = eq ? (size_t)(eq - w) : len;
	if (!eq) {
		if (word_is(w, len, "native"))
			opt->native = true;
		else if (word_is(w, len, "selftest"))
			opt->selftest = true;
		else if (word_is(w, len, "e9"))
			opt->e9 = true;
		return 0;
	}
	eq++;
	len -= klen + 1;
	if (word_is(w, klen, "uart")) {
		if (word_is(eq, len, "none") || word_is(eq, len, "disabled")) {
			opt->uart_port = 0;
			return 0;
		}
		/* "port@0x2f8" is ACRN's spelling; accept both */
		if (len > 5 && !strncmp(eq, "port@", 5)) {
			eq += 5;
			len -= 5;
		}
		if (len > 2 && !(eq[0] == '0' && (eq[1] == 'x' || eq[1] == 'X'))) {
			/* uart=3f8: hex without prefix */
			char tmp[16];

			if (len + 3 > sizeof(tmp))
				return -HV_EINVAL;
			tmp[0] = '0';
			tmp[1] = 'x';
			memcpy(tmp + 2, eq, len);
			if (hv_parse_u64(tmp, len + 2, &v))
				return -HV_EINVAL;
		} else if (hv_parse_u64(eq, len, &v)) {
			return -HV_EINVAL;
		}
		if (v == 0 || v > 0xfff8)
			return -HV_EINVAL;
		opt->uart_port = (u16)v;
	} else if (word_is(w, klen, "loglevel")) {
		if (hv_parse_u64(eq, len, &v) || v > 6)
			return -HV_EINVAL;
		opt->loglevel = (int)v;
	}
	return 0;
}

int hv_parse_cmdline(const char *cmdline, struct hv_options *opt, char *err, size_t err_size)
{
	const char *p = cmdline;
	int bad = 0;

	opt->uart_port = HV_DEFAULT_UART;
	opt->loglevel = HV_DEFAULT_LOGLEVEL;
	opt->native = false;
	opt->selftest = false;
	opt->e9 = false;
	if (err_size)
		err[0] = '\0';
	while (p && *p) {
		const char *w;
		size_t len = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		w = p;
		while (p[len] && p[len] != ' ' && p[len] != '\t')
			len++;
		p += len;
		if (!len)
			continue;
		if (parse_word(w, len, opt)) {
			if (!bad && err_size) {
				char word[64];

				memcpy(word, w, MIN(len, sizeof(word) - 1));
				word[MIN(len, sizeof(word) - 1)] = '\0';
				hv_snprintf(err, err_size, "bad option '%s'", word);
			}
			bad++;
		}
	}
	return bad;
}

const char *cmdline_skip_path(const char *s)
{
	while (*s == ' ')
		s++;
	if (*s != '/')
		return s;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}
