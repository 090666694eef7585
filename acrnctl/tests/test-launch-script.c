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
    {"case-decided",
     "case $1 in a) m=1;; *) m=2;; esac\nacrn-dm $m\n",
     {"a", NULL},
     "acrn-dm|1",
     NULL},
    {"case-undecided",
     "case $(hostname) in a) m=1;; esac\nacrn-dm $m\n",
     {NULL},
     "acrn-dm|<?>",
     "$m is assigned inside a condition"},
    {"loop-variable",
     "for v in 1 2; do :; done\nacrn-dm $v\n",
     {NULL},
     NULL,
     "$v is a loop variable"},
    {"read-variable", "read name\nacrn-dm $name\n", {NULL}, NULL, "$name is read at run time"},
    {"environment", "acrn-dm $HOME\n", {NULL}, NULL, "$HOME is not set by the script"},
    {"sourced", ". /etc/acrn/vars\nacrn-dm $X\n", {NULL}, NULL, "'/etc/acrn/vars'"},
    {"backquotes", "acrn-dm `hostname`\n", {NULL}, "acrn-dm|<?>", "command substitution"},
    {"arithmetic", "acrn-dm $((1+2))\n", {NULL}, "acrn-dm|<?>", "arithmetic expansion"},
    {"tilde", "acrn-dm ~/img\n", {NULL}, "acrn-dm|/home/u/img", NULL},
    {"tilde-user", "acrn-dm ~bob/img\n", {NULL}, "acrn-dm|<?>/img", "'~bob' depends on the user"},
    {"eval", "eval acrn-dm vm1\n", {NULL}, NULL, "'eval'"},
    {"array", "a=(-m 1G)\nacrn-dm \"${a[@]}\"\n", {NULL}, "acrn-dm|-m|1G", NULL},
    {"array-multiline",
     "a=(\n  -m 1G # memory\n  \"x y\"\n)\nacrn-dm \"${a[@]}\" ${a[1]}\n",
     {NULL},
     "acrn-dm|-m|1G|x y|1G",
     NULL},
    {"array-append-count",
     "a=(x)\na+=(y z)\na[4]=w\nacrn-dm ${#a[@]} ${a[1]} \"${a[*]}\"\n",
     {NULL},
     "acrn-dm|5|y|x y z  w",
     NULL},
    /* Issue 14, bug 3: bash -n accepts an empty array. */
    {"array-empty", "passthrus=()\nacrn-dm \"${passthrus[@]}\" vm1\n", {NULL}, "acrn-dm|vm1", NULL},
    {"array-associative",
     "declare -A m\nm=([k]=v)\nacrn-dm \"${m[k]}\"\n",
     {NULL},
     "acrn-dm|<?>",
     "index"},
    /* Issue 14, bug 1: upstream's standard ending. */
    {"conditional-call-decided",
     "run_container() { exit; }\nlaunch() {\n m=2G\n acrn-dm -m $m vm$1\n}\n"
     "if [ \"$1\" = \"-C\" ]; then\n run_container\nelse\n launch 1\nfi\n",
     {NULL},
     "acrn-dm|-m|2G|vm1",
     NULL},
    {"conditional-call-undecided",
     "launch() {\n m=2G\n acrn-dm -m $m vm$1\n}\nif [ -e /dev/acrn_hsm ]; then launch 1; fi\n",
     {NULL},
     "acrn-dm|-m|2G|vm1",
     NULL},
    {"assigned-in-undecided-branch",
     "if [ -e /x ]; then m=1; fi\nacrn-dm $m\n",
     {NULL},
     "acrn-dm|<?>",
     "$m is assigned inside a condition, loop or conditionally called function (line 1)"},
    {"if-else-decided",
     "if [ \"$1\" = a ]; then x=1\nelif [ \"$1\" = b ]; then x=2\nelse x=3; fi\nacrn-dm $x\n",
     {"b", NULL},
     "acrn-dm|2",
     NULL},
    {"double-bracket-decided",
     "[[ \"$1\" == -C ]] && exit\nacrn-dm vm1\n",
     {NULL},
     "acrn-dm|vm1",
     NULL},
    {"test-nonempty-with-unknown-part",
     "o=\"tap=t,mac_seed=$(cat /x)\"\nif [ -n \"$o\" ]; then o=\",$o\"; fi\nacrn-dm \"$o\"\n",
     {NULL},
     "acrn-dm|,tap=t,mac_seed=<?>",
     NULL},
    {"getopts-loop",
     "while getopts \"V:\" opt; do\n case $opt in V) t=$OPTARG;; esac\ndone\nacrn-dm $t\n",
     {NULL},
     "acrn-dm|<?>",
     "$t is assigned inside a condition, loop"},
    /* Issue 14, bug 2: the value of a dropped option may stay unknown. */
    {"unknown-value-kept-as-placeholder",
     "mac=$(cat /sys/class/net/e*/address)\nacrn-dm --mac_seed ${mac:9:8}-vm1 vm1\n",
     {NULL},
     "acrn-dm|--mac_seed|<?>-vm1|vm1",
     "'cat' is a command acrnctl does not run"},
    {"substring",
     "x=00:11:22:33:44:55\nacrn-dm ${x:9:8} ${x:0:2}\n",
     {NULL},
     "acrn-dm|33:44:55|00",
     NULL},
    {"affixes",
     "p=a/b/c.img\nacrn-dm ${p##*/} ${p%.img} ${p#*/}\n",
     {NULL},
     "acrn-dm|c.img|a/b/c|b/c.img",
     NULL},
    /* The v3 configurator's helpers, called through $(...) and `...`. */
    {"function-in-substitution",
     "f() { echo \"-m $1\"; }\nacrn-dm $(f 1G) vm1\n",
     {NULL},
     "acrn-dm|-m|1G|vm1",
     NULL},
    {"function-in-backquotes",
     "f() {\n echo -n \"-s $1,$2\"\n if [ -n \"$3\" ]; then echo -n \",$3\"; fi\n}\n"
     "acrn-dm `f 0:0 hostbridge` `f 3 virtio-blk /x.img` vm1\n",
     {NULL},
     "acrn-dm|-s|0:0,hostbridge|-s|3,virtio-blk,/x.img|vm1",
     NULL},
    {"printf-in-substitution",
     "acrn-dm $(printf '%s,passthru,%x/%x/%x' 2 0 0x1f 3) vm1\n",
     {NULL},
     "acrn-dm|2,passthru,0/1f/3|vm1",
     NULL},
    {"ifs-join-in-subshell",
     "f() {\n l=$(local IFS=, ; echo \"$*\")\n echo -n \"--cpu_affinity $l\"\n}\n"
     "acrn-dm `f 1 2` vm1\n",
     {NULL},
     "acrn-dm|--cpu_affinity|1,2|vm1",
     NULL},
    /* IFS changed inside a word's own command substitution: the word's
     * splitting used the freed old value (found by ASan). */
    {"ifs-changed-by-own-substitution",
     "IFS=' '\nacrn-dm $(IFS=,; echo a b)\n",
     {NULL},
     "acrn-dm|a|b",
     NULL},
    {"array-changed-by-own-index",
     "a=(x y)\nacrn-dm ${a[$(a=(z); echo 1)]}\n",
     {NULL},
     "acrn-dm|y",
     NULL},
    {"dm-help-is-no-launch",
     "acrn-dm --help 2>&1 | grep 'GVT args'\nif [ $? == 0 ]; then g=1; fi\nacrn-dm -m 1G vm1\n",
     {NULL},
     "acrn-dm|-m|1G|vm1",
     NULL},
    {"local-restored",
     "mem=2G\nf() { local mem=1G; acrn-dm -m $mem vm1; }\nf\nacrn-dm -m $mem vm2\n",
     {NULL},
     NULL,
     "runs acrn-dm 2 times"},
    {"local-restored-value",
     "mem=2G\nf() { local mem=1G x; x=3; }\nf\nacrn-dm -m $mem $x\n",
     {NULL},
     "acrn-dm|-m|2G|<?>",
     "$x is not set by the script"},
    {"local-in-subshell",
     "m=1\nf() { local m=2; echo $m; }\ny=$(f)\nacrn-dm $m $y\n",
     {NULL},
     "acrn-dm|1|2",
     NULL},
    {"arithmetic-assigns",
     "n=1\n((n++))\nacrn-dm $n\n",
     {NULL},
     "acrn-dm|<?>",
     "$n is computed by shell arithmetic (line 2)"},
    {"arithmetic-expansion-assigns",
     "n=1\nx=$((n+=2))\nlet m=3\nacrn-dm $n\n",
     {NULL},
     "acrn-dm|<?>",
     "$n is computed by shell arithmetic"},
    {"arithmetic-for",
     "i=7\nfor ((i=0; i<2; i++)); do :; done\nacrn-dm $i\n",
     {NULL},
     "acrn-dm|<?>",
     "$i is"},
    {"mapfile",
     "v=1\nmapfile -t v < /etc/x\nacrn-dm $v\n",
     {NULL},
     "acrn-dm|<?>",
     "$v is read at run time"},
    {"printf-v", "printf -v m '%sM' 512\nacrn-dm -m $m\n", {NULL}, "acrn-dm|-m|512M", NULL},
    {"function-shadows-builtin",
     "echo() { :; }\nacrn-dm $(echo vm1) x\n",
     {NULL},
     "acrn-dm|x",
     NULL},
    {"glob-unknown",
     "acrn-dm -s 3,virtio-blk,/data/*.img -s 4,virtio-blk,'/q/*.img' x[12]\n",
     {NULL},
     "acrn-dm|-s|<?>|-s|4,virtio-blk,/q/*.img|<?>",
     "'3,virtio-blk,/data/*.img' is a pattern the shell replaces"},
    {"glob-not-in-assignments-and-tests",
     "p=/d/*.img\nif [ \"$p\" = '/d/*.img' ]; then x=1; fi\nacrn-dm \"$p\" $x [ ]\n",
     {NULL},
     "acrn-dm|/d/*.img|1|[|]",
     NULL},
    {"source-may-change-variables",
     "mem=1G\n. /etc/acrn/vm.conf\nacrn-dm -m $mem\n",
     {NULL},
     "acrn-dm|-m|<?>",
     "/etc/acrn/vm.conf (sourced at line 2), which acrnctl does not read"},
    {"eval-assigns",
     "mem=1G\neval \"mem=$1\"\nacrn-dm -m $mem\n",
     {"2G", NULL},
     "acrn-dm|-m|<?>",
     "$mem is assigned by eval"},
    {"subshell-isolated",
     "x=1\ny=$(x=2; echo $x)\n(x=3)\nacrn-dm $x $y\n",
     {NULL},
     "acrn-dm|1|2",
     NULL},
    {"stdout-redirected-not-captured",
     "t() { echo \"creating $1\"; }\nf() { t tap0 >&2; echo noise >/dev/null; echo -n vm1; }\n"
     "acrn-dm $(f)\n",
     {NULL},
     "acrn-dm|vm1",
     NULL},
    {"pipeline-output-unknown",
     "acrn-dm $(echo a | tr a b)\n",
     {NULL},
     "acrn-dm|<?>",
     "'tr' is a command acrnctl does not run"},
    {"conditional-output-unknown",
     "f() { if [ -e /x ]; then echo a; fi; }\nacrn-dm $(f)\n",
     {NULL},
     "acrn-dm|<?>",
     "depends on a condition"},
    {"unterminated-quote", "acrn-dm 'vm1\n", {NULL}, NULL, "line 1: unterminated single quote"},
    {"unterminated-heredoc", "cat <<EOF\nacrn-dm\n", {NULL}, NULL, "unterminated here-document"},
    {"recursion-bounded", "f() { f; }\nf\nacrn-dm vm1\n", {NULL}, "acrn-dm|vm1", NULL},
    {"unset-variable",
     "\n\n# c\nacrn-dm $nope\n",
     {NULL},
     "acrn-dm|<?>",
     "$nope is not set by the script"},
};

