/* Static evaluation of upstream-style launch scripts; see launch-script.h.
 *
 * This file is the evaluator: it walks the commands that the lexer
 * (launch-script-lex.c) produced, in order, tracking variables, arrays,
 * functions and positional parameters, and expands (launch-script-expand.c)
 * the words of the one command that runs acrn-dm.  Conditions it can decide
 * ([ "$1" = "-C" ] with $1 known) choose their branch; the others run every
 * branch inside a frame (see Eval.frames).  No external command is ever
 * run: their output and status are unknown. */
#include "config.h"

#include <string.h>

#include "launch-script-private.h"

/* clang-format would put spaces around the dashes of the quark's name. */
/* clang-format off */
G_DEFINE_QUARK(launch-script-error-quark, launch_script_error)
/* clang-format on */

/* Nesting limit for function calls (recursion in a script would otherwise
 * make us loop forever). */
#define MAX_CALL_DEPTH 16

/* The exit status of a command, as far as we can tell. */
typedef enum {
	ST_TRUE,
	ST_FALSE,
	ST_UNKNOWN,
} Status;

/* A word of a simple command; @elems holds the words of an array literal
 * following NAME=. */
typedef struct {
	Token *tok;
	GPtrArray *elems; /* Token *, not owned; NULL if none */
} CmdWord;

static void cmd_word_clear(gpointer p)
{
	CmdWord *w = p;

	if (w->elems)
		g_ptr_array_unref(w->elems);
}

static Token *tok_at(Eval *ev, guint i)
{
	return g_ptr_array_index(ev->tokens, i);
}

static gboolean tok_is_word(Token *t, const char *text)
{
	return t->kind == TOK_WORD && strcmp(t->text, text) == 0;
}

static gboolean tok_is_sep(Token *t, const char *text)
{
	return t->kind == TOK_SEP && strcmp(t->text, text) == 0;
}

