/* Word expansion for the launch-script reader: parameters, arrays, quoting,
 * command substitution and field splitting; see launch-script-private.h.
 * Nothing here fails because a value is unknown: unknown values become
 * placeholders (LS_UNKNOWN_MARK).  Errors are for the limits only. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "launch-script-private.h"

/* ------------------------------------------------------------------ */
/* Values                                                               */

void ls_var_free(Var *v)
{
	if (!v)
		return;
	g_free(v->value);
	if (v->array)
		g_ptr_array_unref(v->array);
	g_free(v);
}

Var *ls_var_new(const char *value)
{
	Var *v = g_new0(Var, 1);

	v->value = g_strdup(value);
	return v;
}

Var *ls_var_copy(const Var *v)
{
	Var *c = ls_var_new(v->value);

	if (v->array) {
		c->array = g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; i < v->array->len; i++)
			g_ptr_array_add(c->array, g_strdup(v->array->pdata[i]));
	}
	return c;
}

void ls_touch_var(Eval *ev, const char *name, guint line)
{
	if (ev->frames->len > 0)
		g_hash_table_insert(g_ptr_array_index(ev->frames, ev->frames->len - 1),
				    g_strdup(name), GUINT_TO_POINTER(line));
}

void ls_set_var(Eval *ev, const char *name, Var *v, guint line)
{
	if (ev->subshells > 0) {
		/* The journal keeps the old variable itself, not a copy: a big
		 * array assigned in a loop of subshells stays cheap. */
		gpointer key = NULL, old = NULL;
		UndoEntry u = {g_strdup(name), NULL};

		if (g_hash_table_steal_extended(ev->vars, name, &key, &old)) {
			g_free(key);
			u.old = old;
		}
		g_array_append_val(ev->undo, u);
	}
	ls_touch_var(ev, name, line);
	if (v)
		g_hash_table_replace(ev->vars, g_strdup(name), v);
	else
		g_hash_table_remove(ev->vars, name);
}

char *ls_unknown(Eval *ev, char *reason_owned)
{
	g_ptr_array_add(ev->unknowns, reason_owned);
	return g_strdup_printf("%c%u%c", LS_UNKNOWN_MARK, ev->unknowns->len - 1, LS_UNKNOWN_MARK);
}

gboolean ls_has_unknown(const char *s)
{
	return strchr(s, LS_UNKNOWN_MARK) != NULL;
}

const char *ls_unknown_reason(Eval *ev, const char *s)
{
	const char *m = strchr(s, LS_UNKNOWN_MARK);
	guint64 i;

	if (!m)
		return NULL;
	i = g_ascii_strtoull(m + 1, NULL, 10);
	return i < ev->unknowns->len ? ev->unknowns->pdata[i] : "unknown";
}

void ls_warn(Eval *ev, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	for (guint i = 0; i < ev->warnings->len; i++)
		if (strcmp(ev->warnings->pdata[i], msg) == 0)
			return;
	/* Enough to tell; and a bound for scripts with a warning per line. */
	if (ev->warnings->len == LS_MAX_WARNINGS)
		g_ptr_array_add(ev->warnings, g_strdup("(more warnings like these)"));
	if (ev->warnings->len > LS_MAX_WARNINGS)
		return;
	g_ptr_array_add(ev->warnings, g_steal_pointer(&msg));
}

gboolean ls_charge(Eval *ev, guint64 amount, GError **error)
{
	ev->work += amount;
	if (ev->work <= LS_MAX_WORK)
		return TRUE;
	g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE,
		    "the script needs more than %u steps to evaluate (commands run and bytes "
		    "expanded); launch scripts need a few thousand",
		    LS_MAX_WORK);
	return FALSE;
}

