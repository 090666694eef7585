/* The lexer of the launch-script reader; see launch-script-private.h. */
#include "config.h"

#include <string.h>

#include "launch-script-private.h"

void ls_token_free(Token *tok)
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
	guint depth;	     /* recursion of quotes inside $( / ${ and back */
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
static gboolean lx_copy_dquoted_inner(Lexer *lx, GString *out, GError **error);

/* "$(" inside double quotes inside "$(" ... recurses: bound it, so that a
 * hostile script cannot overflow the stack. */
static gboolean lx_enter(Lexer *lx, GError **error)
{
	if (lx->depth >= 2 * LS_MAX_EXPANSION_DEPTH)
		return lx_error(lx, lx->line, "quotes and substitutions nested too deep", error);
	lx->depth++;
	return TRUE;
}

static gboolean lx_copy_dquoted(Lexer *lx, GString *out, GError **error)
{
	gboolean ok;

	if (!lx_enter(lx, error))
		return FALSE;
	ok = lx_copy_dquoted_inner(lx, out, error);
	lx->depth--;
	return ok;
}

static gboolean lx_copy_dquoted_inner(Lexer *lx, GString *out, GError **error)
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
static gboolean lx_copy_balanced_inner(Lexer *lx, GString *out, char open, char close,
				       GError **error);

static gboolean lx_copy_balanced(Lexer *lx, GString *out, char open, char close, GError **error)
{
	gboolean ok;

	if (!lx_enter(lx, error))
		return FALSE;
	ok = lx_copy_balanced_inner(lx, out, open, close, error);
	lx->depth--;
	return ok;
}

static gboolean lx_copy_balanced_inner(Lexer *lx, GString *out, char open, char close,
				       GError **error)
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

/* A redirection operator starts at pos (after the file descriptor digits
 * @fd, "" if none): consume it and its target word, which do not reach the
 * command's argv, and emit a TOK_REDIR saying whether it redirects standard
 * output (which matters inside command substitutions). */
static gboolean lx_redirection(Lexer *lx, const char *fd, GError **error)
{
	gboolean heredoc = FALSE, strip_tabs = FALSE;
	g_autoptr(GString) target = g_string_new(NULL);
	guint line = lx->line;
	gboolean stdout_too = FALSE;

	if (lx_peek(lx, 0) == '&') { /* &> and &>> */
		lx->pos++;
		stdout_too = TRUE;
	} else if (lx_peek(lx, 0) == '>' && (!*fd || strcmp(fd, "1") == 0)) {
		stdout_too = TRUE;
	}
	lx_emit(lx, TOK_REDIR, stdout_too ? "stdout" : "other", line);
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
			if (!lx_redirection(lx, "", error))
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
			if (!lx_redirection(lx, "", error))
				return FALSE;
		} else {
			g_autoptr(GString) word = g_string_new(NULL);

			if (!lx_scan_word(lx, word, error))
				return FALSE;
			/* "2>&1": the digits directly before a redirection are a
			 * file descriptor number, not an argument. */
			if ((lx_peek(lx, 0) == '<' || lx_peek(lx, 0) == '>') &&
			    ls_all_digits(word->str)) {
				if (!lx_redirection(lx, word->str, error))
					return FALSE;
				continue;
			}
			lx_emit(lx, TOK_WORD, word->str, line);
		}
	}
	lx_emit(lx, TOK_SEP, "\n", lx->line);
	return TRUE;
}
gboolean ls_all_digits(const char *s)
{
	if (!*s)
		return FALSE;
	for (; *s; s++)
		if (!g_ascii_isdigit(*s))
			return FALSE;
	return TRUE;
}

gboolean ls_is_name(const char *s, gsize len)
{
	if (len == 0 || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
		return FALSE;
	for (gsize i = 1; i < len; i++)
		if (!(g_ascii_isalnum(s[i]) || s[i] == '_'))
			return FALSE;
	return TRUE;
}

gboolean ls_lex(const char *text, gsize len, GPtrArray *tokens, GError **error)
{
	Lexer lx = {0};
	gboolean ok;

	lx.s = text;
	lx.len = len;
	lx.line = 1;
	lx.tokens = tokens;
	lx.heredocs = g_ptr_array_new_with_free_func((GDestroyNotify)pending_heredoc_free);
	ok = lex(&lx, error);
	g_ptr_array_unref(lx.heredocs);
	return ok;
}