/* argv joined with '|', values only known at run time shown as <?>. */
static char *render(const LaunchScriptCommand *cmd)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; cmd->argv[i]; i++) {
		if (i > 0)
			g_string_append_c(out, '|');
		for (const char *p = cmd->argv[i]; *p; p++) {
			if (*p == DM_ARGV_UNKNOWN_MARK) {
				p = strchr(p + 1, DM_ARGV_UNKNOWN_MARK);
				g_string_append(out, "<?>");
			} else {
				g_string_append_c(out, *p);
			}
		}
	}
	return g_string_free(out, FALSE);
}

/* A case expects argv (with <?> for unknown values) and/or an error: the
 * error of the evaluation, or else the reason of an unknown value. */
static void run_case(gconstpointer data)
{
	const Case *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(LaunchScriptCommand) cmd =
	    launch_script_find_dm_command(c->script, -1, "t.sh", c->args, "/home/u", &error);

	if (c->argv) {
		g_autofree char *joined = NULL;

		if (!cmd) {
			g_test_message("unexpected error: %s", error->message);
			g_test_fail();
			return;
		}
		joined = render(cmd);
		if (strcmp(joined, c->argv) != 0) {
			g_test_message("argv %s, expected %s", joined, c->argv);
			g_test_fail();
		}
	}
	if (c->error && cmd) {
		g_autoptr(GString) reasons = g_string_new(NULL);

		for (guint i = 0; cmd->argv[i]; i++) {
			const char *why = launch_script_command_unknown_reason(cmd, cmd->argv[i]);

			if (why)
				g_string_append_printf(reasons, "%s; ", why);
		}
		g_test_message("reasons: %s", reasons->str);
		if (!strstr(reasons->str, c->error)) {
			g_test_message("expected an unknown value because of \"%s\", got \"%s\"",
				       c->error, reasons->str);
			g_test_fail();
		}
	} else if (c->error) {
		g_assert_nonnull(error);
		g_test_message("error: %s", error->message);
		if (!strstr(error->message, c->error)) {
			g_test_message("expected an error containing \"%s\", got \"%s\"", c->error,
				       error->message);
			g_test_fail();
		}
	}
}