void ls_mark_arith_assignments(Eval *ev, const char *text, guint line)
{
	for (const char *p = text; *p;) {
		const char *start, *end, *q;
		gboolean assigns = FALSE;

		if (!(g_ascii_isalpha(*p) || *p == '_') ||
		    (p > text && (g_ascii_isalnum(p[-1]) || p[-1] == '_' || p[-1] == '$'))) {
			p++;
			continue;
		}
		start = p;
		while (g_ascii_isalnum(*p) || *p == '_')
			p++;
		end = p;
		q = end;
		while (*q == ' ' || *q == '\t')
			q++;
		if ((q[0] == '=' && q[1] != '=') || g_str_has_prefix(q, "++") ||
		    g_str_has_prefix(q, "--") ||
		    (q[0] && strchr("+-*/%&^|", q[0]) && q[1] == '=') ||
		    g_str_has_prefix(q, "<<=") || g_str_has_prefix(q, ">>="))
			assigns = TRUE;
		if (start >= text + 2 &&
		    (g_str_has_prefix(start - 2, "++") || g_str_has_prefix(start - 2, "--")))
			assigns = TRUE;
		if (assigns) {
			g_autofree char *name = g_strndup(start, (gsize)(end - start));
			g_autofree char *ph = ls_unknown(
			    ev,
			    g_strdup_printf("$%s is computed by shell arithmetic (line %u), which "
					    "acrnctl does not evaluate",
					    name, line));

			ls_set_var(ev, name, ls_var_new(ph), line);
		}
	}
}

static char *describe_unset(Eval *ev, const char *name)
{
	if (ls_all_digits(name))
		return g_strdup_printf("positional parameter $%s is not set: pass it after the "
				       "script name (acrnctl add SCRIPT ARGS...)",
				       name);
	if (ev->sourced->len > 0)
		return g_strdup_printf("$%s is not set by the script (it may come from %s, which "
				       "acrnctl does not read)",
				       name, (const char *)g_ptr_array_index(ev->sourced, 0));
	return g_strdup_printf("$%s is not set by the script (it would come from the "
			       "environment)",
			       name);
}

/* The separator "$*" and "${a[*]}" join with: the first character of IFS. */
static char *ifs_join(Eval *ev, GPtrArray *items)
{
	Var *ifs = g_hash_table_lookup(ev->vars, "IFS");
	char sep[2] = {' ', 0};

	if (ifs && !ls_has_unknown(ifs->value))
		sep[0] = ifs->value[0];
	g_ptr_array_add(items, NULL);
	g_autofree char *joined = g_strjoinv(sep, (char **)items->pdata);
	g_ptr_array_set_size(items, items->len - 1);
	return g_steal_pointer(&joined);
}

/* Looks a scalar parameter up: a new string (possibly with placeholders),
 * or NULL if unset. */
static char *lookup(Eval *ev, const char *name)
{
	if (ls_all_digits(name)) {
		guint64 n = g_ascii_strtoull(name, NULL, 10);

		if (n == 0)
			return g_strdup(ev->script_name);
		if (ev->positional_unknown)
			return g_strdup(ev->positional_unknown);
		/* A function's missing arguments are empty; the script's are
		 * probably arguments the user forgot to pass. */
		if (n > ev->positional->len)
			return ev->call_depth > 0 ? g_strdup("") : NULL;
		return g_strdup(g_ptr_array_index(ev->positional, n - 1));
	}
	if (strcmp(name, "#") == 0 || strcmp(name, "@") == 0 || strcmp(name, "*") == 0) {
		if (ev->positional_unknown)
			return g_strdup(ev->positional_unknown);
		if (name[0] == '#')
			return g_strdup_printf("%u", ev->positional->len);
		return ifs_join(ev, ev->positional);
	}
	if (!ls_is_name(name, strlen(name)))
		return ls_unknown(ev,
				  g_strdup_printf("$%s is only known when the script runs", name));
	Var *v = g_hash_table_lookup(ev->vars, name);

	return v ? g_strdup(v->value) : NULL;
}

/* ------------------------------------------------------------------ */
/* Fields                                                               */

typedef struct {
	GPtrArray *fields; /* char*, owned */
	GString *cur;
	gboolean started; /* cur holds a field, possibly empty */
	gboolean split;	  /* field splitting applies (not in assignments) */
	const char *ifs;  /* characters that split */
	/* Unquoted * or ?, or [ and then ], in the current field: the shell
	 * replaces it with the names of matching files (when splitting). */
	gboolean glob;
	gboolean open_bracket;
	Eval *ev;
	guint line;
} Fields;

static void fields_end(Fields *f)
{
	if (f->started) {
		if (f->glob && f->split && f->ev)
			g_ptr_array_add(
			    f->fields, ls_unknown(f->ev, g_strdup_printf(
							     "line %u: '%s' is a pattern the shell "
							     "replaces with the names of matching "
							     "files when the script runs; quote it",
							     f->line, f->cur->str)));
		else
			g_ptr_array_add(f->fields, g_strdup(f->cur->str));
		g_string_truncate(f->cur, 0);
		f->started = FALSE;
	}
	f->glob = FALSE;
	f->open_bracket = FALSE;
}

