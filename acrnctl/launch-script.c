/* Static evaluation of upstream-style launch scripts; see launch-script.h.
 *
 * Two stages: a lexer that cuts the script into words (still quoted, as
 * written) and operators, and an evaluator that walks the commands in order,
 * tracking variables and positional parameters, and expands the words of the
 * one command that runs acrn-dm.  Values we cannot know statically are kept
 * as "unknown, because ..." so that the error can say why. */
#include "config.h"

#include <string.h>

#include "launch-script.h"

G_DEFINE_QUARK(launch - script - error - quark, launch_script_error)

/* Nesting limit for function calls (recursion in a script would otherwise
 * make us loop forever). */
#define MAX_CALL_DEPTH 16

/* ------------------------------------------------------------------ */
/* Lexer                                                                */

typedef enum {
	TOK_WORD,
	TOK_SEP, /* newline ; ;; & && | || */
	TOK_LPAREN,
	TOK_RPAREN,
} TokenKind;

typedef struct {
	TokenKind kind;
	char *text; /* raw text, quotes included */
	guint line;
} Token;

static void token_free(Token *tok)
{
	g_free(tok->text);
	g_free(tok);
}

typedef struct {
	char *delimiter;
	gboolean strip_tabs;
} PendingHeredoc;

static void pending_heredoc_free(PendingHeredoc *h)
{
	g_free(h->delimiter);
	g_free(h);
}

typedef struct {
	const char *s;
	gsize len;
	gsize pos;
	guint line;
	GPtrArray *tokens;
	GPtrArray *heredocs; /* PendingHeredoc*, bodies start at next newline */
} Lexer;

static int lx_peek(Lexer *lx, gsize ahead)
{
	return lx->pos + ahead < lx->len ? (unsigned char)lx->s[lx->pos + ahead] : -1;
}

static void lx_emit(Lexer *lx, TokenKind kind, const char *text, guint line)
{
	Token *tok = g_new0(Token, 1);

	tok->kind = kind;
	tok->text = g_strdup(text);
	tok->line = line;
	g_ptr_array_add(lx->tokens, tok);
}

static gboolean lx_error(Lexer *lx, guint line, const char *what, GError **error)
{
	g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX, "line %u: %s", line,
		    what);
	return FALSE;
}

static gboolean lx_copy_balanced(Lexer *lx, GString *out, char open, char close, GError **error);

/* Copies a double-quoted string (opening quote at pos) into @out. */
static gboolean lx_copy_dquoted(Lexer *lx, GString *out, GError **error)
{
	guint start_line = lx->line;

	g_string_append_c(out, '"');
	lx->pos++;
	for (;;) {
		int c = lx_peek(lx, 0);

		if (c < 0)
			return lx_error(lx, start_line, "unterminated double quote", error);
		if (c == '"') {
			g_string_append_c(out, '"');
			lx->pos++;
			return TRUE;
		}
		if (c == '\\' && lx_peek(lx, 1) == '\n') {
			lx->pos += 2;
			lx->line++;
			continue;
		}
		if (c == '\\' && lx_peek(lx, 1) >= 0) {
			g_string_append_len(out, lx->s + lx->pos, 2);
			lx->pos += 2;
			continue;
		}
		if (c == '$' && (lx_peek(lx, 1) == '(' || lx_peek(lx, 1) == '{')) {
			char open = (char)lx_peek(lx, 1);

			g_string_append_c(out, '$');
			lx->pos++;
			if (!lx_copy_balanced(lx, out, open, open == '(' ? ')' : '}', error))
				return FALSE;
			continue;
		}
		if (c == '\n')
			lx->line++;
		g_string_append_c(out, (char)c);
		lx->pos++;
	}
}

static gboolean lx_copy_squoted(Lexer *lx, GString *out, GError **error)
{
	guint start_line = lx->line;
	const char *end = memchr(lx->s + lx->pos + 1, '\'', lx->len - lx->pos - 1);
	gsize n;

	if (!end)
		return lx_error(lx, start_line, "unterminated single quote", error);
	n = (gsize)(end - (lx->s + lx->pos)) + 1;
	for (gsize k = 0; k < n; k++)
		if (lx->s[lx->pos + k] == '\n')
			lx->line++;
	g_string_append_len(out, lx->s + lx->pos, n);
	lx->pos += n;
	return TRUE;
}

static gboolean lx_copy_backquoted(Lexer *lx, GString *out, GError **error)
{
	guint start_line = lx->line;

	g_string_append_c(out, '`');
	lx->pos++;
	for (;;) {
		int c = lx_peek(lx, 0);

		if (c < 0)
			return lx_error(lx, start_line, "unterminated backquote", error);
		if (c == '\\' && lx_peek(lx, 1) >= 0) {
			g_string_append_len(out, lx->s + lx->pos, 2);
			lx->pos += 2;
			continue;
		}
		if (c == '\n')
			lx->line++;
		g_string_append_c(out, (char)c);
		lx->pos++;
		if (c == '`')
			return TRUE;
	}
}

/* Copies "(...)" or "{...}" (opening character at pos), nesting and quotes
 * respected, into @out. */
