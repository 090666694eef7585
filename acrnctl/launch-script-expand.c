/* Word expansion for the launch-script reader: parameters, quoting and
 * field splitting; see launch-script-private.h. */
#include "config.h"

#include <string.h>

#include "launch-script-private.h"

/* ------------------------------------------------------------------ */
/* Values                                                               */


void ls_var_free(Var *v)
{
	g_free(v->value);
	g_free(v->unknown);
	g_free(v);
}

Var *ls_var_new_known(const char *value)
{
	Var *v = g_new0(Var, 1);

	v->value = g_strdup(value);
	return v;
}

Var *ls_var_new_unknown(char *reason_owned)
{
	Var *v = g_new0(Var, 1);

	v->unknown = reason_owned;
	return v;
}





typedef enum {
	LOOKUP_SET,
	LOOKUP_UNSET,
	LOOKUP_UNKNOWN,
} LookupResult;

/* Looks a parameter up.  On LOOKUP_SET *value is a new string; on
 * LOOKUP_UNKNOWN *why says why. */
static LookupResult eval_lookup(Eval *ev, const char *name, char **value, char **why)
{
	*value = NULL;
	*why = NULL;
	if (ls_all_digits(name)) {
		guint64 n = g_ascii_strtoull(name, NULL, 10);

		if (n == 0) {
			*value = g_strdup(ev->script_name);
			return LOOKUP_SET;
		}
		if (ev->positional_unknown) {
			*why = g_strdup(ev->positional_unknown);
			return LOOKUP_UNKNOWN;
		}
		if (n > ev->positional->len)
			return LOOKUP_UNSET;
		*value = g_strdup(g_ptr_array_index(ev->positional, n - 1));
		return LOOKUP_SET;
	}
	if (strcmp(name, "#") == 0 || strcmp(name, "@") == 0 || strcmp(name, "*") == 0) {
		if (ev->positional_unknown) {
			*why = g_strdup(ev->positional_unknown);
			return LOOKUP_UNKNOWN;
		}
		if (name[0] == '#') {
			*value = g_strdup_printf("%u", ev->positional->len);
		} else {
			g_ptr_array_add(ev->positional, NULL);
			*value = g_strjoinv(" ", (char **)ev->positional->pdata);
			g_ptr_array_set_size(ev->positional, ev->positional->len - 1);
		}
		return LOOKUP_SET;
	}
	if (!ls_is_name(name, strlen(name))) {
		*why = g_strdup_printf("$%s is only known when the script runs", name);
		return LOOKUP_UNKNOWN;
	}
	Var *v = g_hash_table_lookup(ev->vars, name);

	if (!v)
		return LOOKUP_UNSET;
	if (!v->value) {
		*why = g_strdup(v->unknown);
		return LOOKUP_UNKNOWN;
	}
	*value = g_strdup(v->value);
	return LOOKUP_SET;
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
/* ------------------------------------------------------------------ */
/* Word expansion                                                       */

typedef struct {
	GPtrArray *fields; /* char*, owned */
	GString *cur;
	gboolean started; /* cur holds a field, possibly empty */
	gboolean split;	  /* field splitting applies (not in assignments) */
} Fields;

static void fields_end(Fields *f)
{
	if (f->started) {
		g_ptr_array_add(f->fields, g_strdup(f->cur->str));
		g_string_truncate(f->cur, 0);
		f->started = FALSE;
	}
}

static void fields_add_quoted(Fields *f, const char *s, gssize len)
{
	g_string_append_len(f->cur, s, len);
	f->started = TRUE;
}

/* Text from an unquoted expansion: subject to field splitting. */
static void fields_add_unquoted(Fields *f, const char *s)
{
	if (!f->split) {
		fields_add_quoted(f, s, -1);
		return;
	}
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			fields_end(f);
		} else {
			g_string_append_c(f->cur, *s);
			f->started = TRUE;
		}
	}
}

static gboolean expand_unknown(const char *why, GError **error)
{
	g_set_error_literal(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_UNKNOWN_VALUE, why);
	return FALSE;
}

static gboolean expand_into(Eval *ev, const char *raw, Fields *f, guint line, GError **error);

/* Expands a ${...} body ("name", "name:-word", ...); @quoted tells whether it
 * appeared inside double quotes. */