/* Pattern characters outside quotes. */
static void fields_note_glob(Fields *f, char c)
{
	if (c == '*' || c == '?')
		f->glob = TRUE;
	else if (c == '[')
		f->open_bracket = TRUE;
	else if (c == ']' && f->open_bracket)
		f->glob = TRUE;
}

static void fields_add_quoted(Fields *f, const char *s, gssize len)
{
	g_string_append_len(f->cur, s, len);
	f->started = TRUE;
}

/* Text from an unquoted expansion: subject to field splitting by IFS.
 * Placeholders contain no IFS character: an unknown value stays one
 * word. */
static void fields_add_unquoted(Fields *f, const char *s)
{
	if (!f->split) {
		fields_add_quoted(f, s, -1);
		return;
	}
	for (; *s; s++) {
		if (strchr(f->ifs, *s)) {
			if (*s == ' ' || *s == '\t' || *s == '\n') {
				fields_end(f);
			} else {
				f->started = TRUE; /* a,,b has an empty field */
				fields_end(f);
			}
		} else {
			fields_note_glob(f, *s);
			g_string_append_c(f->cur, *s);
			f->started = TRUE;
		}
	}
}

static void fields_add(Fields *f, const char *s, gboolean quoted)
{
	if (quoted)
		fields_add_quoted(f, s, -1);
	else
		fields_add_unquoted(f, s);
}

static gboolean expand_into(Eval *ev, const char *raw, Fields *f, guint line, GError **error);

/* Expands @word as a whole (no splitting) into a new string. */
static char *expand_string(Eval *ev, const char *word, guint line, GError **error)
{
	Fields sub = {.fields = g_ptr_array_new_with_free_func(g_free),
		      .cur = g_string_new(NULL),
		      .split = FALSE,
		      .ifs = "",
		      .ev = ev,
		      .line = line};
	char *value = NULL;

	if (expand_into(ev, word, &sub, line, error)) {
		fields_end(&sub);
		value = g_strdup(sub.fields->len ? sub.fields->pdata[0] : "");
	}
	g_ptr_array_unref(sub.fields);
	g_string_free(sub.cur, TRUE);
	return value;
}

/* ------------------------------------------------------------------ */
/* ${...}                                                               */

/* Removes the shortest/longest prefix or suffix matching the glob
 * @pattern (* and ? only). */
static char *remove_affix(const char *value, const char *pattern, gboolean suffix, gboolean longest)
{
	gsize n = strlen(value);
	g_autoptr(GPatternSpec) spec = g_pattern_spec_new(pattern);

	for (gsize k = 0; k <= n; k++) {
		gsize len = longest ? n - k : k;
		g_autofree char *part = suffix ? g_strdup(value + n - len) : g_strndup(value, len);

		if (g_pattern_spec_match_string(spec, part))
			return suffix ? g_strndup(value, n - len) : g_strdup(value + len);
	}
	return g_strdup(value);
}

/* An array element or all of them ("@" / "*"). */
static gboolean braced_array(Eval *ev, const char *name, const char *index, gboolean quoted,
			     Fields *f, guint line, GError **error)
{
	Var *v = g_hash_table_lookup(ev->vars, name);

	if (strcmp(index, "@") == 0 || strcmp(index, "*") == 0) {
		GPtrArray *items = v ? v->array : NULL;
		g_autoptr(GPtrArray) single = g_ptr_array_new();

		if (v && !items) {
			g_ptr_array_add(single, v->value);
			items = single;
		}
		if (!items || items->len == 0)
			return TRUE;
		if (quoted && index[0] == '*') {
			g_autofree char *joined = ifs_join(ev, items);

			fields_add_quoted(f, joined, -1);
			return TRUE;
		}
		for (guint k = 0; k < items->len; k++) {
			if (k > 0 && !f->split)
				fields_add_quoted(f, " ", 1);
			else if (k > 0 && quoted)
				fields_end(f);
			else if (k > 0)
				fields_add_unquoted(f, " ");
			fields_add(f, items->pdata[k], quoted);
		}
		return TRUE;
	}
	{
		g_autofree char *idx = expand_string(ev, index, line, error);
		guint64 i;

		if (!idx)
			return FALSE;
		v = g_hash_table_lookup(ev->vars, name); /* idx may have changed it */
		if (ls_has_unknown(idx) ||
		    !g_ascii_string_to_unsigned(idx, 10, 0, G_MAXUINT, &i, NULL)) {
			g_autofree char *ph =
			    ls_has_unknown(idx)
				? g_strdup(idx)
				: ls_unknown(ev, g_strdup_printf("line %u: ${%s[%s]}: the index is "
								 "not a number",
								 line, name, index));
			fields_add(f, ph, quoted);
			return TRUE;
		}
		if (v && v->array && i < v->array->len)
			fields_add(f, v->array->pdata[i], quoted);
		else if (v && !v->array && i == 0)
			fields_add(f, v->value, quoted);
		else if (quoted)
			fields_add_quoted(f, "", 0);
		return TRUE;
	}
}