/* Words that end a list where a command could start. */
static gboolean is_terminator(Token *t)
{
	static const char *const words[] = {"then", "elif", "else", "fi", "do",
					    "done", "esac", "}",    "]]"};

	if (t->kind == TOK_RPAREN || tok_is_sep(t, ";;"))
		return TRUE;
	if (t->kind != TOK_WORD)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(words); i++)
		if (strcmp(t->text, words[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Inside a frame of the running function, i.e. not sure to run. */
static gboolean eval_conditional(Eval *ev)
{
	return ev->frames->len > ev->func_frames;
}

static void push_frame(Eval *ev)
{
	g_ptr_array_add(ev->frames, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL));
}

/* What the frame assigned is unknown from now on. */
static void pop_frame(Eval *ev)
{
	GHashTable *frame = g_ptr_array_steal_index(ev->frames, ev->frames->len - 1);
	GHashTableIter it;
	gpointer name, line;

	g_hash_table_iter_init(&it, frame);
	while (g_hash_table_iter_next(&it, &name, &line)) {
		g_autofree char *ph = ls_unknown(
		    ev, g_strdup_printf("$%s is assigned inside a condition, loop or conditionally "
					"called function (line %u)",
					(const char *)name, GPOINTER_TO_UINT(line)));

		ls_set_var(ev, name, ls_var_new(ph), GPOINTER_TO_UINT(line));
	}
	g_hash_table_unref(frame);
}

/* "NAME=...", "NAME+=..." or "NAME[i]=..." with an unquoted valid name. */
static gboolean split_assignment(const char *raw, char **name, char **index, gboolean *append,
				 const char **value)
{
	const char *eq = strchr(raw, '=');
	const char *end, *bracket;

	if (!eq || eq == raw)
		return FALSE;
	end = eq;
	*append = end[-1] == '+';
	if (*append)
		end--;
	bracket = memchr(raw, '[', (gsize)(end - raw));
	if (bracket && end[-1] == ']') {
		if (!ls_is_name(raw, (gsize)(bracket - raw)))
			return FALSE;
		*name = g_strndup(raw, (gsize)(bracket - raw));
		*index = g_strndup(bracket + 1, (gsize)(end - bracket - 2));
	} else {
		if (!ls_is_name(raw, (gsize)(end - raw)))
			return FALSE;
		*name = g_strndup(raw, (gsize)(end - raw));
		*index = NULL;
	}
	*value = eq + 1;
	return TRUE;
}

static gboolean is_assignment(const char *raw)
{
	g_autofree char *name = NULL;
	g_autofree char *index = NULL;
	gboolean append;
	const char *value;

	return split_assignment(raw, &name, &index, &append, &value);
}

/* The variable @name, to be changed in place: outside subshells the one in
 * the table (appending to an array stays linear), inside them a copy, so
 * that the journal keeps the old one. */
static Var *var_for_update(Eval *ev, const char *name, guint line, GError **error)
{
	Var *old = g_hash_table_lookup(ev->vars, name);
	Var *v;

	if (old && ev->subshells == 0) {
		ls_touch_var(ev, name, line);
		return old;
	}
	if (old && !ls_charge(ev, old->array ? old->array->len + 1 : 1, error))
		return NULL;
	v = old ? ls_var_copy(old) : ls_var_new("");
	ls_set_var(ev, name, v, line);
	return v;
}

/* var_for_update() for an array assignment: a scalar that existed becomes
 * element 0, as in bash. */
static Var *array_var_for_update(Eval *ev, const char *name, guint line, GError **error)
{
	gboolean existed = g_hash_table_contains(ev->vars, name);
	Var *v = var_for_update(ev, name, line, error);

	if (v && !v->array) {
		v->array = g_ptr_array_new_with_free_func(g_free);
		if (existed)
			g_ptr_array_add(v->array, g_strdup(v->value));
	}
	return v;
}

/* NAME=value, NAME+=value, NAME[i]=value, NAME=(...) and NAME+=(...). */
static gboolean eval_assign(Eval *ev, const CmdWord *w, gboolean assoc, GError **error)
{
	g_autofree char *name = NULL;
	g_autofree char *index = NULL;
	gboolean append;
	const char *raw_value;
	guint line = w->tok->line;

	if (!split_assignment(w->tok->text, &name, &index, &append, &raw_value))
		return TRUE;
	/* `old` is looked up after each expansion: command substitutions in
	 * it may change or free the variable. */
	if (w->elems) {
		g_autoptr(GPtrArray) elems = g_ptr_array_new_with_free_func(g_free);
		Var *v;

		for (guint k = 0; k < w->elems->len; k++) {
			Token *e = w->elems->pdata[k];
			g_autoptr(GPtrArray) fields = NULL;

			if (assoc || e->text[0] == '[') {
				g_autofree char *ph = ls_unknown(
				    ev, g_strdup_printf("$%s is an associative array (line %u); "
							"only plain arrays are supported",
							name, line));

				ls_set_var(ev, name, ls_var_new(ph), line);
				return TRUE;
			}
			fields = ls_expand_word(ev, e->text, FALSE, e->line, error);
			if (!fields)
				return FALSE;
			for (guint j = 0; j < fields->len; j++)
				g_ptr_array_add(elems, g_strdup(fields->pdata[j]));
		}
		if (!append) {
			v = ls_var_new(NULL);
			v->array = g_steal_pointer(&elems);
			v->value = g_strdup(v->array->len ? v->array->pdata[0] : "");
			ls_set_var(ev, name, v, line);
			return TRUE;
		}
		v = array_var_for_update(ev, name, line, error);
		if (!v)
			return FALSE;
		for (guint k = 0; k < elems->len; k++)
			g_ptr_array_add(v->array, g_strdup(elems->pdata[k]));
		g_free(v->value);
		v->value = g_strdup(v->array->len ? v->array->pdata[0] : "");
		return TRUE;
	}

	g_autoptr(GPtrArray) fields = ls_expand_word(ev, raw_value, TRUE, line, error);
	const char *value;
	Var *v;

	if (!fields)
		return FALSE;
	value = fields->len ? fields->pdata[0] : "";
	if (index) {
		g_autoptr(GPtrArray) idx = ls_expand_word(ev, index, TRUE, line, error);
		guint64 i;

		if (!idx)
			return FALSE;
		if (assoc || ls_has_unknown(idx->pdata[0]) ||
		    !g_ascii_string_to_unsigned(idx->pdata[0], 10, 0, 4096, &i, NULL)) {
			g_autofree char *ph = ls_unknown(
			    ev, g_strdup_printf("$%s[%s] (line %u): only plain arrays indexed by "
						"numbers up to 4096 are supported",
						name, index, line));

			ls_set_var(ev, name, ls_var_new(ph), line);
			return TRUE;
		}
		v = array_var_for_update(ev, name, line, error);
		if (!v)
			return FALSE;
		while (v->array->len <= i)
			g_ptr_array_add(v->array, g_strdup(""));
		{
			char *old_elem = v->array->pdata[i];

			v->array->pdata[i] =
			    append ? g_strconcat(old_elem, value, NULL) : g_strdup(value);
			g_free(old_elem);
		}
		g_free(v->value);
		v->value = g_strdup(v->array->pdata[0]);
		return TRUE;
	}
	if (append && g_hash_table_contains(ev->vars, name)) {
		char *joined;

		if (!ls_charge(ev, strlen(value), error))
			return FALSE;
		v = var_for_update(ev, name, line, error);
		if (!v)
			return FALSE;
		joined = g_strconcat(v->value, value, NULL);
		g_free(v->value);
		v->value = joined;
		if (v->array && v->array->len) {
			g_free(v->array->pdata[0]);
			v->array->pdata[0] = g_strdup(joined);
		}
		return TRUE;
	}
	ls_set_var(ev, name, ls_var_new(value), line);
	return TRUE;
}

static void eval_mark_unknown(Eval *ev, const char *name, char *reason_owned, guint line)
{
	g_autofree char *ph = ls_unknown(ev, reason_owned);

	ls_set_var(ev, name, ls_var_new(ph), line);
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

/* Standard output of a builtin: into the command substitution being
 * evaluated, if any.  Output of a command that may not run makes the
 * substitution's value unknown there. */
static void emit(Eval *ev, const char *text, gboolean redirected, guint line)
{
	if (!ev->capture || redirected)
		return;
	if (ev->frames->len > ev->capture_frames) {
		g_autofree char *ph = ls_unknown(
		    ev, g_strdup_printf("line %u: the output of this command substitution depends "
					"on a condition acrnctl cannot decide",
					line));

		g_string_append(ev->capture, ph);
		return;
	}
	g_string_append(ev->capture, text);
}

/* Skips wrapper commands (exec, nohup, taskset MASK, ...) in front of the
 * real program; returns the index of the program word. */
static guint skip_command_prefixes(GPtrArray *args, guint i)
{
	while (i < args->len) {
		const char *a = args->pdata[i];

		if (strcmp(a, "exec") == 0 || strcmp(a, "nohup") == 0 || strcmp(a, "time") == 0 ||
		    strcmp(a, "command") == 0 || strcmp(a, "setsid") == 0) {
			i++;
		} else if (strcmp(a, "sudo") == 0 || strcmp(a, "env") == 0) {
			i++;
			while (i < args->len) {
				const char *o = args->pdata[i];

				if (o[0] == '-' || is_assignment(o))
					i++;
				else
					break;
			}
		} else if (strcmp(a, "taskset") == 0 || strcmp(a, "chrt") == 0 ||
			   strcmp(a, "nice") == 0) {
			gboolean takes_value = strcmp(a, "nice") != 0;

			i++;
			while (i < args->len) {
				const char *o = args->pdata[i];

				if (o[0] != '-')
					break;
				/* nice -n N: the option takes the next word */
				if (strcmp(o, "-n") == 0)
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

static gboolean exec_list(Eval *ev, guint *pi, guint end, gboolean run, Status *st, GError **error);

/* Every variable set so far becomes unknown because of @reason. */
static void forget_all_variables(Eval *ev, char *reason_owned, guint line)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *ph = ls_unknown(ev, reason_owned);
	GHashTableIter it;
	gpointer name;

	g_hash_table_iter_init(&it, ev->vars);
	while (g_hash_table_iter_next(&it, &name, NULL))
		g_ptr_array_add(names, g_strdup(name));
	for (guint i = 0; i < names->len; i++)
		ls_set_var(ev, names->pdata[i], ls_var_new(ph), line);
}

/* Builtins the evaluator must see even if the script defines a function
 * with that name (bash would refuse most of those definitions). */
static gboolean is_special_builtin(const char *cmd)
{
	static const char *const names[] = {"exit",   "return",	 "shift",   "set",
					    "source", ".",	 "eval",    "unset",
					    "read",   "getopts", "mapfile", "readarray"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(cmd, names[i]) == 0)
			return TRUE;
	return FALSE;
}

/* acrn-dm -h/--help/-v/--version and nothing else. */
static gboolean is_dm_query(GPtrArray *args, guint prog)
{
	if (prog + 1 >= args->len)
		return FALSE;
	for (guint k = prog + 1; k < args->len; k++) {
		const char *a = args->pdata[k];

		if (strcmp(a, "-h") != 0 && strcmp(a, "--help") != 0 && strcmp(a, "-v") != 0 &&
		    strcmp(a, "--version") != 0)
			return FALSE;
	}
	return TRUE;
}

static gboolean eval_record_dm(Eval *ev, GPtrArray *args, guint prog, guint line)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

	for (guint k = prog; k < args->len; k++)
		g_ptr_array_add(argv, g_strdup(args->pdata[k]));
	ev->found_count++;
	if (ev->found_lines->len)
		g_string_append(ev->found_lines, ", ");
	if (ev->call_depth > 0)
		g_string_append_printf(ev->found_lines, "%u (called at line %u)", line,
				       ev->call_line);
	else
		g_string_append_printf(ev->found_lines, "%u", line);
	if (ev->found)
		return TRUE; /* reported after evaluation, with every line */
	g_ptr_array_add(argv, NULL);
	ev->found = g_new0(LaunchScriptCommand, 1);
	ev->found->argv = (GStrv)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
	ev->found->line = line;
	ev->found->cwd = g_strdup(ev->cwd);
	return TRUE;
}

static void eval_set_positional(Eval *ev, GPtrArray *args, guint from)
{
	g_ptr_array_set_size(ev->positional, 0);
	g_clear_pointer(&ev->positional_unknown, g_free);
	for (guint k = from; k < args->len; k++)
		g_ptr_array_add(ev->positional, g_strdup(args->pdata[k]));
}

static void positional_become_unknown(Eval *ev, char *reason_owned)
{
	g_free(ev->positional_unknown);
	ev->positional_unknown = ls_unknown(ev, reason_owned);
}

static gboolean eval_call(Eval *ev, Func *fn, GPtrArray *args, guint prog, guint line, Status *st,
			  GError **error)
{
	GPtrArray *saved_pos = ev->positional;
	char *saved_unknown = ev->positional_unknown;
	GPtrArray *saved_tokens = ev->tokens;
	guint saved_func_frames = ev->func_frames;
	GArray *saved_locals = ev->locals;
	guint i = fn->body_start;
	gboolean ok;

	*st = ST_UNKNOWN;
	if (ev->call_depth >= MAX_CALL_DEPTH)
		return TRUE; /* recursion: stop following it */
	ev->positional = g_ptr_array_new_with_free_func(g_free);
	ev->positional_unknown = NULL;
	eval_set_positional(ev, args, prog + 1);
	if (ev->call_depth == 0)
		ev->call_line = line;
	ev->tokens = fn->tokens;
	ev->func_frames = ev->frames->len;
	ev->locals = g_array_new(FALSE, FALSE, sizeof(UndoEntry));
	ev->call_depth++;
	ok = exec_list(ev, &i, fn->body_end, TRUE, st, error);
	ev->call_depth--;
	/* Local variables get their values from before the call back. */
	while (ev->locals->len > 0) {
		UndoEntry *u = &g_array_index(ev->locals, UndoEntry, ev->locals->len - 1);

		ls_set_var(ev, u->name, u->old, line);
		g_free(u->name);
		g_array_set_size(ev->locals, ev->locals->len - 1);
	}
	g_array_unref(ev->locals);
	ev->locals = saved_locals;
	ev->returned = FALSE;
	ev->tokens = saved_tokens;
	ev->func_frames = saved_func_frames;
	g_ptr_array_unref(ev->positional);
	g_free(ev->positional_unknown);
	ev->positional = saved_pos;
	ev->positional_unknown = saved_unknown;
	*st = ST_UNKNOWN; /* what a function returns is not tracked */
	return ok;
}

/* Declaration builtins: export/readonly/local/declare/typeset.  `local`
 * (and declare/typeset inside a function) saves the variable, which the
 * function's return restores. */
static gboolean make_local(Eval *ev, const char *name, guint line, GError **error)
{
	Var *old;
	UndoEntry u;

	if (!ev->locals)
		return TRUE; /* not in a function: a global */
	for (guint k = 0; k < ev->locals->len; k++)
		if (strcmp(g_array_index(ev->locals, UndoEntry, k).name, name) == 0)
			return TRUE;
	old = g_hash_table_lookup(ev->vars, name);
	if (old && !ls_charge(ev, old->array ? old->array->len + 1 : 1, error))
		return FALSE;
	u.name = g_strdup(name);
	u.old = old ? ls_var_copy(old) : NULL;
	g_array_append_val(ev->locals, u);
	(void)line;
	return TRUE;
}

static gboolean eval_declaration(Eval *ev, CmdWord *words, guint n, GError **error)
{
	gboolean assoc = FALSE;
	const char *cmd = words[0].tok->text;
	gboolean local =
	    strcmp(cmd, "local") == 0 || strcmp(cmd, "declare") == 0 || strcmp(cmd, "typeset") == 0;

	for (guint k = 1; k < n; k++) {
		const char *raw = words[k].tok->text;
		gsize len = strcspn(raw, "+=[");

		if (raw[0] == '-' || raw[0] == '+') {
			if (strchr(raw, 'A'))
				assoc = TRUE;
			if (strchr(raw, 'g'))
				local = FALSE; /* declare -g: global */
			continue;
		}
		if (local && ls_is_name(raw, len)) {
			g_autofree char *name = g_strndup(raw, len);

			if (!make_local(ev, name, words[k].tok->line, error))
				return FALSE;
		}
		if (is_assignment(raw)) {
			if (!eval_assign(ev, &words[k], assoc, error))
				return FALSE;
		} else if (assoc && ls_is_name(raw, strlen(raw))) {
			eval_mark_unknown(ev, raw,
					  g_strdup_printf("$%s is an associative array (line %u); "
							  "only plain arrays are supported",
							  raw, words[k].tok->line),
					  words[k].tok->line);
		}
	}
	return TRUE;
}

/* Whether @s is empty, even if parts of it are unknown: "x<?>" is not. */
static Status is_empty(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p != LS_UNKNOWN_MARK)
			return ST_FALSE;
		p = strchr(p + 1, LS_UNKNOWN_MARK);
		if (!p)
			break;
	}
	return ls_has_unknown(s) ? ST_UNKNOWN : ST_TRUE;
}

static Status negated(Status s)
{
	return s == ST_UNKNOWN ? s : s == ST_TRUE ? ST_FALSE : ST_TRUE;
}

/* [ ... ] and test, on words already expanded. */
static Status eval_test(char **a, guint n)
{
	gint64 x, y;

	if (n == 1)
		return negated(is_empty(a[0]));
	if (n == 2 && strcmp(a[0], "-n") == 0)
		return negated(is_empty(a[1]));
	if (n == 2 && strcmp(a[0], "-z") == 0)
		return is_empty(a[1]);
	for (guint k = 0; k < n; k++)
		if (ls_has_unknown(a[k]))
			return ST_UNKNOWN;
	if (n == 0)
		return ST_FALSE;
	if (strcmp(a[0], "!") == 0 && n > 1)
		return negated(eval_test(a + 1, n - 1));
	if (n != 3)
		return ST_UNKNOWN; /* file tests, -a/-o, ... */
	if (strcmp(a[1], "=") == 0 || strcmp(a[1], "==") == 0)
		return strcmp(a[0], a[2]) == 0 ? ST_TRUE : ST_FALSE;
	if (strcmp(a[1], "!=") == 0)
		return strcmp(a[0], a[2]) != 0 ? ST_TRUE : ST_FALSE;
	if (!g_ascii_string_to_signed(a[0], 10, G_MININT64, G_MAXINT64, &x, NULL) ||
	    !g_ascii_string_to_signed(a[2], 10, G_MININT64, G_MAXINT64, &y, NULL))
		return ST_UNKNOWN;
	if (strcmp(a[1], "-eq") == 0)
		return x == y ? ST_TRUE : ST_FALSE;
	if (strcmp(a[1], "-ne") == 0)
		return x != y ? ST_TRUE : ST_FALSE;
	if (strcmp(a[1], "-lt") == 0)
		return x < y ? ST_TRUE : ST_FALSE;
	if (strcmp(a[1], "-le") == 0)
		return x <= y ? ST_TRUE : ST_FALSE;
	if (strcmp(a[1], "-gt") == 0)
		return x > y ? ST_TRUE : ST_FALSE;
	if (strcmp(a[1], "-ge") == 0)
		return x >= y ? ST_TRUE : ST_FALSE;
	return ST_UNKNOWN;
}

static void eval_echo(Eval *ev, GPtrArray *args, guint first, gboolean redirected, guint line)
{
	g_autoptr(GString) out = g_string_new(NULL);
	gboolean newline = TRUE, escapes = FALSE;
	guint k = first;

	for (; k < args->len; k++) {
		const char *a = args->pdata[k];

		if (a[0] != '-' || !a[1] || strspn(a + 1, "neE") != strlen(a + 1))
			break;
		if (strchr(a, 'n'))
			newline = FALSE;
		if (strchr(a, 'e'))
			escapes = TRUE;
	}
	for (guint j = k; j < args->len; j++) {
		const char *a = args->pdata[j];

		if (j > k)
			g_string_append_c(out, ' ');
		if (escapes) {
			g_autofree char *c = g_strcompress(a);

			g_string_append(out, c);
		} else {
			g_string_append(out, a);
		}
	}
	if (newline)
		g_string_append_c(out, '\n');
	emit(ev, out->str, redirected, line);
}

/* printf FORMAT ARGS...: %s, %c, %d/%i/%u/%x/%X/%o with flags and widths,
 * %%, and backslash escapes; anything else makes the output unknown. */
static void eval_printf(Eval *ev, GPtrArray *args, guint first, gboolean redirected, guint line)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const char *fmt = first < args->len ? args->pdata[first] : "";
	guint next = first + 1;
	gboolean unknown = FALSE;

	for (guint k = first; k < args->len; k++)
		if (ls_has_unknown(args->pdata[k]))
			unknown = TRUE;
	for (guint round = 0; !unknown && round <= args->len; round++) {
		guint before = next;

		for (const char *p = fmt; *p && !unknown; p++) {
			if (*p == '\\' && p[1]) {
				char buf[3] = {'\\', p[1], 0};
				g_autofree char *c = g_strcompress(buf);

				g_string_append(out, c);
				p++;
			} else if (*p == '%' && p[1] == '%') {
				g_string_append_c(out, '%');
				p++;
			} else if (*p == '%') {
				const char *spec = p++;
				g_autofree char *cspec = NULL;
				const char *arg = next < args->len ? args->pdata[next++] : "";

				while (*p && strchr("-+ #0123456789.", *p))
					p++;
				if (*p == 'c') {
					g_string_append_len(out, arg, *arg ? 1 : 0);
				} else if (*p == 's') {
					cspec = g_strdup_printf("%.*ss", (int)(p - spec), spec);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
					g_string_append_printf(out, cspec, arg);
#pragma GCC diagnostic pop
				} else if (*p && strchr("diuxXo", *p)) {
					gint64 v;
					char *endp = NULL;

					v = g_ascii_strtoll(arg, &endp, 0);
					if (!*arg || (endp && *endp)) {
						unknown = TRUE;
						break;
					}
					cspec = g_strdup_printf("%.*sll%c", (int)(p - spec), spec,
								*p == 'i' ? 'd' : *p);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
					g_string_append_printf(out, cspec, (long long)v);
#pragma GCC diagnostic pop
				} else {
					unknown = TRUE;
				}
			} else {
				g_string_append_c(out, *p);
			}
		}
		/* printf reuses the format while arguments remain. */
		if (next >= args->len || next == before)
			break;
	}
	if (unknown) {
		g_autofree char *ph = ls_unknown(
		    ev, g_strdup_printf("line %u: printf with this format or these arguments is "
					"only evaluated when the script runs",
					line));

		emit(ev, ph, redirected, line);
		return;
	}
	emit(ev, out->str, redirected, line);
}

static gboolean run_simple_command(Eval *ev, CmdWord *words, guint n, gboolean redirected,
				   Status *st, GError **error)
{
	guint line = words[0].tok->line;
	guint first = 0;
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) raws = g_ptr_array_new(); /* the word each arg came from */
	guint prog;
	const char *cmd;
	Func *fn;

	*st = ST_TRUE;
	/* Leading NAME=value words; alone they assign, before a command
	 * they only set that command's environment. */
	while (first < n && is_assignment(words[first].tok->text))
		first++;
	if (first == n) {
		for (guint k = 0; k < n; k++)
			if (!eval_assign(ev, &words[k], FALSE, error))
				return FALSE;
		return TRUE;
	}

	cmd = words[first].tok->text;
	if (strcmp(cmd, "export") == 0 || strcmp(cmd, "readonly") == 0 ||
	    strcmp(cmd, "local") == 0 || strcmp(cmd, "declare") == 0 || strcmp(cmd, "typeset") == 0)
		return eval_declaration(ev, words + first, n - first, error);

	for (guint k = first; k < n; k++) {
		g_autoptr(GPtrArray) fields =
		    ls_expand_word(ev, words[k].tok->text, FALSE, line, error);

		if (!fields)
			return FALSE;
		for (guint j = 0; j < fields->len; j++) {
			g_ptr_array_add(args, g_strdup(fields->pdata[j]));
			g_ptr_array_add(raws, words[k].tok->text);
		}
	}
	if (args->len == 0)
		return TRUE;

	prog = skip_command_prefixes(args, 0);
	if (prog >= args->len)
		return TRUE;
	cmd = args->pdata[prog];
	if (ls_has_unknown(cmd)) {
		*st = ST_UNKNOWN;
		if (raw_mentions_dm(raws->pdata[prog])) {
			g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_UNKNOWN_VALUE,
				    "line %u: cannot determine the program '%s': %s", line,
				    (const char *)raws->pdata[prog], ls_unknown_reason(ev, cmd));
			return FALSE;
		}
		emit(ev, cmd, redirected, line);
		return TRUE; /* some other command we do not need */
	}

	/* `acrn-dm --help | grep 'GVT args'` asks acrn-dm something; it
	 * launches no VM. */
	if (basename_is(cmd, "acrn-dm") && !is_dm_query(args, prog)) {
		*st = ST_UNKNOWN;
		return eval_record_dm(ev, args, prog, line);
	}
	/* A function of the script comes before the builtins with its name
	 * (as in bash), except those that change the evaluation itself. */
	fn = g_hash_table_lookup(ev->funcs, cmd);
	if (fn && !is_special_builtin(cmd)) {
		/* Its output goes where the caller's would. */
		GString *saved = ev->capture;
		gboolean ok;

		if (redirected)
			ev->capture = NULL;
		ok = eval_call(ev, fn, args, prog, line, st, error);
		ev->capture = saved;
		return ok;
	}

	if (strcmp(cmd, "true") == 0 || strcmp(cmd, ":") == 0 || strcmp(cmd, "break") == 0 ||
	    strcmp(cmd, "continue") == 0)
		return TRUE;
	if (strcmp(cmd, "false") == 0) {
		*st = ST_FALSE;
		return TRUE;
	}
	if (strcmp(cmd, "[") == 0 || strcmp(cmd, "test") == 0) {
		guint count = args->len - prog - 1;

		if (cmd[0] == '[' && count > 0 && strcmp(args->pdata[args->len - 1], "]") == 0)
			count--;
		*st = eval_test((char **)args->pdata + prog + 1, count);
		return TRUE;
	}
	if (strcmp(cmd, "echo") == 0) {
		eval_echo(ev, args, prog + 1, redirected, line);
		return TRUE;
	}
	if (strcmp(cmd, "printf") == 0 && prog + 2 < args->len &&
	    strcmp(args->pdata[prog + 1], "-v") == 0) {
		/* printf -v NAME: assigns what it would print */
		GString *saved = ev->capture;
		guint saved_frames = ev->capture_frames;
		g_autoptr(GString) out = g_string_new(NULL);
		const char *name = args->pdata[prog + 2];

		ev->capture = out;
		ev->capture_frames = ev->frames->len;
		eval_printf(ev, args, prog + 3, FALSE, line);
		ev->capture = saved;
		ev->capture_frames = saved_frames;
		if (ls_is_name(name, strlen(name)))
			ls_set_var(ev, name, ls_var_new(out->str), line);
		return TRUE;
	}
	if (strcmp(cmd, "printf") == 0) {
		eval_printf(ev, args, prog + 1, redirected, line);
		return TRUE;
	}
	if (strcmp(cmd, "shift") == 0) {
		guint64 count = 1;

		if (prog + 1 < args->len) {
			const char *a = args->pdata[prog + 1];

			if (!ls_all_digits(a)) {
				positional_become_unknown(
				    ev, g_strdup_printf("the positional parameters are shifted by "
							"a computed amount (line %u)",
							line));
				return TRUE;
			}
			count = g_ascii_strtoull(a, NULL, 10);
		}
		if (eval_conditional(ev)) {
			positional_become_unknown(ev, g_strdup_printf("the positional parameters "
								      "are shifted conditionally "
								      "(line %u)",
								      line));
		} else if (!ev->positional_unknown) {
			g_ptr_array_remove_range(ev->positional, 0,
						 (guint)MIN(count, ev->positional->len));
		}
		return TRUE;
	}
	if (strcmp(cmd, "set") == 0) {
		if (prog + 1 < args->len && strcmp(args->pdata[prog + 1], "--") == 0) {
			if (eval_conditional(ev))
				positional_become_unknown(
				    ev, g_strdup_printf("the positional parameters are set "
							"conditionally (line %u)",
							line));
			else
				eval_set_positional(ev, args, prog + 2);
		}
		return TRUE;
	}
	if (strcmp(cmd, "cd") == 0 || strcmp(cmd, "pushd") == 0 || strcmp(cmd, "popd") == 0) {
		const char *dir = prog + 1 < args->len ? args->pdata[prog + 1] : NULL;
		char *cwd;

		*st = ST_UNKNOWN;
		if (dir && strcmp(dir, "--") == 0)
			dir = prog + 2 < args->len ? args->pdata[prog + 2] : NULL;
		if (!dir && cmd[0] == 'c')
			dir = ev->home;
		if (eval_conditional(ev) || ev->frames->len > 0 || !dir || cmd[1] == 'o' ||
		    strcmp(dir, "-") == 0)
			cwd = ls_unknown(ev,
					 g_strdup_printf("the script changes directory at line %u "
							 "in a way acrnctl cannot follow",
							 line));
		else if (ls_has_unknown(dir) || g_path_is_absolute(dir) || !ev->cwd)
			cwd = g_strdup(dir);
		else if (ls_has_unknown(ev->cwd))
			cwd = g_strdup(ev->cwd);
		else
			cwd = g_build_filename(ev->cwd, dir, NULL);
		g_free(ev->cwd);
		ev->cwd = cwd;
		return TRUE;
	}
	if (strcmp(cmd, "let") == 0) {
		for (guint k = prog + 1; k < args->len; k++)
			ls_mark_arith_assignments(ev, args->pdata[k], line);
		*st = ST_UNKNOWN;
		return TRUE;
	}
	if (strcmp(cmd, "mapfile") == 0 || strcmp(cmd, "readarray") == 0) {
		const char *last = args->pdata[args->len - 1];
		const char *name =
		    prog + 1 < args->len && ls_is_name(last, strlen(last)) ? last : "MAPFILE";

		*st = ST_UNKNOWN;
		eval_mark_unknown(ev, name,
				  g_strdup_printf("$%s is read at run time (line %u)", name, line),
				  line);
		return TRUE;
	}
	if (strcmp(cmd, "read") == 0 || strcmp(cmd, "getopts") == 0) {
		gboolean getopts = cmd[0] == 'g';

		*st = ST_UNKNOWN;
		for (guint k = prog + 1 + (getopts ? 1 : 0); k < args->len; k++) {
			const char *a = args->pdata[k];

			if (!getopts && a[0] == '-') {
				if (strchr("pdtnNu", a[1]) && !a[2])
					k++; /* the option's value */
				continue;
			}
			if (ls_is_name(a, strlen(a)))
				eval_mark_unknown(ev, a,
						  g_strdup_printf("$%s is read at run time "
								  "(line %u)",
								  a, line),
						  line);
		}
		if (getopts)
			eval_mark_unknown(
			    ev, "OPTARG",
			    g_strdup_printf("$OPTARG is read at run time (line %u)", line), line);
		return TRUE;
	}
	if (strcmp(cmd, "unset") == 0) {
		for (guint k = prog + 1; k < args->len; k++) {
			const char *a = args->pdata[k];

			if (a[0] == '-' || !ls_is_name(a, strlen(a)))
				continue;
			ls_set_var(ev, a, NULL, line);
		}
		return TRUE;
	}
	if (strcmp(cmd, "source") == 0 || strcmp(cmd, ".") == 0) {
		const char *a = prog + 1 < args->len ? args->pdata[prog + 1] : "?";

		*st = ST_UNKNOWN;
		/* The file may set any variable: none set so far can be
		 * trusted. */
		forget_all_variables(
		    ev,
		    g_strdup_printf("%s (sourced at line %u), which acrnctl does "
				    "not read, may change it",
				    ls_has_unknown(a) ? (const char *)raws->pdata[prog + 1] : a,
				    line),
		    line);
		g_ptr_array_add(
		    ev->sourced,
		    g_strdup_printf("'%s' (sourced at line %u)",
				    ls_has_unknown(a) ? (const char *)raws->pdata[prog + 1] : a,
				    line));
		return TRUE;
	}
	if (strcmp(cmd, "exit") == 0) {
		/* Only an exit that surely runs ends the script. */
		if (ev->frames->len == 0)
			ev->exited = TRUE;
		return TRUE;
	}
	if (strcmp(cmd, "return") == 0) {
		if (!eval_conditional(ev) && ev->call_depth > 0)
			ev->returned = TRUE;
		return TRUE;
	}
	if (strcmp(cmd, "eval") == 0) {
		for (guint k = prog + 1; k < args->len; k++) {
			if (raw_mentions_dm(raws->pdata[k]) || raw_mentions_dm(args->pdata[k])) {
				g_set_error(error, LAUNCH_SCRIPT_ERROR,
					    LAUNCH_SCRIPT_ERROR_UNKNOWN_VALUE,
					    "line %u: acrn-dm is started through 'eval', whose "
					    "command line is only known at run time",
					    line);
				return FALSE;
			}
		}
		/* What eval assigns is only known when it runs. */
		for (guint k = prog + 1; k < args->len; k++) {
			const char *a = args->pdata[k];

			for (const char *p = a; *p; p++) {
				gsize len = 0;

				if (p > a && (g_ascii_isalnum(p[-1]) || p[-1] == '_'))
					continue;
				while (g_ascii_isalnum(p[len]) || p[len] == '_')
					len++;
				if (len > 0 && ls_is_name(p, len) && p[len] == '=') {
					g_autofree char *name = g_strndup(p, len);

					eval_mark_unknown(ev, name,
							  g_strdup_printf("$%s is assigned by eval "
									  "(line %u)",
									  name, line),
							  line);
				}
			}
		}
		*st = ST_UNKNOWN;
		return TRUE;
	}

	/* Any other command is not run: its status and output are unknown,
	 * and it does not influence acrn-dm's argv otherwise. */
	*st = ST_UNKNOWN;
	if (ev->capture && !redirected) {
		g_autofree char *ph = ls_unknown(
		    ev, g_strdup_printf("line %u: command substitution: '%s' is a command acrnctl "
					"does not run, its output is only known when the script "
					"runs",
					line, cmd));

		emit(ev, ph, redirected, line);
	}
	return TRUE;
}