static gboolean lx_copy_balanced(Lexer *lx, GString *out, char open, char close, GError **error)
{
	guint start_line = lx->line;
	int depth = 0;

	for (;;) {
		int c = lx_peek(lx, 0);
		gboolean ok = TRUE;

		if (c < 0)
			return lx_error(lx, start_line,
					open == '(' ? "unterminated $(" : "unterminated ${", error);
		if (c == '\'')
			ok = lx_copy_squoted(lx, out, error);
		else if (c == '"')
			ok = lx_copy_dquoted(lx, out, error);
		else if (c == '`')
			ok = lx_copy_backquoted(lx, out, error);
		else if (c == '\\' && lx_peek(lx, 1) >= 0) {
			if (lx_peek(lx, 1) == '\n')
				lx->line++;
			g_string_append_len(out, lx->s + lx->pos, 2);
			lx->pos += 2;
		} else {
			if (c == '\n')
				lx->line++;
			g_string_append_c(out, (char)c);
			lx->pos++;
			if (c == open)
				depth++;
			else if (c == close && --depth == 0)
				return TRUE;
		}
		if (!ok)
			return FALSE;
	}
}

static gboolean is_word_delimiter(int c)
{
	return c < 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' ||
	       c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
}

/* Scans one word starting at pos (which is not a delimiter). */
static gboolean lx_scan_word(Lexer *lx, GString *out, GError **error)
{
	for (;;) {
		int c = lx_peek(lx, 0);
		gboolean ok = TRUE;

		if (is_word_delimiter(c))
			return TRUE;
		if (c == '\'') {
			ok = lx_copy_squoted(lx, out, error);
		} else if (c == '"') {
			ok = lx_copy_dquoted(lx, out, error);
		} else if (c == '`') {
			ok = lx_copy_backquoted(lx, out, error);
		} else if (c == '\\') {
			if (lx_peek(lx, 1) == '\n') {
				lx->pos += 2;
				lx->line++;
			} else if (lx_peek(lx, 1) >= 0) {
				g_string_append_len(out, lx->s + lx->pos, 2);
				lx->pos += 2;
			} else {
				lx->pos++;
			}
		} else if (c == '$' && (lx_peek(lx, 1) == '(' || lx_peek(lx, 1) == '{')) {
			char open = (char)lx_peek(lx, 1);

			g_string_append_c(out, '$');
			lx->pos++;
			ok = lx_copy_balanced(lx, out, open, open == '(' ? ')' : '}', error);
		} else {
			g_string_append_c(out, (char)c);
			lx->pos++;
		}
		if (!ok)
			return FALSE;
	}
}

static void lx_skip_blanks(Lexer *lx)
{
	for (;;) {
		int c = lx_peek(lx, 0);

		if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
		} else if (c == '\\' && lx_peek(lx, 1) == '\n') {
			lx->pos += 2;
			lx->line++;
		} else {
			return;
		}
	}
}