static void test_line_of_command(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LaunchScriptCommand) cmd = launch_script_find_dm_command(
	    "#!/bin/sh\nx=1\n\nacrn-dm \\\n -m 1G \\\n vm1\n", -1, "t.sh", NULL, NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(cmd->line, ==, 4);
}

static void test_too_large(void)
{
	gsize len = LAUNCH_SCRIPT_MAX_SIZE + 1;
	g_autofree char *big = g_malloc(len);
	g_autoptr(GError) error = NULL;

	memset(big, '#', len);
	g_assert_null(launch_script_find_dm_command(big, (gssize)len, "t.sh", NULL, NULL, &error));
	g_assert_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE);
}

static void test_nul_bytes(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(
	    launch_script_find_dm_command("acrn-dm\0vm1", 11, "t.sh", NULL, NULL, &error));
	g_assert_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_SYNTAX);
}

/* Random bytes must never crash the evaluator (it may fail, of course). */
static void test_garbage(void)
{
	static const char alphabet[] = "acrn-dm $@{}()[]'\"`\\\n;&|<>#=x1 \t!*?:%+-/";
	GRand *rand = g_rand_new_with_seed(4242);

	for (int round = 0; round < 6000; round++) {
		char buf[160];
		gsize len = (gsize)g_rand_int_range(rand, 0, sizeof(buf));
		GError *error = NULL;
		LaunchScriptCommand *cmd;

		for (gsize i = 0; i < len; i++)
			buf[i] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
		cmd = launch_script_find_dm_command(buf, (gssize)len, "t.sh", NULL, NULL, &error);
		g_assert_true((cmd != NULL) != (error != NULL));
		launch_script_command_free(cmd);
		g_clear_error(&error);
	}
	g_rand_free(rand);
}