/* Function definition whose header ends before token *pi ("{" or "(" is at
 * or after it, possibly after newlines); *pi is set after the body. */
static gboolean define_function(Eval *ev, const char *name, guint line, guint *pi, guint end,
				gboolean run, GError **error)
{
	guint i = *pi;
	int depth = 0;
	gboolean paren;
	guint body_start;
	Func *fn;

	while (i < end && tok_is_sep(tok_at(ev, i), "\n"))
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
	*pi = i + 1;
	if (!run)
		return TRUE;
	fn = g_new0(Func, 1);
	fn->tokens = g_ptr_array_ref(ev->tokens);
	fn->body_start = body_start;
	fn->body_end = i;
	fn->line = line;
	g_hash_table_replace(ev->funcs, g_strdup(name), fn);
	return TRUE;
}

/* Skips the separators a list may start with. */
static void skip_newlines(Eval *ev, guint *pi, guint end)
{
	while (*pi < end && tok_is_sep(tok_at(ev, *pi), "\n"))
		(*pi)++;
}

/* Expects keyword @word at *pi; consumes it if there. */
static gboolean expect_word(Eval *ev, guint *pi, guint end, const char *word)
{
	if (*pi < end && tok_is_word(tok_at(ev, *pi), word)) {
		(*pi)++;
		return TRUE;
	}
	return FALSE;
}