/* Expands a ${...} body; @quoted tells whether it appeared inside double
 * quotes. */
static gboolean expand_braced(Eval *ev, const char *body, gboolean quoted, Fields *f, guint line,
			      GError **error)
{
	gsize n = 0;
	g_autofree char *name = NULL;
	g_autofree char *value = NULL;
	const char *op;

	if (body[0] == '!' && body[1]) {
		g_autofree char *ph = ls_unknown(
		    ev, g_strdup_printf("line %u: indirect expansion ${%s} is not supported", line,
					body));
		fields_add(f, ph, quoted);
		return TRUE;
	}
	if (body[0] == '#' && body[1]) {
		/* ${#name}, ${#name[@]}: a length or an element count */
		const char *p = body + 1;
		gsize k = 0;
		g_autofree char *nm = NULL;
		g_autofree char *result = NULL;

		while (g_ascii_isalnum(p[k]) || p[k] == '_' || (k == 0 && strchr("@*#", p[k])))
			k++;
		nm = g_strndup(p, k);
		if (strcmp(p + k, "[@]") == 0 || strcmp(p + k, "[*]") == 0) {
			Var *v = g_hash_table_lookup(ev->vars, nm);

			result = g_strdup_printf("%u", v ? (v->array ? v->array->len : 1) : 0);
		} else if (p[k] == '\0' && k > 0) {
			g_autofree char *val = lookup(ev, nm);

			if (val && ls_has_unknown(val))
				result = g_strdup(val);
			else
				result = g_strdup_printf("%ld", val ? g_utf8_strlen(val, -1) : 0L);
		} else {
			result = ls_unknown(
			    ev, g_strdup_printf("line %u: parameter expansion ${%s} is not "
						"supported",
						line, body));
		}
		fields_add(f, result, quoted);
		return TRUE;
	}
	if (g_ascii_isdigit(body[0])) {
		while (g_ascii_isdigit(body[n]))
			n++;
	} else if (body[0] && strchr("@*#?$!-", body[0])) {
		n = 1;
	} else {
		while (g_ascii_isalnum(body[n]) || body[n] == '_')
			n++;
	}
	if (n == 0) {
		g_autofree char *ph = ls_unknown(
		    ev, g_strdup_printf("line %u: parameter expansion ${%s} is not supported", line,
					body));
		fields_add(f, ph, quoted);
		return TRUE;
	}
	name = g_strndup(body, n);
	op = body + n;
	if (*op == '[' && ls_is_name(name, n)) {
		const char *close = strchr(op, ']');

		if (close && close[1] == '\0') {
			g_autofree char *index = g_strndup(op + 1, (gsize)(close - op - 1));

			return braced_array(ev, name, index, quoted, f, line, error);
		}
		g_autofree char *ph = ls_unknown(
		    ev, g_strdup_printf("line %u: parameter expansion ${%s} is not supported", line,
					body));
		fields_add(f, ph, quoted);
		return TRUE;
	}
	if (strcmp(name, "@") == 0 && quoted && *op == '\0' && !ev->positional_unknown &&
	    f->split) {
		for (guint k = 0; k < ev->positional->len; k++) {
			if (k > 0)
				fields_end(f);
			fields_add_quoted(f, g_ptr_array_index(ev->positional, k), -1);
		}
		return TRUE;
	}
	if (strcmp(name, "?") == 0 || strcmp(name, "$") == 0 || strcmp(name, "!") == 0 ||
	    strcmp(name, "-") == 0)
		value =
		    ls_unknown(ev, g_strdup_printf("$%s is only known when the script runs", name));
	else
		value = lookup(ev, name);

	if (*op == '\0') {
		if (!value)
			value = ls_unknown(ev, describe_unset(ev, name));
	} else if (value && ls_has_unknown(value)) {
		/* Whatever the operator, the result depends on the unknown
		 * value: keep its placeholder (and reason). */
	} else if (*op == ':' && (g_ascii_isdigit(op[1]) || op[1] == ' ' || op[1] == '$')) {
		/* ${name:offset[:length]} */
		g_auto(GStrv) parts = g_strsplit(op + 1, ":", 2);
		g_autofree char *off_s = expand_string(ev, g_strstrip(parts[0]), line, error);
		g_autofree char *len_s =
		    parts[1] ? expand_string(ev, g_strstrip(parts[1]), line, error) : NULL;
		guint64 off, len = G_MAXUINT64;
		gsize vlen = value ? strlen(value) : 0;

		if (!off_s || (parts[1] && !len_s))
			return FALSE;
		if (!g_ascii_string_to_unsigned(off_s, 10, 0, G_MAXUINT, &off, NULL) ||
		    (len_s && !g_ascii_string_to_unsigned(len_s, 10, 0, G_MAXUINT, &len, NULL))) {
			g_free(value);
			value = ls_unknown(ev, g_strdup_printf("line %u: ${%s}: only offsets "
							       "and lengths that are plain "
							       "numbers are supported",
							       line, body));
		} else {
			g_autofree char *old = value;

			off = MIN(off, vlen);
			len = MIN(len, vlen - off);
			value = g_strndup(old ? old + off : "", (gsize)len);
		}
	} else if ((op[0] == '#' || op[0] == '%') && value) {
		gboolean longest = op[1] == op[0];
		g_autofree char *pat = expand_string(ev, op + (longest ? 2 : 1), line, error);
		g_autofree char *old = value;

		if (!pat)
			return FALSE;
		value = ls_has_unknown(pat) ? g_strdup(pat)
					    : remove_affix(old, pat, op[0] == '%', longest);
	} else if (op[0] == '#' || op[0] == '%') {
		value = ls_unknown(ev, describe_unset(ev, name));
	} else {
		gboolean colon = *op == ':';
		char kind = colon ? op[1] : op[0];
		const char *word = op + (colon ? 2 : 1);
		gboolean empty_or_unset = !value || (colon && value[0] == '\0');

		if (kind == '-' || kind == '=') {
			if (empty_or_unset) {
				g_free(value);
				value = expand_string(ev, word, line, error);
				if (!value)
					return FALSE;
				if (kind == '=' && ls_is_name(name, strlen(name)))
					ls_set_var(ev, name, ls_var_new(value), line);
			}
		} else if (kind == '+') {
			g_free(value);
			value =
			    empty_or_unset ? g_strdup("") : expand_string(ev, word, line, error);
			if (!value)
				return FALSE;
		} else if (kind == '?' && !empty_or_unset) {
			/* set: the value itself */
		} else {
			g_free(value);
			value = ls_unknown(ev, g_strdup_printf("line %u: parameter expansion "
							       "${%s} is not supported",
							       line, body));
		}
	}
	fields_add(f, value, quoted);
	return TRUE;
}