/* Random sequences of the shell constructs the evaluator knows, run end to
 * end through the conversion: any result, never a crash or a hang. */
static void test_garbage_tokens(void)
{
	static const char *const words[] = {
	    "if ",
	    "then ",
	    "else ",
	    "elif ",
	    "fi ",
	    "while ",
	    "do ",
	    "done ",
	    "for x in a b; ",
	    "case $1 in ",
	    "a) ",
	    "*) ",
	    ";; ",
	    "esac ",
	    "f() ",
	    "g() ",
	    "{ ",
	    "} ",
	    "( ",
	    ") ",
	    "$(",
	    "`",
	    "\"",
	    "'",
	    "acrn-dm ",
	    "-s ",
	    "3,virtio-blk,/x ",
	    "-m 1G ",
	    "-k /k ",
	    "vm1 ",
	    "$x ",
	    "x=",
	    "a=( ",
	    "\"${a[@]}\" ",
	    "[ ",
	    "] ",
	    "[[ ",
	    "]] ",
	    "-n ",
	    "= ",
	    "&& ",
	    "|| ",
	    "| ",
	    "; ",
	    "\n",
	    "echo ",
	    "echo -n ",
	    "printf '%s,%x' ",
	    "f ",
	    "g ",
	    "local IFS=, ; ",
	    "${x:-",
	    "${#a[@]} ",
	    "return ",
	    "exit ",
	    "shift ",
	    "set -- a ",
	    "$1 ",
	    "\"$*\" ",
	    ">&2 ",
	    "2>&1 ",
	    "${x:9:8} ",
	    "a+=(y) ",
	    "declare -A m; ",
	    "m[k]=v ",
	    "~/i ",
	    "./d.img ",
	    "--mac_seed ",
	    "b,",
	};
	GRand *rand = g_rand_new_with_seed(1414);

	for (int round = 0; round < 20000; round++) {
		g_autoptr(GString) s = g_string_new(NULL);
		guint n = (guint)g_rand_int_range(rand, 0, 80);
		GError *error = NULL;
		LaunchScriptCommand *cmd;

		for (guint i = 0; i < n; i++)
			g_string_append(s, words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))]);
		cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, "/h", &error);
		g_assert_true((cmd != NULL) != (error != NULL));
		if (cmd) {
			g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
			DmArgvToDefOptions opts = {
			    .base_dir = "/base", .home = "/h", .unknown_reasons = cmd->unknowns};
			AcrnVmDef *def =
			    dm_argv_to_def((const char *const *)cmd->argv, &opts, warnings, &error);

			g_assert_true((def != NULL) != (error != NULL));
			if (def)
				acrn_vm_def_free(def);
		}
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
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, NULL, &error);
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
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, NULL, &error);
	g_assert_null(cmd);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "nested too deep"));

	g_clear_error(&error);
	shallow = launch_script_find_dm_command("acrn-dm ${a:-${b:-${c:-deep}}} vm1\n", -1, "t.sh",
						NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(shallow->argv[1], ==, "deep");
}