/* Runs a list either directly, or (@framed) inside a frame. */
static gboolean exec_branch(Eval *ev, guint *pi, guint end, gboolean run, gboolean framed,
			    Status *st, GError **error)
{
	gboolean ok;

	if (run && framed)
		push_frame(ev);
	ok = exec_list(ev, pi, end, run, st, error);
	if (run && framed)
		pop_frame(ev);
	return ok;
}

static gboolean exec_if(Eval *ev, guint *pi, guint end, gboolean run, Status *st, GError **error)
{
	gboolean taken = FALSE, maybe = FALSE;
	Status result = ST_TRUE;

	(*pi)++; /* if */
	for (;;) {
		gboolean run_cond = run && !taken;
		gboolean cond_framed = run_cond && maybe;
		gboolean run_body;
		Status c = ST_TRUE, b = ST_TRUE;

		if (cond_framed)
			push_frame(ev);
		if (!exec_list(ev, pi, end, run_cond, &c, error))
			return FALSE;
		if (!expect_word(ev, pi, end, "then")) {
			if (cond_framed)
				pop_frame(ev);
			break; /* not shell: leave it to the caller */
		}
		run_body = run_cond && c != ST_FALSE;
		if (!exec_branch(ev, pi, end, run_body, run_body && c == ST_UNKNOWN && !cond_framed,
				 &b, error))
			return FALSE;
		if (cond_framed)
			pop_frame(ev);
		if (run_body && c == ST_TRUE && !maybe) {
			taken = TRUE;
			result = b;
		} else if (run_body) {
			maybe = TRUE;
			result = ST_UNKNOWN;
		}
		if (expect_word(ev, pi, end, "elif"))
			continue;
		if (expect_word(ev, pi, end, "else")) {
			gboolean run_else = run && !taken;

			if (!exec_branch(ev, pi, end, run_else, maybe, &b, error))
				return FALSE;
			if (run_else)
				result = maybe ? ST_UNKNOWN : b;
		}
		expect_word(ev, pi, end, "fi");
		break;
	}
	*st = result;
	return TRUE;
}

