/* Internals of the launch-script reader (see launch-script.h), shared by
 * its three stages: the lexer (launch-script-lex.c) cuts the script into
 * words, still quoted as written, and operators; expansion
 * (launch-script-expand.c) turns one word into fields the way the shell
 * would, from the variables and positional parameters known so far; the
 * evaluator (launch-script.c) walks the commands in order and records the
 * acrn-dm command line. */
#pragma once

#include <glib.h>

#include "launch-script.h"

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

typedef struct {
	char *value;   /* NULL when unknown */
	char *unknown; /* why the value cannot be known statically */
} Var;

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
	guint expand_depth; /* nesting of ${...} and $(...) being expanded */
	gboolean exited;
	gboolean returned;
	GPtrArray *sourced;	      /* "FILE (line N)" */
	GPtrArray *uncalled_dm_lines; /* acrn-dm inside functions never called */
	LaunchScriptCommand *found;
	guint found_count;
	GString *found_lines;
} Eval;

/* Deepest nesting of ${...} / $(...) expanded; scripts use two or three. */
#define LS_MAX_EXPANSION_DEPTH 32

void ls_token_free(Token *tok);
/* Appends the tokens of @text to @tokens (a final newline separator
 * included). */
gboolean ls_lex(const char *text, gsize len, GPtrArray *tokens, GError **error);

gboolean ls_all_digits(const char *s);
gboolean ls_is_name(const char *s, gsize len);

void ls_var_free(Var *v);
Var *ls_var_new_known(const char *value);
Var *ls_var_new_unknown(char *reason_owned);

/* Expands @raw into fields (with field splitting unless @assignment). */
GPtrArray *ls_expand_word(Eval *ev, const char *raw, gboolean assignment, guint line,
			  GError **error);
