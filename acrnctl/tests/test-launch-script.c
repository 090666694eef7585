/* Unit tests of the launch-script evaluator: shell text in, acrn-dm argv
 * (joined with '|') or an error out. */
#include "config.h"

#include <string.h>

#include "launch-script.h"

typedef struct {
	const char *name;
	const char *script;
	const char *args[4];
	const char *argv;  /* expected argv joined with '|', or NULL */
	const char *error; /* expected substring of the error, or NULL */
} Case;

static const Case cases[] = {
    {"plain", "acrn-dm -m 1G vm1\n", {NULL}, "acrn-dm|-m|1G|vm1", NULL},
    {"continuation", "acrn-dm \\\n  -m 1G \\\n  vm1", {NULL}, "acrn-dm|-m|1G|vm1", NULL},
    {"comment-not-arg", "acrn-dm -m 1G vm1 # vm2\n", {NULL}, "acrn-dm|-m|1G|vm1", NULL},
    {"hash-inside-word", "acrn-dm a#b vm1\n", {NULL}, "acrn-dm|a#b|vm1", NULL},
    {"field-splitting", "opts='-m 1G'\nacrn-dm $opts vm1\n", {NULL}, "acrn-dm|-m|1G|vm1", NULL},
    {"no-splitting-quoted",
     "opts='-m 1G'\nacrn-dm \"$opts\" vm1\n",
     {NULL},
     "acrn-dm|-m 1G|vm1",
     NULL},
    {"empty-unquoted-vanishes", "e=\nacrn-dm $e vm1\n", {NULL}, "acrn-dm|vm1", NULL},
    {"empty-quoted-stays", "e=\nacrn-dm \"$e\" vm1\n", {NULL}, "acrn-dm||vm1", NULL},
    {"dollar-at-empty", "acrn-dm \"$@\" vm1\n", {NULL}, "acrn-dm|vm1", NULL},
    {"dollar-at-args", "acrn-dm \"$@\" vm1\n", {"a b", "c", NULL}, "acrn-dm|a b|c|vm1", NULL},
    {"dollar-star", "acrn-dm \"$*\" vm1\n", {"a", "b", NULL}, "acrn-dm|a b|vm1", NULL},
    {"dollar-hash", "acrn-dm $# vm1\n", {"a", "b", NULL}, "acrn-dm|2|vm1", NULL},
    {"shift", "shift 2\nacrn-dm $1\n", {"a", "b", "c", NULL}, "acrn-dm|c", NULL},
    {"set-positional", "set -- x y\nacrn-dm $2\n", {NULL}, "acrn-dm|y", NULL},
    {"default-unset", "acrn-dm ${X:-dflt}\n", {NULL}, "acrn-dm|dflt", NULL},
    {"default-empty-colon", "X=\nacrn-dm ${X:-dflt}\n", {NULL}, "acrn-dm|dflt", NULL},
    {"default-empty-nocolon", "X=\nacrn-dm \"${X-dflt}\"\n", {NULL}, "acrn-dm|", NULL},
    {"alternative", "X=1\nacrn-dm ${X:+set} ${Y:+set}\n", {NULL}, "acrn-dm|set", NULL},
    {"assign-default", "acrn-dm ${X:=a} $X\n", {NULL}, "acrn-dm|a|a", NULL},
    {"escapes", "acrn-dm a\\ b \"c\\\"d\" 'e\\f'\n", {NULL}, "acrn-dm|a b|c\"d|e\\f", NULL},
    {"dollar-in-single-quotes", "acrn-dm '$HOME'\n", {NULL}, "acrn-dm|$HOME", NULL},
    {"function-args", "f() {\n acrn-dm $1 $2\n}\nf a b\n", {"x", NULL}, "acrn-dm|a|b", NULL},
    {"function-keyword", "function f {\n acrn-dm $1\n}\nf a\n", {NULL}, "acrn-dm|a", NULL},
    {"function-one-line", "f() { acrn-dm $1; }\nf q\n", {NULL}, "acrn-dm|q", NULL},
    {"function-positional-restored",
     "f() { :; }\nf a\nacrn-dm $1\n",
     {"top", NULL},
     "acrn-dm|top",
     NULL},
    {"path-and-wrappers",
     "exec sudo -E taskset 0x2 /opt/bin/acrn-dm vm1\n",
     {NULL},
     "/opt/bin/acrn-dm|vm1",
     NULL},
    {"dm-in-variable", "DM=/usr/bin/acrn-dm\n$DM vm1\n", {NULL}, "/usr/bin/acrn-dm|vm1", NULL},
    {"redirections", "acrn-dm vm1 >/tmp/log 2>&1 </dev/null\n", {NULL}, "acrn-dm|vm1", NULL},
    {"pipeline", "acrn-dm vm1 | tee log\n", {NULL}, "acrn-dm|vm1", NULL},
    {"heredoc-skipped",
     "cat <<EOF\nacrn-dm bogus\nEOF\nacrn-dm vm1\n",
     {NULL},
     "acrn-dm|vm1",
     NULL},
    {"if-body-runs", "if true; then\n acrn-dm vm1\nfi\n", {NULL}, "acrn-dm|vm1", NULL},
    {"exit-stops", "exit 0\nacrn-dm vm1\n", {NULL}, NULL, "never reached"},
    {"conditional-exit-ignored",
     "[ -e x ] && exit 1\nif false; then exit; fi\nacrn-dm vm1\n",
     {NULL},
     "acrn-dm|vm1",
     NULL},
    {"case-assignment",
     "case $1 in a) m=1;; esac\nacrn-dm $m\n",
     {"a", NULL},
     NULL,
     "$m is assigned inside a condition"},
    {"loop-variable",
     "for v in 1 2; do :; done\nacrn-dm $v\n",
     {NULL},
     NULL,
     "$v is a loop variable"},
    {"read-variable", "read name\nacrn-dm $name\n", {NULL}, NULL, "$name is read at run time"},
    {"environment", "acrn-dm $HOME\n", {NULL}, NULL, "$HOME is not set by the script"},
    {"sourced", ". /etc/acrn/vars\nacrn-dm $X\n", {NULL}, NULL, "'/etc/acrn/vars'"},
    {"backquotes", "acrn-dm `hostname`\n", {NULL}, NULL, "command substitution"},
    {"arithmetic", "acrn-dm $((1+2))\n", {NULL}, NULL, "arithmetic expansion"},
    {"tilde", "acrn-dm ~/img\n", {NULL}, NULL, "'~' depends on the user"},
    {"eval", "eval acrn-dm vm1\n", {NULL}, NULL, "'eval'"},
    {"array", "a=(-m 1G)\nacrn-dm \"${a[@]}\"\n", {NULL}, NULL, "array"},
    {"unterminated-quote", "acrn-dm 'vm1\n", {NULL}, NULL, "line 1: unterminated single quote"},
    {"unterminated-heredoc", "cat <<EOF\nacrn-dm\n", {NULL}, NULL, "unterminated here-document"},
    {"recursion-bounded", "f() { f; }\nf\nacrn-dm vm1\n", {NULL}, "acrn-dm|vm1", NULL},
    {"line-number", "\n\n# c\nacrn-dm $nope\n", {NULL}, NULL, "line 4:"},
};