static gboolean exec_while(Eval *ev, guint *pi, guint end, gboolean run, Status *st, GError **error)
{
	gboolean until = tok_is_word(tok_at(ev, *pi), "until");
	Status c = ST_TRUE, b;
	gboolean run_body;

	(*pi)++;
	if (!exec_list(ev, pi, end, run, &c, error))
		return FALSE;
	if (!expect_word(ev, pi, end, "do"))
		return TRUE;
	run_body = run && c != (until ? ST_TRUE : ST_FALSE);
	/* The body runs once, in a frame: it may run any number of times. */
	if (!exec_branch(ev, pi, end, run_body, TRUE, &b, error))
		return FALSE;
	expect_word(ev, pi, end, "done");
	*st = run_body ? ST_UNKNOWN : ST_TRUE;
	return TRUE;
}

static gboolean exec_for(Eval *ev, guint *pi, guint end, gboolean run, Status *st, GError **error)
{
	Token *t = tok_at(ev, *pi);
	Token *var = *pi + 1 < end ? tok_at(ev, *pi + 1) : NULL;
	g_autofree char *name = NULL;
	g_autoptr(GString) header = g_string_new(NULL);
	Status b;

	if (var && var->kind == TOK_WORD && ls_is_name(var->text, strlen(var->text)))
		name = g_strdup(var->text);
	(*pi)++;
	/* The word list (or the arithmetic header) up to "do". */
	while (*pi < end &&
	       !(tok_is_word(tok_at(ev, *pi), "do") && tok_at(ev, *pi - 1)->kind == TOK_SEP)) {
		if (tok_at(ev, *pi)->kind == TOK_WORD)
			g_string_append_printf(header, "%s ", tok_at(ev, *pi)->text);
		(*pi)++;
	}
	if (!expect_word(ev, pi, end, "do"))
		return TRUE;
	if (run)
		push_frame(ev);
	if (run && !name) /* for ((i=0; ...)) */
		ls_mark_arith_assignments(ev, header->str, t->line);
	if (run && name)
		eval_mark_unknown(
		    ev, name, g_strdup_printf("$%s is a loop variable (line %u)", name, t->line),
		    t->line);
	if (!exec_list(ev, pi, end, run, &b, error))
		return FALSE;
	if (run)
		pop_frame(ev);
	if (run && name)
		eval_mark_unknown(
		    ev, name, g_strdup_printf("$%s is a loop variable (line %u)", name, t->line),
		    t->line);
	expect_word(ev, pi, end, "done");
	*st = run ? ST_UNKNOWN : ST_TRUE;
	return TRUE;
}