/* Finds the end of a "$(" / "${" construct starting at p (pointing at the
 * opening bracket); returns a pointer to the closing bracket. */
static const char *find_closing(const char *p, char open, char close)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (!q)
				return NULL;
			p = q;
		} else if (*p == open) {
			depth++;
		} else if (*p == close && --depth == 0) {
			return p;
		}
	}
	return NULL;
}

static gboolean substitute(Eval *ev, const char *body, gboolean quoted, Fields *f, guint line,
			   GError **error)
{
	g_autofree char *out = NULL;
	gsize n;

	if (ev->expand_depth >= LS_MAX_EXPANSION_DEPTH) {
		g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX,
			    "line %u: expansions nested more than %u deep", line,
			    LS_MAX_EXPANSION_DEPTH);
		return FALSE;
	}
	ev->expand_depth++;
	out = ls_command_substitution(ev, body, line, error);
	ev->expand_depth--;
	if (!out)
		return FALSE;
	/* $(...) drops trailing newlines. */
	n = strlen(out);
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	fields_add(f, out, quoted);
	return TRUE;
}

/* Handles a '$' at *pp (inside double quotes when @quoted). */
static gboolean expand_dollar(Eval *ev, const char **pp, gboolean quoted, Fields *f, guint line,
			      GError **error)
{
	const char *p = *pp + 1;

	if (*p == '(' || *p == '[') {
		char close = *p == '(' ? ')' : ']';
		const char *end = find_closing(p, *p, close);
		g_autofree char *body = NULL;

		if (!end) {
			g_autofree char *ph =
			    ls_unknown(ev, g_strdup_printf("line %u: unterminated $%c", line, *p));
			*pp = p + strlen(p);
			fields_add(f, ph, quoted);
			return TRUE;
		}
		*pp = end + 1;
		body = g_strndup(p + 1, (gsize)(end - p - 1));
		if (*p == '[' || p[1] == '(') {
			g_autofree char *ph = NULL;

			/* $((x=1)) assigns x, even though we do not compute it */
			ls_mark_arith_assignments(ev, body, line);
			ph =
			    ls_unknown(ev, g_strdup_printf("line %u: arithmetic expansion $((...)) "
							   "is only evaluated when the script runs",
							   line));
			fields_add(f, ph, quoted);
			return TRUE;
		}
		return substitute(ev, body, quoted, f, line, error);
	}
	if (*p == '{') {
		const char *close = find_closing(p, '{', '}');
		g_autofree char *body = NULL;
		gboolean ok;

		if (!close) {
			g_autofree char *ph = ls_unknown(ev, g_strdup_printf("line %u: "
									     "unterminated ${",
									     line));
			*pp = p + strlen(p);
			fields_add(f, ph, quoted);
			return TRUE;
		}
		/* Each level scans the rest of the word: without a bound,
		 * ${a:-${a:-...}} would take quadratic time. */
		if (ev->expand_depth >= LS_MAX_EXPANSION_DEPTH) {
			g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX,
				    "line %u: expansions nested more than %u deep", line,
				    LS_MAX_EXPANSION_DEPTH);
			return FALSE;
		}
		body = g_strndup(p + 1, (gsize)(close - p - 1));
		*pp = close + 1;
		ev->expand_depth++;
		ok = expand_braced(ev, body, quoted, f, line, error);
		ev->expand_depth--;
		return ok;
	}
	if (*p == '\'' && !quoted) {
		/* $'...': ANSI-C quoting */
		const char *q = p + 1;

		for (; *q && *q != '\''; q++) {
			if (*q == '\\' && q[1]) {
				char c;

				switch (q[1]) {
				case 'n':
					c = '\n';
					break;
				case 't':
					c = '\t';
					break;
				case 'r':
					c = '\r';
					break;
				case 'e':
					c = '\033';
					break;
				default:
					c = q[1];
				}
				fields_add_quoted(f, &c, 1);
				q++;
			} else {
				fields_add_quoted(f, q, 1);
			}
		}
		*pp = *q ? q + 1 : q;
		f->started = TRUE;
		return TRUE;
	}
	if (g_ascii_isdigit(*p) || *p == '@' || *p == '*' || *p == '#' || *p == '?' || *p == '$' ||
	    *p == '!' || *p == '-') {
		char name[2] = {*p, 0};

		*pp = p + 1;
		return expand_braced(ev, name, quoted, f, line, error);
	}
	if (g_ascii_isalpha(*p) || *p == '_') {
		const char *e = p;
		g_autofree char *name = NULL;

		while (g_ascii_isalnum(*e) || *e == '_')
			e++;
		name = g_strndup(p, (gsize)(e - p));
		*pp = e;
		return expand_braced(ev, name, quoted, f, line, error);
	}
	/* A lone '$' is literal. */
	*pp = p;
	fields_add_quoted(f, "$", 1);
	return TRUE;
}

