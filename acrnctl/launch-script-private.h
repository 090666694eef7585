/* Internals of the launch-script reader (see launch-script.h), shared by
 * its three stages: the lexer (launch-script-lex.c) cuts the script into
 * words, still quoted as written, and operators; expansion
 * (launch-script-expand.c) turns one word into fields the way the shell
 * would, from the variables and positional parameters known so far; the
 * evaluator (launch-script.c) walks the commands in order and records the
 * acrn-dm command line. */
#pragma once

#include <glib.h>

#include "dm-argv-to-def.h"
#include "launch-script.h"

typedef enum {
	TOK_WORD,
	TOK_SEP, /* newline ; ;; & && | || */
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_REDIR, /* a redirection (consumed with its target): "stdout" or "other" */
} TokenKind;

typedef struct {
	TokenKind kind;
	char *text; /* raw text, quotes included */
	guint line;
} Token;

/* A value only known when the script runs is written into strings as
 * LS_UNKNOWN_MARK, the decimal index of its reason in Eval.unknowns, and
 * LS_UNKNOWN_MARK again (the mark is dm_argv_to_def()'s, and scripts that
 * contain it are refused).  It travels through assignments, function
 * arguments and command substitutions like any text, so that only a value
 * acrn-dm's converted options actually need makes the conversion fail. */
#define LS_UNKNOWN_MARK DM_ARGV_UNKNOWN_MARK

typedef struct {
	char *value;	  /* a scalar, or element 0 of an array */
	GPtrArray *array; /* char *, NULL for a scalar */
} Var;

typedef struct {
	GPtrArray *tokens; /* the token array the body is in (a reference) */
	guint body_start;  /* token index of the first body token */
	guint body_end;	   /* token index of the closing brace */
	guint line;
} Func;

typedef struct {
	GPtrArray *tokens;
	GHashTable *vars;  /* name -> Var* */
	GHashTable *funcs; /* name -> Func* */
	GPtrArray *positional;
	char *positional_unknown; /* a placeholder when $1... are unknown */
	char *script_name;
	char *home; /* what ~ expands to */
	char *cwd;  /* after cd: a directory (relative to the script's), or a
		     * placeholder; NULL: the script's directory */
	/* One frame (name -> line of its last assignment, as GUINT) per branch
	 * run without knowing whether it runs: loops, conditions we cannot
	 * decide, the right side of && and || after an unknown status.  What a
	 * frame assigned becomes unknown when the frame ends: inside the
	 * branch (and the functions it calls) the values are known. */
	GPtrArray *frames;
	guint func_frames; /* frames->len when the running function was called */
	guint call_depth;
	guint call_line;    /* where the outermost running function was called */
	guint expand_depth; /* nesting of ${...} and $(...) being expanded */
	guint64 work;	    /* commands run and bytes expanded, bounded */
	gboolean exited;
	gboolean returned;
	/* Subshells ($(...), `...`, ( ... )): every change to a variable is
	 * journaled (UndoEntry) and undone when the subshell ends. */
	GArray *undo;
	guint subshells;
	/* The running function's `local` variables (UndoEntry), restored when
	 * it returns; NULL outside functions. */
	GArray *locals;
	/* Standard output of the command substitution being evaluated, or
	 * NULL; capture_frames is frames->len when it began. */
	GString *capture;
	guint capture_frames;
	GPtrArray *sourced;  /* "FILE (line N)" */
	GPtrArray *unknowns; /* reasons, see LS_UNKNOWN_MARK */
	GPtrArray *warnings;
	LaunchScriptCommand *found;
	guint found_count;
	GString *found_lines;
} Eval;

typedef struct {
	char *name;
	Var *old; /* NULL: was unset */
} UndoEntry;

/* Deepest nesting of ${...} / $(...) expanded; scripts use two or three. */
#define LS_MAX_EXPANSION_DEPTH 32

void ls_token_free(Token *tok);
/* Appends the tokens of @text to @tokens (a final newline separator
 * included). */
gboolean ls_lex(const char *text, gsize len, GPtrArray *tokens, GError **error);

gboolean ls_all_digits(const char *s);
gboolean ls_is_name(const char *s, gsize len);

/* Upper bound of Eval.work: commands run plus bytes produced by
 * expansions.  Real scripts need a few thousand; it bounds the time and
 * memory a hostile script can cost (exponential function fan-out, values
 * doubling on every line). */
#define LS_MAX_WORK (4u * 1024 * 1024)

void ls_var_free(Var *v);
Var *ls_var_new(const char *value);
Var *ls_var_copy(const Var *v);
/* Sets a variable (@v owned), recording it in the innermost frame and in
 * the subshell journal. */
void ls_set_var(Eval *ev, const char *name, Var *v, guint line);
/* Marks the variables that the shell arithmetic @text assigns (x=1, i++,
 * n+=2, ...) unknown. */
void ls_mark_arith_assignments(Eval *ev, const char *text, guint line);
/* Records in the innermost frame that @name is being changed in place. */
void ls_touch_var(Eval *ev, const char *name, guint line);
#define LS_MAX_WARNINGS 32

/* A new placeholder string for a value unknown because of @reason. */
char *ls_unknown(Eval *ev, char *reason_owned);
gboolean ls_has_unknown(const char *s);
/* The reason of the first placeholder in @s, or NULL. */
const char *ls_unknown_reason(Eval *ev, const char *s);
void ls_warn(Eval *ev, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Charges @amount to Eval.work; FALSE with @error past LS_MAX_WORK. */
gboolean ls_charge(Eval *ev, guint64 amount, GError **error);

/* Expands @raw into fields (with field splitting unless @assignment). */
GPtrArray *ls_expand_word(Eval *ev, const char *raw, gboolean assignment, guint line,
			  GError **error);
/* Runs @body (a command substitution's text, backslashes already
 * processed) in a subshell and returns its standard output: known where
 * it came from echo/printf in the script's own functions, placeholders
 * where it came from commands acrnctl does not run.  Implemented by the
 * evaluator. */
char *ls_command_substitution(Eval *ev, const char *body, guint line, GError **error);