/* Does case subject @subject match pattern word @raw? */
static Status case_match(Eval *ev, const char *subject, const char *raw, guint line, GError **error,
			 gboolean *failed)
{
	g_autoptr(GPtrArray) pat = ls_expand_word(ev, raw, TRUE, line, error);

	if (!pat) {
		*failed = TRUE;
		return ST_UNKNOWN;
	}
	if (ls_has_unknown(subject) || ls_has_unknown(pat->pdata[0]) || strchr(pat->pdata[0], '['))
		return ST_UNKNOWN;
	return g_pattern_match_simple(pat->pdata[0], subject) ? ST_TRUE : ST_FALSE;
}

static gboolean exec_case(Eval *ev, guint *pi, guint end, gboolean run, Status *st, GError **error)
{
	g_autofree char *subject = NULL;
	gboolean taken = FALSE, maybe = FALSE;
	Token *word;

	*st = ST_TRUE;
	(*pi)++;
	if (*pi >= end || tok_at(ev, *pi)->kind != TOK_WORD)
		return TRUE;
	word = tok_at(ev, (*pi)++);
	if (run) {
		g_autoptr(GPtrArray) s = ls_expand_word(ev, word->text, TRUE, word->line, error);

		if (!s)
			return FALSE;
		subject = g_strdup(s->pdata[0]);
	}
	skip_newlines(ev, pi, end);
	if (!expect_word(ev, pi, end, "in"))
		return TRUE;
	for (;;) {
		Status m = ST_FALSE, b;
		gboolean run_body, failed = FALSE;

		skip_newlines(ev, pi, end);
		if (*pi >= end || expect_word(ev, pi, end, "esac"))
			break;
		if (tok_at(ev, *pi)->kind == TOK_LPAREN)
			(*pi)++;
		/* pattern | pattern ... ) */
		while (*pi < end && tok_at(ev, *pi)->kind != TOK_RPAREN) {
			Token *p = tok_at(ev, (*pi)++);

			if (p->kind != TOK_WORD || !run || taken || m == ST_TRUE)
				continue;
			switch (case_match(ev, subject, p->text, p->line, error, &failed)) {
			case ST_TRUE:
				m = ST_TRUE;
				break;
			case ST_UNKNOWN:
				m = ST_UNKNOWN;
				break;
			case ST_FALSE:
				break;
			}
			if (failed)
				return FALSE;
		}
		if (*pi >= end)
			break;
		(*pi)++; /* ) */
		run_body = run && !taken && m != ST_FALSE;
		if (!exec_branch(ev, pi, end, run_body, m == ST_UNKNOWN || maybe, &b, error))
			return FALSE;
		if (run_body && m == ST_TRUE && !maybe) {
			taken = TRUE;
			*st = b;
		} else if (run_body) {
			maybe = TRUE;
			*st = ST_UNKNOWN;
		}
		if (*pi < end && tok_at(ev, *pi)->kind == TOK_SEP &&
		    g_str_has_prefix(tok_at(ev, *pi)->text, ";;"))
			(*pi)++;
		else if (!(*pi < end && tok_is_word(tok_at(ev, *pi), "esac")))
			break; /* not shell */
	}
	return TRUE;
}

/* Subshells: what they change in variables and the directory is undone
 * when they end. */
typedef struct {
	guint undo_mark;
	char *cwd;
} Subshell;

static void enter_subshell(Eval *ev, Subshell *sub)
{
	ev->subshells++;
	sub->undo_mark = ev->undo->len;
	sub->cwd = g_strdup(ev->cwd);
}

static void leave_subshell(Eval *ev, Subshell *sub)
{
	g_free(ev->cwd);
	ev->cwd = g_steal_pointer(&sub->cwd);
	while (ev->undo->len > sub->undo_mark) {
		UndoEntry *u = &g_array_index(ev->undo, UndoEntry, ev->undo->len - 1);

		if (u->old)
			g_hash_table_replace(ev->vars, u->name, u->old);
		else {
			g_hash_table_remove(ev->vars, u->name);
			g_free(u->name);
		}
		g_array_set_size(ev->undo, ev->undo->len - 1);
	}
	ev->subshells--;
}