/* `...` at *pp: backslash keeps its meaning only before $ ` and \ (and "
 * inside double quotes). */
static gboolean expand_backquote(Eval *ev, const char **pp, gboolean quoted, Fields *f, guint line,
				 GError **error)
{
	const char *p = *pp + 1;
	g_autoptr(GString) body = g_string_new(NULL);

	for (; *p && *p != '`'; p++) {
		if (*p == '\\' && p[1] && strchr(quoted ? "$`\\\"" : "$`\\", p[1]))
			p++;
		g_string_append_c(body, *p);
	}
	*pp = *p ? p + 1 : p;
	return substitute(ev, body->str, quoted, f, line, error);
}

static gboolean expand_into(Eval *ev, const char *raw, Fields *f, guint line, GError **error)
{
	const char *p = raw;

	if (p[0] == '~') {
		gsize k = 1;

		while (p[k] && p[k] != '/')
			k++;
		if (k == 1 && ev->home) {
			ls_warn(ev,
				"line %u: '~' expanded to %s (the home directory of the user "
				"running acrnctl)",
				line, ev->home);
			fields_add_quoted(f, ev->home, -1);
		} else {
			g_autofree char *ph = ls_unknown(
			    ev, g_strdup_printf("line %u: '%.*s' depends on the user who runs the "
						"script; use an absolute path",
						line, (int)k, p));
			fields_add_quoted(f, ph, -1);
		}
		p += k;
	}
	while (*p) {
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');

			if (!q)
				q = p + strlen(p);
			fields_add_quoted(f, p + 1, q - p - 1);
			p = *q ? q + 1 : q;
		} else if (*p == '"') {
			/* "" makes an empty field, but "$@" with no positional
			 * parameters makes none. */
			gboolean saw_at = FALSE;

			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1] && strchr("$`\"\\", p[1])) {
					fields_add_quoted(f, p + 1, 1);
					p += 2;
				} else if (*p == '$') {
					if (p[1] == '@' || (p[1] == '{' && strstr(p, "[@]}")))
						saw_at = TRUE;
					if (!expand_dollar(ev, &p, TRUE, f, line, error))
						return FALSE;
				} else if (*p == '`') {
					if (!expand_backquote(ev, &p, TRUE, f, line, error))
						return FALSE;
				} else {
					fields_add_quoted(f, p, 1);
					p++;
				}
			}
			if (*p == '"')
				p++;
			if (!saw_at)
				fields_add_quoted(f, "", 0);
		} else if (*p == '\\') {
			if (p[1]) {
				fields_add_quoted(f, p + 1, 1);
				p += 2;
			} else {
				p++;
			}
		} else if (*p == '$') {
			if (!expand_dollar(ev, &p, FALSE, f, line, error))
				return FALSE;
		} else if (*p == '`') {
			if (!expand_backquote(ev, &p, FALSE, f, line, error))
				return FALSE;
		} else {
			if (f->split)
				fields_note_glob(f, *p);
			fields_add_quoted(f, p, 1);
			p++;
		}
		if (f->cur->len > LAUNCH_SCRIPT_MAX_SIZE) {
			g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE,
				    "line %u: a value grows beyond %u bytes", line,
				    LAUNCH_SCRIPT_MAX_SIZE);
			return FALSE;
		}
	}
	return TRUE;
}