static gboolean expand_braced(Eval *ev, const char *body, gboolean quoted, Fields *f, guint line,
			      GError **error)
{
	gsize n = 0;
	g_autofree char *name = NULL;
	g_autofree char *value = NULL;
	g_autofree char *why = NULL;
	const char *op;
	LookupResult r;

	if (body[0] == '#' && body[1]) {
		g_autofree char *msg = g_strdup_printf(
		    "line %u: parameter expansion ${%s} (length) is not supported", line, body);
		return expand_unknown(msg, error);
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
		g_autofree char *msg = g_strdup_printf(
		    "line %u: parameter expansion ${%s} is not supported", line, body);
		return expand_unknown(msg, error);
	}
	name = g_strndup(body, n);
	op = body + n;
	r = eval_lookup(ev, name, &value, &why);
	if (r == LOOKUP_UNKNOWN)
		return expand_unknown(why, error);

	if (*op == '\0') {
		if (r == LOOKUP_UNSET) {
			g_autofree char *msg = describe_unset(ev, name);
			return expand_unknown(msg, error);
		}
	} else {
		gboolean colon = *op == ':';
		char kind = colon ? op[1] : op[0];
		const char *word = op + (colon ? 2 : 1);
		gboolean empty_or_unset = r == LOOKUP_UNSET || (colon && value[0] == '\0');

		if (kind == '-' || kind == '=') {
			if (empty_or_unset) {
				Fields sub = {g_ptr_array_new_with_free_func(g_free),
					      g_string_new(NULL), FALSE, FALSE};
				gboolean ok = expand_into(ev, word, &sub, line, error);

				fields_end(&sub);
				if (ok) {
					g_free(value);
					value = sub.fields->len ? g_strdup(sub.fields->pdata[0])
								: g_strdup("");
					if (kind == '=' && ls_is_name(name, strlen(name)))
						g_hash_table_replace(ev->vars, g_strdup(name),
								     ls_var_new_known(value));
				}
				g_ptr_array_unref(sub.fields);
				g_string_free(sub.cur, TRUE);
				if (!ok)
					return FALSE;
			}
		} else if (kind == '+') {
			g_free(value);
			value = NULL;
			if (!empty_or_unset) {
				Fields sub = {g_ptr_array_new_with_free_func(g_free),
					      g_string_new(NULL), FALSE, FALSE};
				gboolean ok = expand_into(ev, word, &sub, line, error);

				fields_end(&sub);
				if (ok)
					value = sub.fields->len ? g_strdup(sub.fields->pdata[0])
								: g_strdup("");
				g_ptr_array_unref(sub.fields);
				g_string_free(sub.cur, TRUE);
				if (!ok)
					return FALSE;
			} else {
				value = g_strdup("");
			}
		} else {
			g_autofree char *msg = g_strdup_printf(
			    "line %u: parameter expansion ${%s} is not supported", line, body);
			return expand_unknown(msg, error);
		}
	}
	if (quoted)
		fields_add_quoted(f, value, -1);
	else
		fields_add_unquoted(f, value);
	return TRUE;
}

/* "$@" inside double quotes: one field per positional parameter. */
static gboolean expand_quoted_at(Eval *ev, Fields *f, GError **error)
{
	if (ev->positional_unknown)
		return expand_unknown(ev->positional_unknown, error);
	if (!f->split) {
		g_autofree char *joined = NULL;

		g_ptr_array_add(ev->positional, NULL);
		joined = g_strjoinv(" ", (char **)ev->positional->pdata);
		g_ptr_array_set_size(ev->positional, ev->positional->len - 1);
		fields_add_quoted(f, joined, -1);
		return TRUE;
	}
	for (guint k = 0; k < ev->positional->len; k++) {
		if (k > 0)
			fields_end(f);
		fields_add_quoted(f, g_ptr_array_index(ev->positional, k), -1);
	}
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

/* Handles a '$' at *pp (inside double quotes when @quoted). */
static gboolean expand_dollar(Eval *ev, const char **pp, gboolean quoted, Fields *f, guint line,
			      GError **error)
{
	const char *p = *pp + 1;

	if (*p == '(') {
		g_autofree char *msg = NULL;

		if (p[1] == '(')
			msg = g_strdup_printf("line %u: arithmetic expansion $((...)) is only "
					      "evaluated when the script runs",
					      line);
		else
			msg = g_strdup_printf("line %u: command substitution $(...) is only "
					      "evaluated when the script runs",
					      line);
		return expand_unknown(msg, error);
	}
	if (*p == '{') {
		const char *close = find_closing(p, '{', '}');
		g_autofree char *body = NULL;

		gboolean ok;

		if (!close)
			return expand_unknown("unterminated ${", error);
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
	if (*p == '@' && quoted) {
		*pp = p + 1;
		return expand_quoted_at(ev, f, error);
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

static gboolean expand_into(Eval *ev, const char *raw, Fields *f, guint line, GError **error)
{
	const char *p = raw;

	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		g_autofree char *msg = g_strdup_printf(
		    "line %u: '~' depends on the user who runs the script; use an absolute "
		    "path",
		    line);
		return expand_unknown(msg, error);
	}
	while (*p) {
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');

			if (!q)
				return expand_unknown("unterminated single quote", error);
			fields_add_quoted(f, p + 1, q - p - 1);
			p = q + 1;
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
					if (p[1] == '@')
						saw_at = TRUE;
					if (!expand_dollar(ev, &p, TRUE, f, line, error))
						return FALSE;
				} else if (*p == '`') {
					g_autofree char *msg = g_strdup_printf(
					    "line %u: command substitution `...` is only "
					    "evaluated when the script runs",
					    line);
					return expand_unknown(msg, error);
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
			g_autofree char *msg = g_strdup_printf(
			    "line %u: command substitution `...` is only evaluated when the "
			    "script runs",
			    line);
			return expand_unknown(msg, error);
		} else {
			fields_add_quoted(f, p, 1);
			p++;
		}
	}
	return TRUE;
}

/* Expands @raw into fields (with field splitting unless @assignment). */
GPtrArray *ls_expand_word(Eval *ev, const char *raw, gboolean assignment, guint line,
			      GError **error)
{
	Fields f = {g_ptr_array_new_with_free_func(g_free), g_string_new(NULL), FALSE, !assignment};

	if (!expand_into(ev, raw, &f, line, error)) {
		g_ptr_array_unref(f.fields);
		g_string_free(f.cur, TRUE);
		return NULL;
	}
	if (assignment)
		f.started = TRUE;
	fields_end(&f);
	g_string_free(f.cur, TRUE);
	return f.fields;
}