/* Strips quotes from a here-document delimiter word. */
static char *unquote_simple(const char *raw)
{
	GString *out = g_string_new(NULL);

	for (const char *p = raw; *p; p++) {
		if (*p == '\'' || *p == '"')
			continue;
		if (*p == '\\' && p[1]) {
			p++;
		}
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* A redirection operator starts at pos: consume it and its target word,
 * which do not reach the command's argv. */
static gboolean lx_redirection(Lexer *lx, GError **error)
{
	gboolean heredoc = FALSE, strip_tabs = FALSE;
	g_autoptr(GString) target = g_string_new(NULL);
	guint line = lx->line;

	if (lx_peek(lx, 0) == '&') { /* &> and &>> */
		lx->pos++;
	}
	if (lx_peek(lx, 0) == '<' && lx_peek(lx, 1) == '<' && lx_peek(lx, 2) == '<') {
		lx->pos += 3; /* here-string: the word is the target */
	} else if (lx_peek(lx, 0) == '<' && lx_peek(lx, 1) == '<') {
		lx->pos += 2;
		heredoc = TRUE;
		if (lx_peek(lx, 0) == '-') {
			strip_tabs = TRUE;
			lx->pos++;
		}
	} else {
		lx->pos++; /* < or > */
		if (lx_peek(lx, 0) == '>' || lx_peek(lx, 0) == '&' || lx_peek(lx, 0) == '|')
			lx->pos++;
		else if (lx->s[lx->pos - 1] == '<' && lx_peek(lx, 0) == '>')
			lx->pos++;
	}
	lx_skip_blanks(lx);
	if (is_word_delimiter(lx_peek(lx, 0)))
		return lx_error(lx, line, "redirection without a target", error);
	if (!lx_scan_word(lx, target, error))
		return FALSE;
	if (heredoc) {
		PendingHeredoc *h = g_new0(PendingHeredoc, 1);

		h->delimiter = unquote_simple(target->str);
		h->strip_tabs = strip_tabs;
		g_ptr_array_add(lx->heredocs, h);
	}
	return TRUE;
}

/* At the start of a line after a command with here-documents: skip their
 * bodies. */
static gboolean lx_skip_heredoc_bodies(Lexer *lx, GError **error)
{
	for (guint k = 0; k < lx->heredocs->len; k++) {
		PendingHeredoc *h = g_ptr_array_index(lx->heredocs, k);
		guint start_line = lx->line;

		for (;;) {
			const char *line_start = lx->s + lx->pos;
			const char *nl;
			gsize line_len;

			if (lx->pos >= lx->len)
				return lx_error(lx, start_line, "unterminated here-document",
						error);
			nl = memchr(line_start, '\n', lx->len - lx->pos);
			line_len = nl ? (gsize)(nl - line_start) : lx->len - lx->pos;
			lx->pos += line_len + (nl ? 1 : 0);
			lx->line++;
			if (h->strip_tabs)
				while (line_len > 0 && *line_start == '\t') {
					line_start++;
					line_len--;
				}
			if (line_len == strlen(h->delimiter) &&
			    memcmp(line_start, h->delimiter, line_len) == 0)
				break;
		}
	}
	g_ptr_array_set_size(lx->heredocs, 0);
	return TRUE;
}

static gboolean all_digits(const char *s)
{
	if (!*s)
		return FALSE;
	for (; *s; s++)
		if (!g_ascii_isdigit(*s))
			return FALSE;
	return TRUE;
}

static gboolean lex(Lexer *lx, GError **error)
{
	while (lx->pos < lx->len) {
		int c = lx_peek(lx, 0);
		guint line = lx->line;

		if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
		} else if (c == '\\' && lx_peek(lx, 1) == '\n') {
			lx->pos += 2;
			lx->line++;
		} else if (c == '\n') {
			lx_emit(lx, TOK_SEP, "\n", line);
			lx->pos++;
			lx->line++;
			if (lx->heredocs->len && !lx_skip_heredoc_bodies(lx, error))
				return FALSE;
		} else if (c == '#') {
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				lx->pos++;
		} else if (c == ';') {
			gboolean dsemi = lx_peek(lx, 1) == ';';

			lx_emit(lx, TOK_SEP, dsemi ? ";;" : ";", line);
			lx->pos += dsemi ? 2 : 1;
			if (dsemi && lx_peek(lx, 0) == '&')
				lx->pos++;
		} else if (c == '&' && lx_peek(lx, 1) == '>') {
			if (!lx_redirection(lx, error))
				return FALSE;
		} else if (c == '&' || c == '|') {
			gboolean doubled = lx_peek(lx, 1) == c;

			lx_emit(lx, TOK_SEP,
				doubled ? (c == '&' ? "&&" : "||") : (c == '&' ? "&" : "|"), line);
			lx->pos += doubled ? 2 : 1;
			if (!doubled && c == '|' && lx_peek(lx, 0) == '&')
				lx->pos++;
		} else if (c == '(') {
			lx_emit(lx, TOK_LPAREN, "(", line);
			lx->pos++;
		} else if (c == ')') {
			lx_emit(lx, TOK_RPAREN, ")", line);
			lx->pos++;
		} else if (c == '<' || c == '>') {
			if (!lx_redirection(lx, error))
				return FALSE;
		} else {
			g_autoptr(GString) word = g_string_new(NULL);

			if (!lx_scan_word(lx, word, error))
				return FALSE;
			/* "2>&1": the digits directly before a redirection are a
			 * file descriptor number, not an argument. */
			if ((lx_peek(lx, 0) == '<' || lx_peek(lx, 0) == '>') &&
			    all_digits(word->str))
				continue;
			lx_emit(lx, TOK_WORD, word->str, line);
		}
	}
	lx_emit(lx, TOK_SEP, "\n", lx->line);
	return TRUE;
}

/* ------------------------------------------------------------------ */
/* Values                                                               */

typedef struct {
	char *value;   /* NULL when unknown */
	char *unknown; /* why the value cannot be known statically */
} Var;

static void var_free(Var *v)
{
	g_free(v->value);
	g_free(v->unknown);
	g_free(v);
}

static Var *var_new_known(const char *value)
{
	Var *v = g_new0(Var, 1);

	v->value = g_strdup(value);
	return v;
}

static Var *var_new_unknown(char *reason_owned)
{
	Var *v = g_new0(Var, 1);

	v->unknown = reason_owned;
	return v;
}

typedef struct {
	guint body_start; /* token index of the first body token */
	guint body_end;	  /* token index of the closing brace */
	guint line;
} Func;

typedef struct {
	GPtrArray *tokens;
	GHashTable *vars;  /* name -> Var* */
	GHashTable *funcs; /* name -> Func* */
	GPtrArray *positional;
	char *positional_unknown;
	char *script_name;
	GString *blocks;      /* open if/loop/case blocks, one char each */
	guint inherited_cond; /* conditional depth of enclosing function calls */
	guint call_depth;
	gboolean exited;
	gboolean returned;
	GPtrArray *sourced;	      /* "FILE (line N)" */
	GPtrArray *uncalled_dm_lines; /* acrn-dm inside functions never called */
	LaunchScriptCommand *found;
	guint found_count;
	GString *found_lines;
} Eval;

static gboolean eval_conditional(Eval *ev)
{
	return ev->blocks->len > 0 || ev->inherited_cond > 0;
}

static gboolean is_name(const char *s, gsize len)
{
	if (len == 0 || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
		return FALSE;
	for (gsize i = 1; i < len; i++)
		if (!(g_ascii_isalnum(s[i]) || s[i] == '_'))
			return FALSE;
	return TRUE;
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
	if (all_digits(name)) {
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
	if (!is_name(name, strlen(name))) {
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
	if (all_digits(name))
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
					if (kind == '=' && is_name(name, strlen(name)))
						g_hash_table_replace(ev->vars, g_strdup(name),
								     var_new_known(value));
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

		if (!close)
			return expand_unknown("unterminated ${", error);
		body = g_strndup(p + 1, (gsize)(close - p - 1));
		*pp = close + 1;
		return expand_braced(ev, body, quoted, f, line, error);
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
static GPtrArray *expand_word(Eval *ev, const char *raw, gboolean assignment, guint line,
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

/* ------------------------------------------------------------------ */
/* Evaluation                                                           */

static Token *tok_at(Eval *ev, guint i)
{
	return g_ptr_array_index(ev->tokens, i);
}

static gboolean tok_is_word(Token *t, const char *text)
{
	return t->kind == TOK_WORD && strcmp(t->text, text) == 0;
}

/* "NAME=..." with an unquoted valid name. */
static gboolean split_assignment(const char *raw, char **name, const char **value)
{
	const char *eq = strchr(raw, '=');

	if (!eq || !is_name(raw, (gsize)(eq - raw)))
		return FALSE;
	*name = g_strndup(raw, (gsize)(eq - raw));
	*value = eq + 1;
	return TRUE;
}

static void eval_assign(Eval *ev, const char *name, const char *raw_value, guint line)
{
	GError *err = NULL;
	GPtrArray *fields;

	if (eval_conditional(ev)) {
		g_hash_table_replace(
		    ev->vars, g_strdup(name),
		    var_new_unknown(g_strdup_printf("$%s is assigned inside a condition, loop or "
						    "conditionally called function (line %u)",
						    name, line)));
		return;
	}
	fields = expand_word(ev, raw_value, TRUE, line, &err);
	if (!fields) {
		g_hash_table_replace(
		    ev->vars, g_strdup(name),
		    var_new_unknown(g_strdup_printf("$%s is only known when the script runs: %s",
						    name, err->message)));
		g_error_free(err);
		return;
	}
	g_hash_table_replace(ev->vars, g_strdup(name),
			     var_new_known(fields->len ? fields->pdata[0] : ""));
	g_ptr_array_unref(fields);
}

static void eval_mark_unknown(Eval *ev, const char *name, char *reason_owned)
{
	g_hash_table_replace(ev->vars, g_strdup(name), var_new_unknown(reason_owned));
}

/* One argv element after expansion, or the error that prevented it. */
typedef struct {
	char *text;  /* NULL if expansion failed */
	char *raw;   /* the word as written */
	GError *err; /* why expansion failed */
} Arg;

static void arg_clear(gpointer p)
{
	Arg *a = p;

	g_free(a->text);
	g_free(a->raw);
	g_clear_error(&a->err);
}

static gboolean basename_is(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');

	return strcmp(slash ? slash + 1 : path, name) == 0;
}

static gboolean raw_mentions_dm(const char *raw)
{
	return strstr(raw, "acrn-dm") != NULL || strstr(raw, "acrn_dm") != NULL;
}

/* Skips wrapper commands (exec, nohup, taskset MASK, ...) in front of the
 * real program; returns the index of the program word. */
static guint skip_command_prefixes(GArray *args, guint i)
{
	while (i < args->len) {
		Arg *a = &g_array_index(args, Arg, i);

		if (!a->text)
			return i;
		if (strcmp(a->text, "exec") == 0 || strcmp(a->text, "nohup") == 0 ||
		    strcmp(a->text, "time") == 0 || strcmp(a->text, "command") == 0 ||
		    strcmp(a->text, "setsid") == 0) {
			i++;
		} else if (strcmp(a->text, "sudo") == 0 || strcmp(a->text, "env") == 0) {
			i++;
			while (i < args->len) {
				Arg *o = &g_array_index(args, Arg, i);
				char *n = NULL;
				const char *v;

				if (o->text && o->text[0] == '-') {
					i++;
				} else if (o->text && split_assignment(o->text, &n, &v)) {
					g_free(n);
					i++;
				} else {
					break;
				}
			}
		} else if (strcmp(a->text, "taskset") == 0 || strcmp(a->text, "chrt") == 0 ||
			   strcmp(a->text, "nice") == 0) {
			gboolean takes_value = strcmp(a->text, "nice") != 0;

			i++;
			while (i < args->len) {
				Arg *o = &g_array_index(args, Arg, i);

				if (!o->text || o->text[0] != '-')
					break;
				/* nice -n N: the option takes the next word */
				if (strcmp(o->text, "-n") == 0)
					i++;
				i++;
			}
			if (takes_value) /* the CPU mask or the priority */
				i++;
		} else {
			return i;
		}
	}
	return i;
}

static gboolean exec_range(Eval *ev, guint start, guint end, GError **error);

static gboolean eval_record_dm(Eval *ev, GArray *args, guint prog, guint line, GError **error)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

	for (guint k = prog; k < args->len; k++) {
		Arg *a = &g_array_index(args, Arg, k);

		if (!a->text) {
			/* Name the option the unknown value belongs to. */
			Arg *prev = k > prog + 1 ? &g_array_index(args, Arg, k - 1) : NULL;
			g_autofree char *ctx = NULL;

			if (prev && prev->text && prev->text[0] == '-')
				ctx = g_strdup_printf(" (value of %s)", prev->text);
			g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_UNKNOWN_VALUE,
				    "line %u: cannot determine acrn-dm argument '%s'%s: %s", line,
				    a->raw, ctx ? ctx : "", a->err->message);
			return FALSE;
		}
		g_ptr_array_add(argv, g_strdup(a->text));
	}
	ev->found_count++;
	if (ev->found_lines->len)
		g_string_append(ev->found_lines, ", ");
	g_string_append_printf(ev->found_lines, "%u", line);
	if (ev->found)
		return TRUE; /* reported after evaluation, with every line */
	g_ptr_array_add(argv, NULL);
	ev->found = g_new0(LaunchScriptCommand, 1);
	ev->found->argv = (GStrv)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
	ev->found->line = line;
	return TRUE;
}

static void eval_set_positional(Eval *ev, GArray *args, guint from, guint line)
{
	g_ptr_array_set_size(ev->positional, 0);
	g_clear_pointer(&ev->positional_unknown, g_free);
	for (guint k = from; k < args->len; k++) {
		Arg *a = &g_array_index(args, Arg, k);

		if (!a->text) {
			ev->positional_unknown = g_strdup_printf(
			    "the positional parameters (line %u) depend on '%s': %s", line, a->raw,
			    a->err->message);
			return;
		}
		g_ptr_array_add(ev->positional, g_strdup(a->text));
	}
}

static gboolean eval_call(Eval *ev, Func *fn, GArray *args, guint prog, guint line, GError **error)
{
	GPtrArray *saved_pos = ev->positional;
	char *saved_unknown = ev->positional_unknown;
	GString *saved_blocks = ev->blocks;
	guint saved_inherited = ev->inherited_cond;
	gboolean ok;

	if (ev->call_depth >= MAX_CALL_DEPTH)
		return TRUE; /* recursion: stop following it */
	ev->positional = g_ptr_array_new_with_free_func(g_free);
	ev->positional_unknown = NULL;
	eval_set_positional(ev, args, prog + 1, line);
	ev->inherited_cond += saved_blocks->len;
	ev->blocks = g_string_new(NULL);
	ev->call_depth++;
	ok = exec_range(ev, fn->body_start, fn->body_end, error);
	ev->call_depth--;
	ev->returned = FALSE;
	g_string_free(ev->blocks, TRUE);
	ev->blocks = saved_blocks;
	ev->inherited_cond = saved_inherited;
	g_ptr_array_unref(ev->positional);
	g_free(ev->positional_unknown);
	ev->positional = saved_pos;
	ev->positional_unknown = saved_unknown;
	return ok;
}

/* Declaration builtins: export/readonly/local/declare/typeset. */
static void eval_declaration(Eval *ev, Token **words, guint n, guint line)
{
	gboolean arrays = FALSE;

	for (guint k = 1; k < n; k++) {
		const char *raw = words[k]->text;
		char *name = NULL;
		const char *value;

		if (raw[0] == '-' || raw[0] == '+') {
			if (strchr(raw, 'a') || strchr(raw, 'A'))
				arrays = TRUE;
			continue;
		}
		if (split_assignment(raw, &name, &value)) {
			if (arrays)
				eval_mark_unknown(ev, name,
						  g_strdup_printf("$%s is an array (line %u); "
								  "arrays are not supported",
								  name, line));
			else
				eval_assign(ev, name, value, line);
			g_free(name);
		} else if (arrays && is_name(raw, strlen(raw))) {
			eval_mark_unknown(ev, raw,
					  g_strdup_printf("$%s is an array (line %u); arrays "
							  "are not supported",
							  raw, line));
		}
	}
}

static gboolean run_simple_command(Eval *ev, Token **words, guint n, GError **error)
{
	guint line = words[0]->line;
	guint first = 0;
	g_autoptr(GArray) args = NULL;
	guint prog;
	const char *cmd;

	/* Leading NAME=value words; alone they assign, before a command
	 * they only set that command's environment. */
	while (first < n) {
		char *name = NULL;
		const char *value;

		if (!split_assignment(words[first]->text, &name, &value))
			break;
		g_free(name);
		first++;
	}
	if (first == n) {
		for (guint k = 0; k < n; k++) {
			char *name = NULL;
			const char *value = NULL;

			if (split_assignment(words[k]->text, &name, &value))
				eval_assign(ev, name, value, line);
			g_free(name);
		}
		return TRUE;
	}

	cmd = words[first]->text;
	if (strcmp(cmd, "export") == 0 || strcmp(cmd, "readonly") == 0 ||
	    strcmp(cmd, "local") == 0 || strcmp(cmd, "declare") == 0 ||
	    strcmp(cmd, "typeset") == 0) {
		eval_declaration(ev, words + first, n - first, line);
		return TRUE;
	}

	args = g_array_new(FALSE, TRUE, sizeof(Arg));
	g_array_set_clear_func(args, arg_clear);
	for (guint k = first; k < n; k++) {
		GError *err = NULL;
		g_autoptr(GPtrArray) fields = expand_word(ev, words[k]->text, FALSE, line, &err);

		if (!fields) {
			Arg a = {NULL, g_strdup(words[k]->text), err};
			g_array_append_val(args, a);
			continue;
		}
		for (guint j = 0; j < fields->len; j++) {
			Arg a = {g_strdup(fields->pdata[j]), g_strdup(words[k]->text), NULL};
			g_array_append_val(args, a);
		}
	}
	if (args->len == 0)
		return TRUE;

	prog = skip_command_prefixes(args, 0);
	if (prog >= args->len)
		return TRUE;
	{
		Arg *p = &g_array_index(args, Arg, prog);

		if (!p->text) {
			if (raw_mentions_dm(p->raw)) {
				g_set_error(error, LAUNCH_SCRIPT_ERROR,
					    LAUNCH_SCRIPT_ERROR_UNKNOWN_VALUE,
					    "line %u: cannot determine the program '%s': %s", line,
					    p->raw, p->err->message);
				return FALSE;
			}
			return TRUE; /* some other command we do not need */
		}
		cmd = p->text;
	}

	if (basename_is(cmd, "acrn-dm"))
		return eval_record_dm(ev, args, prog, line, error);

	if (strcmp(cmd, "shift") == 0) {
		guint64 count = 1;

		if (prog + 1 < args->len) {
			Arg *a = &g_array_index(args, Arg, prog + 1);

			if (!a->text || !all_digits(a->text)) {
				g_free(ev->positional_unknown);
				ev->positional_unknown =
				    g_strdup_printf("the positional parameters are shifted by "
						    "a computed amount (line %u)",
						    line);
				return TRUE;
			}
			count = g_ascii_strtoull(a->text, NULL, 10);
		}
		if (eval_conditional(ev)) {
			g_free(ev->positional_unknown);
			ev->positional_unknown =
			    g_strdup_printf("the positional parameters are shifted "
					    "conditionally (line %u)",
					    line);
		} else if (!ev->positional_unknown) {
			g_ptr_array_remove_range(ev->positional, 0,
						 (guint)MIN(count, ev->positional->len));
		}
		return TRUE;
	}
	if (strcmp(cmd, "set") == 0) {
		if (prog + 1 < args->len &&
		    g_strcmp0(g_array_index(args, Arg, prog + 1).text, "--") == 0) {
			if (eval_conditional(ev)) {
				g_free(ev->positional_unknown);
				ev->positional_unknown = g_strdup_printf(
				    "the positional parameters are set conditionally (line "
				    "%u)",
				    line);
			} else {
				eval_set_positional(ev, args, prog + 2, line);
			}
		}
		return TRUE;
	}
	if (strcmp(cmd, "read") == 0) {
		for (guint k = prog + 1; k < args->len; k++) {
			Arg *a = &g_array_index(args, Arg, k);

			if (a->text && is_name(a->text, strlen(a->text)))
				eval_mark_unknown(ev, a->text,
						  g_strdup_printf("$%s is read at run time "
								  "(line %u)",
								  a->text, line));
		}
		return TRUE;
	}
	if (strcmp(cmd, "unset") == 0) {
		for (guint k = prog + 1; k < args->len; k++) {
			Arg *a = &g_array_index(args, Arg, k);

			if (!a->text || a->text[0] == '-')
				continue;
			if (eval_conditional(ev))
				eval_mark_unknown(ev, a->text,
						  g_strdup_printf("$%s is unset conditionally "
								  "(line %u)",
								  a->text, line));
			else
				g_hash_table_remove(ev->vars, a->text);
		}
		return TRUE;
	}
	if (strcmp(cmd, "source") == 0 || strcmp(cmd, ".") == 0) {
		Arg *a = prog + 1 < args->len ? &g_array_index(args, Arg, prog + 1) : NULL;

		g_ptr_array_add(ev->sourced,
				g_strdup_printf("'%s' (sourced at line %u)",
						a ? (a->text ? a->text : a->raw) : "?", line));
		return TRUE;
	}
	if (strcmp(cmd, "exit") == 0) {
		if (!eval_conditional(ev))
			ev->exited = TRUE;
		return TRUE;
	}
	if (strcmp(cmd, "return") == 0) {
		if (ev->blocks->len == 0 && ev->call_depth > 0)
			ev->returned = TRUE;
		return TRUE;
	}
	if (strcmp(cmd, "eval") == 0) {
		for (guint k = prog + 1; k < args->len; k++) {
			Arg *a = &g_array_index(args, Arg, k);

			if (raw_mentions_dm(a->raw) || (a->text && raw_mentions_dm(a->text))) {
				g_set_error(error, LAUNCH_SCRIPT_ERROR,
					    LAUNCH_SCRIPT_ERROR_UNKNOWN_VALUE,
					    "line %u: acrn-dm is started through 'eval', whose "
					    "command line is only known at run time",
					    line);
				return FALSE;
			}
		}
		return TRUE;
	}

	Func *fn = g_hash_table_lookup(ev->funcs, cmd);

	if (fn)
		return eval_call(ev, fn, args, prog, line, error);
	return TRUE; /* any other command does not influence acrn-dm's argv */
}

static guint skip_to_separator(Eval *ev, guint i, guint end)
{
	while (i < end && tok_at(ev, i)->kind != TOK_SEP)
		i++;
	return i;
}

/* Function definition whose header ends before token @i ("{" or "(" is at or
 * after @i, possibly after newlines); returns the index after the body. */
static gboolean define_function(Eval *ev, const char *name, guint line, guint *pi, guint end,
				GError **error)
{
	guint i = *pi;
	int depth = 0;
	gboolean paren;
	guint body_start;
	Func *fn;

	while (i < end && tok_at(ev, i)->kind == TOK_SEP && strcmp(tok_at(ev, i)->text, "\n") == 0)
		i++;
	if (i >= end || !(tok_is_word(tok_at(ev, i), "{") || tok_at(ev, i)->kind == TOK_LPAREN)) {
		g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX,
			    "line %u: function %s has no body", line, name);
		return FALSE;
	}
	paren = tok_at(ev, i)->kind == TOK_LPAREN;
	body_start = i + 1;
	for (; i < end; i++) {
		Token *t = tok_at(ev, i);

		if (paren ? t->kind == TOK_LPAREN : tok_is_word(t, "{"))
			depth++;
		else if ((paren ? t->kind == TOK_RPAREN : tok_is_word(t, "}")) && --depth == 0)
			break;
	}
	if (i >= end) {
		g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX,
			    "line %u: the body of function %s is not closed", line, name);
		return FALSE;
	}
	fn = g_new0(Func, 1);
	fn->body_start = body_start;
	fn->body_end = i;
	fn->line = line;
	g_hash_table_replace(ev->funcs, g_strdup(name), fn);
	*pi = i + 1;
	return TRUE;
}

static void pop_block(Eval *ev)
{
	if (ev->blocks->len)
		g_string_truncate(ev->blocks, ev->blocks->len - 1);
}

static gboolean exec_range(Eval *ev, guint start, guint end, GError **error)
{
	gboolean expect_pattern = FALSE;
	/* The command after && or || may not run. */
	gboolean after_and_or = FALSE;
	guint i = start;

	while (i < end && !ev->exited && !ev->returned) {
		Token *t = tok_at(ev, i);
		guint cmd_start;

		if (t->kind == TOK_SEP) {
			if (strcmp(t->text, ";;") == 0 && ev->blocks->len &&
			    ev->blocks->str[ev->blocks->len - 1] == 'c')
				expect_pattern = TRUE;
			after_and_or = strcmp(t->text, "&&") == 0 || strcmp(t->text, "||") == 0;
			i++;
			continue;
		}
		if (t->kind == TOK_LPAREN || t->kind == TOK_RPAREN) {
			i++; /* subshell grouping: evaluate its contents in place */
			continue;
		}
		if (expect_pattern) {
			if (tok_is_word(t, "esac")) {
				expect_pattern = FALSE;
				continue;
			}
			while (i < end && tok_at(ev, i)->kind != TOK_RPAREN)
				i++;
			i++;
			expect_pattern = FALSE;
			continue;
		}
		if (tok_is_word(t, "if") || tok_is_word(t, "while") || tok_is_word(t, "until")) {
			g_string_append_c(ev->blocks, t->text[0] == 'i' ? 'i' : 'l');
			i++;
			continue;
		}
		if (tok_is_word(t, "then") || tok_is_word(t, "else") || tok_is_word(t, "elif") ||
		    tok_is_word(t, "do") || tok_is_word(t, "!") || tok_is_word(t, "{") ||
		    tok_is_word(t, "}")) {
			i++;
			continue;
		}
		if (tok_is_word(t, "fi") || tok_is_word(t, "done") || tok_is_word(t, "esac")) {
			pop_block(ev);
			i++;
			continue;
		}
		if (tok_is_word(t, "for") || tok_is_word(t, "select")) {
			Token *var = i + 1 < end ? tok_at(ev, i + 1) : NULL;

			if (var && var->kind == TOK_WORD && is_name(var->text, strlen(var->text)))
				eval_mark_unknown(
				    ev, var->text,
				    g_strdup_printf("$%s is a loop variable (line %u)", var->text,
						    t->line));
			g_string_append_c(ev->blocks, 'l');
			i = skip_to_separator(ev, i + 1, end);
			continue;
		}
		if (tok_is_word(t, "case")) {
			g_string_append_c(ev->blocks, 'c');
			while (i < end && !tok_is_word(tok_at(ev, i), "in"))
				i++;
			i++;
			expect_pattern = TRUE;
			continue;
		}
		if (tok_is_word(t, "function") && i + 1 < end &&
		    tok_at(ev, i + 1)->kind == TOK_WORD) {
			const char *name = tok_at(ev, i + 1)->text;

			i += 2;
			if (i + 1 < end && tok_at(ev, i)->kind == TOK_LPAREN &&
			    tok_at(ev, i + 1)->kind == TOK_RPAREN)
				i += 2;
			if (!define_function(ev, name, t->line, &i, end, error))
				return FALSE;
			continue;
		}
		if (t->kind == TOK_WORD && i + 2 < end && tok_at(ev, i + 1)->kind == TOK_LPAREN &&
		    tok_at(ev, i + 2)->kind == TOK_RPAREN) {
			i += 3;
			if (!define_function(ev, t->text, t->line, &i, end, error))
				return FALSE;
			continue;
		}

		/* A simple command: words up to the next separator. */
		cmd_start = i;
		{
			g_autoptr(GPtrArray) words = g_ptr_array_new();

			while (i < end) {
				Token *w = tok_at(ev, i);

				if (w->kind == TOK_SEP || w->kind == TOK_RPAREN)
					break;
				if (w->kind == TOK_LPAREN) {
					/* NAME=(...) array assignment */
					Token *prev = words->len
							  ? g_ptr_array_index(words, words->len - 1)
							  : NULL;
					gsize plen = prev ? strlen(prev->text) : 0;

					while (i < end && tok_at(ev, i)->kind != TOK_RPAREN)
						i++;
					i++;
					if (prev && plen > 1 && prev->text[plen - 1] == '=' &&
					    is_name(prev->text, plen - 1)) {
						g_autofree char *name =
						    g_strndup(prev->text, plen - 1);

						eval_mark_unknown(
						    ev, name,
						    g_strdup_printf("$%s is an array (line "
								    "%u); arrays are not "
								    "supported",
								    name, prev->line));
						g_ptr_array_remove_index(words, words->len - 1);
					}
					continue;
				}
				g_ptr_array_add(words, w);
				i++;
			}
			if (words->len > 0) {
				gboolean ok;

				ev->inherited_cond += after_and_or ? 1 : 0;
				ok = run_simple_command(ev, (Token **)words->pdata, words->len,
							error);
				ev->inherited_cond -= after_and_or ? 1 : 0;
				after_and_or = FALSE;
				if (!ok)
					return FALSE;
			}
		}
		if (i == cmd_start)
			i++;
	}
	return TRUE;
}

/* Lines with acrn-dm inside function bodies, used to explain a script whose
 * acrn-dm command is never reached. */
static char *describe_unreached_dm(Eval *ev)
{
	g_autoptr(GString) lines = g_string_new(NULL);

	for (guint k = 0; k < ev->tokens->len; k++) {
		Token *t = tok_at(ev, k);

		if (t->kind == TOK_WORD && raw_mentions_dm(t->text) &&
		    (k == 0 || tok_at(ev, k - 1)->kind == TOK_SEP ||
		     tok_is_word(tok_at(ev, k - 1), "exec") ||
		     tok_is_word(tok_at(ev, k - 1), "{"))) {
			if (lines->len)
				g_string_append(lines, ", ");
			g_string_append_printf(lines, "%u", t->line);
		}
	}
	if (!lines->len)
		return NULL;
	return g_string_free(g_steal_pointer(&lines), FALSE);
}

void launch_script_command_free(LaunchScriptCommand *cmd)
{
	if (!cmd)
		return;
	g_strfreev(cmd->argv);
	g_free(cmd);
}

LaunchScriptCommand *launch_script_find_dm_command(const char *text, gssize len,
						   const char *script_name, const char *const *args,
						   GError **error)
{
	Lexer lx = {0};
	Eval ev = {0};
	LaunchScriptCommand *result = NULL;
	gsize n = len < 0 ? strlen(text) : (gsize)len;

	if (n > LAUNCH_SCRIPT_MAX_SIZE) {
		g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE,
			    "the script is larger than %u bytes", LAUNCH_SCRIPT_MAX_SIZE);
		return NULL;
	}
	if (memchr(text, '\0', n)) {
		g_set_error_literal(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX,
				    "the script contains NUL bytes (not a shell script?)");
		return NULL;
	}

	lx.s = text;
	lx.len = n;
	lx.line = 1;
	lx.tokens = g_ptr_array_new_with_free_func((GDestroyNotify)token_free);
	lx.heredocs = g_ptr_array_new_with_free_func((GDestroyNotify)pending_heredoc_free);

	ev.tokens = lx.tokens;
	ev.vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)var_free);
	ev.funcs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	ev.positional = g_ptr_array_new_with_free_func(g_free);
	for (const char *const *a = args; a && *a; a++)
		g_ptr_array_add(ev.positional, g_strdup(*a));
	ev.script_name = g_strdup(script_name ? script_name : "launch.sh");
	ev.blocks = g_string_new(NULL);
	ev.sourced = g_ptr_array_new_with_free_func(g_free);
	ev.found_lines = g_string_new(NULL);

	if (!lex(&lx, error))
		goto out;
	if (!exec_range(&ev, 0, ev.tokens->len, error))
		goto out;

	if (ev.found_count > 1) {
		g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_NO_DEVICE_MODEL,
			    "the script runs acrn-dm %u times (lines %s); acrnctl add takes a "
			    "script that launches one VM",
			    ev.found_count, ev.found_lines->str);
		goto out;
	}
	if (!ev.found) {
		g_autofree char *lines = describe_unreached_dm(&ev);

		if (lines)
			g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_NO_DEVICE_MODEL,
				    "acrn-dm (line %s) is never reached: it is inside a function "
				    "the script does not call, or after an exit",
				    lines);
		else if (ev.sourced->len)
			g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_NO_DEVICE_MODEL,
				    "the script does not run acrn-dm itself (it sources %s, which "
				    "acrnctl does not read)",
				    (const char *)g_ptr_array_index(ev.sourced, 0));
		else
			g_set_error_literal(error, LAUNCH_SCRIPT_ERROR,
					    LAUNCH_SCRIPT_ERROR_NO_DEVICE_MODEL,
					    "the script does not run acrn-dm");
		goto out;
	}
	result = g_steal_pointer(&ev.found);

out:
	launch_script_command_free(ev.found);
	g_string_free(ev.found_lines, TRUE);
	g_ptr_array_unref(ev.sourced);
	g_string_free(ev.blocks, TRUE);
	g_free(ev.script_name);
	g_free(ev.positional_unknown);
	g_ptr_array_unref(ev.positional);
	g_hash_table_unref(ev.funcs);
	g_hash_table_unref(ev.vars);
	g_ptr_array_unref(lx.heredocs);
	g_ptr_array_unref(lx.tokens);
	return result;
}