GPtrArray *ls_expand_word(Eval *ev, const char *raw, gboolean assignment, guint line,
			  GError **error)
{
	Var *ifs_var = g_hash_table_lookup(ev->vars, "IFS");
	/* A copy: the word's own command substitutions may change IFS (and
	 * free the old value when their subshell ends). */
	g_autofree char *ifs =
	    g_strdup(ifs_var && !ls_has_unknown(ifs_var->value) ? ifs_var->value : " \t\n");
	Fields f = {.fields = g_ptr_array_new_with_free_func(g_free),
		    .cur = g_string_new(NULL),
		    .split = !assignment,
		    .ifs = ifs,
		    .ev = ev,
		    .line = line};
	guint64 bytes = 0;

	if (!expand_into(ev, raw, &f, line, error)) {
		g_ptr_array_unref(f.fields);
		g_string_free(f.cur, TRUE);
		return NULL;
	}
	if (assignment)
		f.started = TRUE;
	fields_end(&f);
	g_string_free(f.cur, TRUE);
	for (guint i = 0; i < f.fields->len; i++)
		bytes += strlen(f.fields->pdata[i]) + 1;
	if (!ls_charge(ev, bytes, error)) {
		g_ptr_array_unref(f.fields);
		return NULL;
	}
	return f.fields;
}