/* A simple command: its words (with array literals) up to a separator. */
static gboolean exec_simple(Eval *ev, guint *pi, guint end, gboolean run, Status *st,
			    GError **error)
{
	g_autoptr(GArray) words = g_array_new(FALSE, TRUE, sizeof(CmdWord));
	gboolean redirected = FALSE;

	g_array_set_clear_func(words, cmd_word_clear);
	while (*pi < end) {
		Token *t = tok_at(ev, *pi);

		if (t->kind == TOK_SEP || t->kind == TOK_RPAREN)
			break;
		if (t->kind == TOK_REDIR) {
			if (strcmp(t->text, "stdout") == 0)
				redirected = TRUE;
			(*pi)++;
			continue;
		}
		if (t->kind == TOK_LPAREN) {
			CmdWord *prev =
			    words->len ? &g_array_index(words, CmdWord, words->len - 1) : NULL;
			gboolean literal = prev && !prev->elems &&
					   g_str_has_suffix(prev->tok->text, "=") &&
					   is_assignment(prev->tok->text);

			(*pi)++;
			if (literal)
				prev->elems = g_ptr_array_new();
			while (*pi < end && tok_at(ev, *pi)->kind != TOK_RPAREN) {
				Token *e = tok_at(ev, (*pi)++);

				if (literal && e->kind == TOK_WORD)
					g_ptr_array_add(prev->elems, e);
			}
			if (*pi < end)
				(*pi)++;
			continue;
		}
		{
			CmdWord w = {t, NULL};

			g_array_append_val(words, w);
		}
		(*pi)++;
	}
	*st = ST_TRUE;
	if (!run || words->len == 0)
		return TRUE;
	return run_simple_command(ev, (CmdWord *)(void *)words->data, words->len, redirected, st,
				  error);
}

/* [[ ... ]]: decided like [ ... ] when it is one plain test. */
static gboolean exec_double_bracket(Eval *ev, guint *pi, guint end, gboolean run, Status *st,
				    GError **error)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	gboolean plain = TRUE;
	guint line = tok_at(ev, *pi)->line;

	(*pi)++;
	while (*pi < end && !tok_is_word(tok_at(ev, *pi), "]]")) {
		Token *t = tok_at(ev, (*pi)++);

		if (t->kind != TOK_WORD || strcmp(t->text, "=~") == 0) {
			plain = FALSE;
		} else if (run && plain) {
			g_autoptr(GPtrArray) f = ls_expand_word(ev, t->text, TRUE, line, error);

			if (!f)
				return FALSE;
			/* == with an unquoted glob is a pattern match */
			if (strpbrk(t->text, "*?[") && !strpbrk(t->text, "'\""))
				plain = FALSE;
			g_ptr_array_add(args, g_strdup(f->pdata[0]));
		}
	}
	if (*pi < end)
		(*pi)++;
	*st = run && plain ? eval_test((char **)args->pdata, args->len) : ST_UNKNOWN;
	return TRUE;
}

static gboolean exec_command(Eval *ev, guint *pi, guint end, gboolean run, Status *st,
			     GError **error)
{
	Token *t = tok_at(ev, *pi);
	gboolean ok = TRUE;

	*st = ST_TRUE;
	if (!ls_charge(ev, 1, error))
		return FALSE;
	if (tok_is_word(t, "if")) {
		ok = exec_if(ev, pi, end, run, st, error);
	} else if (tok_is_word(t, "while") || tok_is_word(t, "until")) {
		ok = exec_while(ev, pi, end, run, st, error);
	} else if (tok_is_word(t, "for") || tok_is_word(t, "select")) {
		ok = exec_for(ev, pi, end, run, st, error);
	} else if (tok_is_word(t, "case")) {
		ok = exec_case(ev, pi, end, run, st, error);
	} else if (tok_is_word(t, "{")) {
		(*pi)++;
		ok = exec_list(ev, pi, end, run, st, error);
		expect_word(ev, pi, end, "}");
	} else if (tok_is_word(t, "[[")) {
		ok = exec_double_bracket(ev, pi, end, run, st, error);
	} else if (t->kind == TOK_LPAREN && *pi + 1 < end &&
		   tok_at(ev, *pi + 1)->kind == TOK_LPAREN) {
		/* (( arithmetic )): not evaluated, but what it assigns is
		 * unknown afterwards */
		int depth = 0;
		g_autoptr(GString) text = g_string_new(NULL);

		do {
			Token *p = tok_at(ev, *pi);

			if (p->kind == TOK_LPAREN)
				depth++;
			else if (p->kind == TOK_RPAREN)
				depth--;
			else if (p->kind == TOK_WORD)
				g_string_append_printf(text, "%s ", p->text);
			(*pi)++;
		} while (*pi < end && depth > 0);
		if (run)
			ls_mark_arith_assignments(ev, text->str, t->line);
		*st = ST_UNKNOWN;
	} else if (t->kind == TOK_LPAREN) {
		Subshell sub;
		gboolean exited = ev->exited;

		enter_subshell(ev, &sub);
		(*pi)++;
		ok = exec_list(ev, pi, end, run, st, error);
		if (*pi < end && tok_at(ev, *pi)->kind == TOK_RPAREN)
			(*pi)++;
		leave_subshell(ev, &sub);
		ev->exited = exited;
	} else if (tok_is_word(t, "function") && *pi + 1 < end &&
		   tok_at(ev, *pi + 1)->kind == TOK_WORD) {
		const char *name = tok_at(ev, *pi + 1)->text;

		*pi += 2;
		if (*pi + 1 < end && tok_at(ev, *pi)->kind == TOK_LPAREN &&
		    tok_at(ev, *pi + 1)->kind == TOK_RPAREN)
			*pi += 2;
		ok = define_function(ev, name, t->line, pi, end, run, error);
	} else if (t->kind == TOK_WORD && ls_is_name(t->text, strlen(t->text)) && *pi + 2 < end &&
		   tok_at(ev, *pi + 1)->kind == TOK_LPAREN &&
		   tok_at(ev, *pi + 2)->kind == TOK_RPAREN) {
		*pi += 3;
		ok = define_function(ev, t->text, t->line, pi, end, run, error);
	} else {
		return exec_simple(ev, pi, end, run, st, error);
	}
	/* Redirections of a compound command. */
	while (ok && *pi < end && tok_at(ev, *pi)->kind == TOK_REDIR)
		(*pi)++;
	return ok;
}

/* [!] command [| command]...: only the last command's output goes on. */
static gboolean exec_pipeline(Eval *ev, guint *pi, guint end, gboolean run, Status *st,
			      GError **error)
{
	gboolean negate = FALSE;

	*st = ST_TRUE;
	if (*pi < end && tok_is_word(tok_at(ev, *pi), "!")) {
		negate = TRUE;
		(*pi)++;
	}
	for (;;) {
		GString *outer = ev->capture;
		GString *buf = outer ? g_string_new(NULL) : NULL;
		gboolean ok;

		if (*pi >= end || is_terminator(tok_at(ev, *pi)) ||
		    tok_at(ev, *pi)->kind == TOK_SEP)
			break;
		ev->capture = buf;
		ok = exec_command(ev, pi, end, run, st, error);
		ev->capture = outer;
		if (*pi < end && tok_is_sep(tok_at(ev, *pi), "|")) {
			if (buf)
				g_string_free(buf, TRUE);
			(*pi)++;
			skip_newlines(ev, pi, end);
			if (!ok)
				return FALSE;
			continue;
		}
		if (buf) {
			g_string_append_len(outer, buf->str, (gssize)buf->len);
			g_string_free(buf, TRUE);
			if (outer->len > LAUNCH_SCRIPT_MAX_SIZE) {
				g_set_error(error, LAUNCH_SCRIPT_ERROR,
					    LAUNCH_SCRIPT_ERROR_TOO_LARGE,
					    "a command substitution's output grows beyond %u bytes",
					    LAUNCH_SCRIPT_MAX_SIZE);
				return FALSE;
			}
		}
		if (!ok)
			return FALSE;
		break;
	}
	if (negate && *st != ST_UNKNOWN)
		*st = *st == ST_TRUE ? ST_FALSE : ST_TRUE;
	return TRUE;
}