static void run_case(gconstpointer data)
{
	const Case *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(LaunchScriptCommand) cmd =
	    launch_script_find_dm_command(c->script, -1, "t.sh", c->args, &error);

	if (c->argv) {
		g_autofree char *joined = NULL;

		g_assert_no_error(error);
		g_assert_nonnull(cmd);
		joined = g_strjoinv("|", cmd->argv);
		g_assert_cmpstr(joined, ==, c->argv);
	} else {
		g_assert_null(cmd);
		g_assert_nonnull(error);
		g_test_message("error: %s", error->message);
		if (!strstr(error->message, c->error))
			g_error("expected an error containing \"%s\", got \"%s\"", c->error,
				error->message);
	}
}

static void test_line_of_command(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LaunchScriptCommand) cmd = launch_script_find_dm_command(
	    "#!/bin/sh\nx=1\n\nacrn-dm \\\n -m 1G \\\n vm1\n", -1, "t.sh", NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(cmd->line, ==, 4);
}

static void test_too_large(void)
{
	gsize len = LAUNCH_SCRIPT_MAX_SIZE + 1;
	g_autofree char *big = g_malloc(len);
	g_autoptr(GError) error = NULL;

	memset(big, '#', len);
	g_assert_null(launch_script_find_dm_command(big, (gssize)len, "t.sh", NULL, &error));
	g_assert_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE);
}

