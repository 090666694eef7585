/* Static evaluation of upstream-style launch scripts; see launch-script.h.
 *
 * This file is the evaluator: it walks the commands that the lexer
 * (launch-script-lex.c) produced, in order, tracking variables, functions
 * and positional parameters, and expands (launch-script-expand.c) the words
 * of the one command that runs acrn-dm.  Values we cannot know statically
 * are kept as "unknown, because ..." so that the error can say why. */
#include "config.h"

#include <string.h>

#include "launch-script-private.h"

G_DEFINE_QUARK(launch - script - error - quark, launch_script_error)

/* Nesting limit for function calls (recursion in a script would otherwise
 * make us loop forever). */
#define MAX_CALL_DEPTH 16

static gboolean eval_conditional(Eval *ev)
{
	return ev->blocks->len > 0 || ev->inherited_cond > 0;
}

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

	if (!eq || !ls_is_name(raw, (gsize)(eq - raw)))
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
		    ls_var_new_unknown(g_strdup_printf("$%s is assigned inside a condition, loop or "
						    "conditionally called function (line %u)",
						    name, line)));
		return;
	}
	fields = ls_expand_word(ev, raw_value, TRUE, line, &err);
	if (!fields) {
		g_hash_table_replace(
		    ev->vars, g_strdup(name),
		    ls_var_new_unknown(g_strdup_printf("$%s is only known when the script runs: %s",
						    name, err->message)));
		g_error_free(err);
		return;
	}
	g_hash_table_replace(ev->vars, g_strdup(name),
			     ls_var_new_known(fields->len ? fields->pdata[0] : ""));
	g_ptr_array_unref(fields);
}

static void eval_mark_unknown(Eval *ev, const char *name, char *reason_owned)
{
	g_hash_table_replace(ev->vars, g_strdup(name), ls_var_new_unknown(reason_owned));
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
		} else if (arrays && ls_is_name(raw, strlen(raw))) {
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
		g_autoptr(GPtrArray) fields = ls_expand_word(ev, words[k]->text, FALSE, line, &err);

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

			if (!a->text || !ls_all_digits(a->text)) {
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

			if (a->text && ls_is_name(a->text, strlen(a->text)))
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

			if (var && var->kind == TOK_WORD && ls_is_name(var->text, strlen(var->text)))
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
					    ls_is_name(prev->text, plen - 1)) {
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

	ev.tokens = g_ptr_array_new_with_free_func((GDestroyNotify)ls_token_free);
	ev.vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)ls_var_free);
	ev.funcs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	ev.positional = g_ptr_array_new_with_free_func(g_free);
	for (const char *const *a = args; a && *a; a++)
		g_ptr_array_add(ev.positional, g_strdup(*a));
	ev.script_name = g_strdup(script_name ? script_name : "launch.sh");
	ev.blocks = g_string_new(NULL);
	ev.sourced = g_ptr_array_new_with_free_func(g_free);
	ev.found_lines = g_string_new(NULL);

	if (!ls_lex(text, n, ev.tokens, error))
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
	g_ptr_array_unref(ev.tokens);
	return result;
}