/* pipeline [&& pipeline | || pipeline]... */
static gboolean exec_and_or(Eval *ev, guint *pi, guint end, gboolean run, Status *st,
			    GError **error)
{
	if (!exec_pipeline(ev, pi, end, run, st, error))
		return FALSE;
	while (*pi < end &&
	       (tok_is_sep(tok_at(ev, *pi), "&&") || tok_is_sep(tok_at(ev, *pi), "||"))) {
		gboolean and = tok_is_sep(tok_at(ev, *pi), "&&");
		Status s = ST_TRUE;

		(*pi)++;
		skip_newlines(ev, pi, end);
		if (!run || *st == ST_UNKNOWN) {
			/* The right side may or may not run. */
			if (!exec_branch(ev, pi, end, run, TRUE, &s, error))
				return FALSE;
			if (run)
				*st = ST_UNKNOWN;
		} else if ((*st == ST_TRUE) == and) {
			if (!exec_pipeline(ev, pi, end, run, st, error))
				return FALSE;
		} else if (!exec_pipeline(ev, pi, end, FALSE, &s, error)) {
			return FALSE;
		}
	}
	return TRUE;
}

/* Commands up to a terminator (then, fi, done, ;;, ")", ...), which is
 * left at *pi.  With !@run, only finds where the list ends. */
static gboolean exec_list(Eval *ev, guint *pi, guint end, gboolean run, Status *st, GError **error)
{
	*st = ST_TRUE;
	for (;;) {
		guint before;

		while (*pi < end && tok_at(ev, *pi)->kind == TOK_SEP &&
		       (tok_is_sep(tok_at(ev, *pi), "\n") || tok_is_sep(tok_at(ev, *pi), ";") ||
			tok_is_sep(tok_at(ev, *pi), "&") || tok_is_sep(tok_at(ev, *pi), "|") ||
			tok_is_sep(tok_at(ev, *pi), "&&") || tok_is_sep(tok_at(ev, *pi), "||")))
			(*pi)++;
		if (*pi >= end || is_terminator(tok_at(ev, *pi)))
			return TRUE;
		if (ev->exited || ev->returned)
			run = FALSE;
		before = *pi;
		if (!exec_and_or(ev, pi, end, run, st, error))
			return FALSE;
		if (*pi == before)
			(*pi)++; /* not shell: never loop */
	}
}

/* The whole of a token array; stray terminators are skipped. */
static gboolean exec_all(Eval *ev, guint end, GError **error)
{
	guint i = 0;
	Status st;

	while (i < end) {
		if (!exec_list(ev, &i, end, TRUE, &st, error))
			return FALSE;
		if (i < end)
			i++;
	}
	return TRUE;
}

char *ls_command_substitution(Eval *ev, const char *body, guint line, GError **error)
{
	g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func((GDestroyNotify)ls_token_free);
	g_autoptr(GError) lex_error = NULL;
	GPtrArray *saved_tokens = ev->tokens;
	GString *saved_capture = ev->capture;
	guint saved_capture_frames = ev->capture_frames;
	gboolean saved_exited = ev->exited;
	gboolean saved_returned = ev->returned;
	g_autoptr(GString) out = g_string_new(NULL);
	Subshell sub;
	gboolean ok;

	if (!ls_charge(ev, strlen(body) + 1, error))
		return NULL;
	if (!ls_lex(body, strlen(body), tokens, &lex_error))
		return ls_unknown(ev, g_strdup_printf("line %u: command substitution: %s", line,
						      lex_error->message));
	for (guint k = 0; k < tokens->len; k++)
		((Token *)tokens->pdata[k])->line += line - 1;

	ev->tokens = tokens;
	ev->capture = out;
	ev->capture_frames = ev->frames->len;
	enter_subshell(ev, &sub);
	ok = exec_all(ev, tokens->len, error);
	leave_subshell(ev, &sub);
	ev->tokens = saved_tokens;
	ev->capture = saved_capture;
	ev->capture_frames = saved_capture_frames;
	ev->exited = saved_exited;
	ev->returned = saved_returned;
	if (!ok)
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
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
	if (cmd->unknowns)
		g_ptr_array_unref(cmd->unknowns);
	if (cmd->warnings)
		g_ptr_array_unref(cmd->warnings);
	g_free(cmd->cwd);
	g_free(cmd);
}

const char *launch_script_command_unknown_reason(const LaunchScriptCommand *cmd, const char *arg)
{
	const char *m = strchr(arg, LS_UNKNOWN_MARK);
	guint64 i;

	if (!m)
		return NULL;
	i = g_ascii_strtoull(m + 1, NULL, 10);
	return cmd->unknowns && i < cmd->unknowns->len ? cmd->unknowns->pdata[i] : "unknown";
}

static void func_free(Func *fn)
{
	g_ptr_array_unref(fn->tokens);
	g_free(fn);
}

LaunchScriptCommand *launch_script_find_dm_command(const char *text, gssize len,
						   const char *script_name, const char *const *args,
						   const char *home, GError **error)
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
	if (memchr(text, LS_UNKNOWN_MARK, n)) {
		g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX,
			    "the script contains the control character 0x%02x (not a shell "
			    "script?)",
			    (unsigned)LS_UNKNOWN_MARK);
		return NULL;
	}

	ev.tokens = g_ptr_array_new_with_free_func((GDestroyNotify)ls_token_free);
	ev.vars =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)ls_var_free);
	ev.funcs =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)func_free);
	ev.positional = g_ptr_array_new_with_free_func(g_free);
	for (const char *const *a = args; a && *a; a++)
		g_ptr_array_add(ev.positional, g_strdup(*a));
	ev.script_name = g_strdup(script_name ? script_name : "launch.sh");
	ev.home = g_strdup(home);
	ev.frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	ev.undo = g_array_new(FALSE, FALSE, sizeof(UndoEntry));
	ev.sourced = g_ptr_array_new_with_free_func(g_free);
	ev.unknowns = g_ptr_array_new_with_free_func(g_free);
	ev.warnings = g_ptr_array_new_with_free_func(g_free);
	ev.found_lines = g_string_new(NULL);

	if (!ls_lex(text, n, ev.tokens, error))
		goto out;
	if (!exec_all(&ev, ev.tokens->len, error))
		goto out;

	if (ev.found_count > 1) {
		g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_NO_DEVICE_MODEL,
			    "the script runs acrn-dm %u times (lines %s), or may, depending on "
			    "conditions only known when it runs; acrnctl add takes a script that "
			    "launches one VM",
			    ev.found_count, ev.found_lines->str);
		goto out;
	}
	if (!ev.found) {
		g_autofree char *lines = describe_unreached_dm(&ev);

		if (lines)
			g_set_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_NO_DEVICE_MODEL,
				    "acrn-dm (line %s) is never reached: it is inside a function "
				    "the script does not call, in a branch that does not run, or "
				    "after an exit",
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
	result->unknowns = g_ptr_array_ref(ev.unknowns);
	result->warnings = g_ptr_array_ref(ev.warnings);

out:
	launch_script_command_free(ev.found);
	g_string_free(ev.found_lines, TRUE);
	g_ptr_array_unref(ev.warnings);
	g_ptr_array_unref(ev.unknowns);
	g_ptr_array_unref(ev.sourced);
	g_array_unref(ev.undo);
	g_ptr_array_unref(ev.frames);
	g_free(ev.cwd);
	g_free(ev.home);
	g_free(ev.script_name);
	g_free(ev.positional_unknown);
	g_ptr_array_unref(ev.positional);
	g_hash_table_unref(ev.funcs);
	g_hash_table_unref(ev.vars);
	g_ptr_array_unref(ev.tokens);
	return result;
}