static void test_nul_bytes(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(launch_script_find_dm_command("acrn-dm\0vm1", 11, "t.sh", NULL, &error));
	g_assert_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX);
}

/* Random bytes must never crash the evaluator (it may fail, of course). */
static void test_garbage(void)
{
	static const char alphabet[] = "acrn-dm $@{}()'\"`\\\n;&|<>#=x1 \t";
	GRand *rand = g_rand_new_with_seed(4242);

	for (int round = 0; round < 3000; round++) {
		char buf[96];
		gsize len = (gsize)g_rand_int_range(rand, 0, sizeof(buf));
		GError *error = NULL;
		LaunchScriptCommand *cmd;

		for (gsize i = 0; i < len; i++)
			buf[i] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
		cmd = launch_script_find_dm_command(buf, (gssize)len, "t.sh", NULL, &error);
		g_assert_true((cmd != NULL) != (error != NULL));
		launch_script_command_free(cmd);
		g_clear_error(&error);
	}
	g_rand_free(rand);
}

/* ${a:-${a:-...}} 100,000 levels deep: refused at the depth limit instead
 * of taking quadratic time (issue 13, item 8).  A shallow nesting still
 * works. */
static void test_deep_nesting(void)
{
	const guint levels = 100000;
	g_autoptr(GString) s = g_string_new("acrn-dm ");
	g_autoptr(GError) error = NULL;
	g_autoptr(LaunchScriptCommand) cmd = NULL;
	g_autoptr(LaunchScriptCommand) shallow = NULL;

	for (guint i = 0; i < levels; i++)
		g_string_append(s, "${a:-");
	g_string_append(s, "x");
	for (guint i = 0; i < levels; i++)
		g_string_append_c(s, '}');
	g_string_append(s, " vm1\n");
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, &error);
	g_assert_null(cmd);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "nested more than"));

	/* Quotes inside substitutions inside quotes: the lexer recursed
	 * without a bound and overflowed the stack. */
	g_clear_error(&error);
	g_string_assign(s, "acrn-dm ");
	for (guint i = 0; i < levels; i++)
		g_string_append(s, "\"$(");
	for (guint i = 0; i < levels; i++)
		g_string_append(s, ")\"");
	g_string_append(s, " vm1\n");
	g_clear_pointer(&cmd, launch_script_command_free);
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, &error);
	g_assert_null(cmd);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "nested too deep"));

	g_clear_error(&error);
	shallow = launch_script_find_dm_command("acrn-dm ${a:-${b:-${c:-deep}}} vm1\n", -1,
						"t.sh", NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(shallow->argv[1], ==, "deep");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = g_strdup_printf("/launch-script/%s", cases[i].name);

		g_test_add_data_func(path, &cases[i], run_case);
	}
	g_test_add_func("/launch-script/line-of-command", test_line_of_command);
	g_test_add_func("/launch-script/too-large", test_too_large);
	g_test_add_func("/launch-script/nul-bytes", test_nul_bytes);
	g_test_add_func("/launch-script/garbage", test_garbage);
	g_test_add_func("/launch-script/deep-nesting", test_deep_nesting);
	return g_test_run();
}