/* Functions calling functions ten times each, 12 levels deep (10^12
 * calls), and a value doubling on every line: refused at the work bound,
 * in bounded time and memory, instead of running for ever or running out
 * of memory. */
static void test_work_bound(void)
{
	g_autoptr(GString) s = g_string_new("f0() { :; }\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(LaunchScriptCommand) cmd = NULL;

	for (guint level = 1; level <= 12; level++) {
		g_string_append_printf(s, "f%u() {", level);
		for (guint k = 0; k < 10; k++)
			g_string_append_printf(s, " f%u;", level - 1);
		g_string_append(s, " }\n");
	}
	g_string_append(s, "f12\nacrn-dm vm1\n");
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, NULL, &error);
	g_assert_null(cmd);
	g_assert_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE);

	g_clear_error(&error);
	g_string_assign(s, "a=x\n");
	for (guint k = 0; k < 64; k++)
		g_string_append(s, "a=$a$a$a$a\n");
	g_string_append(s, "acrn-dm $a\n");
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, NULL, &error);
	g_assert_null(cmd);
	g_assert_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE);

	/* The same through command substitutions and arrays. */
	g_clear_error(&error);
	g_string_assign(s, "a=(x)\n");
	for (guint k = 0; k < 64; k++)
		g_string_append(s, "a=(\"${a[@]}\" \"${a[@]}\" $(echo \"${a[@]}\"))\n");
	g_string_append(s, "acrn-dm \"${a[@]}\"\n");
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, NULL, &error);
	g_assert_null(cmd);
	g_assert_error(error, LAUNCH_SCRIPT_ERROR, LAUNCH_SCRIPT_ERROR_TOO_LARGE);
}

/* 50,000 appends to an array and 1,000 lines with a warning each: the
 * array grows in place (it was copied on every append, quadratic time) and
 * the warnings stop at a bound. */
static void test_many_appends_and_warnings(void)
{
	g_autoptr(GString) s = g_string_new("a=()\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(LaunchScriptCommand) cmd = NULL;
	g_autoptr(LaunchScriptCommand) warned = NULL;

	for (guint k = 0; k < 50000; k++)
		g_string_append(s, "a+=(x)\n");
	g_string_append(s, "acrn-dm ${#a[@]}\n");
	cmd = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cmd->argv[1], ==, "50000");

	g_string_truncate(s, 0);
	for (guint k = 0; k < 1000; k++)
		g_string_append_printf(s, "x%u=~/a\n", k);
	g_string_append(s, "acrn-dm $x999\n");
	warned = launch_script_find_dm_command(s->str, -1, "t.sh", NULL, "/h", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(warned->argv[1], ==, "/h/a");
	g_assert_cmpuint(warned->warnings->len, ==, 33);
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
	g_test_add_func("/launch-script/garbage-tokens", test_garbage_tokens);
	g_test_add_func("/launch-script/deep-nesting", test_deep_nesting);
	g_test_add_func("/launch-script/work-bound", test_work_bound);
	g_test_add_func("/launch-script/many-appends-and-warnings", test_many_appends_and_warnings);
	return g_test_run();
}
