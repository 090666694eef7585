/* acrnctl add / convert / dumpxml: VM definitions in and out. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acrnctl.h"
#include "dm-argv-to-def.h"
#include "launch-script.h"
#include "vm-definition.h"

/* Definitions and scripts are small; refuse anything absurd early. */
#define MAX_INPUT_SIZE LAUNCH_SCRIPT_MAX_SIZE

/* Reads at most MAX_INPUT_SIZE bytes from @fd; more is an error. */
static gboolean read_bounded(int fd, const char *what, char **text, gsize *len, GError **error)
{
	g_autoptr(GString) buf = g_string_new(NULL);
	char chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;

			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
				    "cannot read %s: %s", what, g_strerror(saved));
			return FALSE;
		}
		if (n == 0)
			break;
		g_string_append_len(buf, chunk, n);
		if (buf->len > MAX_INPUT_SIZE) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
				    "%s is larger than %u bytes", what, MAX_INPUT_SIZE);
			return FALSE;
		}
	}
	*len = buf->len;
	*text = g_string_free(g_steal_pointer(&buf), FALSE);
	return TRUE;
}

/* Definitions and scripts are regular files: a device (/dev/zero, a disk),
 * a FIFO or a directory is refused before anything is read, and so is a
 * file larger than the limit, so that acrnctl never reads without end. */
static gboolean read_input(const char *file, char **text, gsize *len, GError **error)
{
	struct stat st;
	gboolean ok;
	int fd;

	if (strcmp(file, "-") == 0)
		return read_bounded(STDIN_FILENO, "standard input", text, len, error);

	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(file, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s",
			    g_strerror(saved));
		return FALSE;
	}
	if (fstat(fd, &st) < 0) {
		int saved = errno;

		close(fd);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s",
			    g_strerror(saved));
		return FALSE;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    S_ISDIR(st.st_mode) ? "is a directory"
							: "not a regular file (a device, FIFO or "
							  "socket); give a launch script or a "
							  "domain XML file");
		return FALSE;
	}
	if (st.st_size > MAX_INPUT_SIZE) {
		close(fd);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "larger than %u bytes (%lld bytes)", MAX_INPUT_SIZE,
			    (long long)st.st_size);
		return FALSE;
	}
	/* The file may still grow while we read: read_bounded() stops. */
	ok = read_bounded(fd, "the file", text, len, error);
	close(fd);
	return ok;
}

/* A domain XML document starts with '<' (after an optional BOM and blanks);
 * a shell script cannot. */
static gboolean looks_like_xml(const char *text, gsize len)
{
	gsize i = 0;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && g_ascii_isspace(text[i]))
		i++;
	return i < len && text[i] == '<';
}

/* Re-adding a launch script updates the VM it defined before, as re-adding
 * XML does: the definition gets the UUID of the VM with the same name, and
 * acrnd replaces that VM's definition (if it is stopped). */
static gboolean reuse_existing_uuid(Acrnctl *ctl, AcrnVmDef *def, GError **error)
{
	AcrnManager *manager = acrnctl_manager(ctl, error);
	g_autofree char *path = NULL;
	g_autoptr(GError) local = NULL;
	const char *slash;

	if (!manager)
		return FALSE;
	if (!acrn_manager_call_get_vm_sync(manager, def->name, &path, NULL, &local)) {
		if (g_error_matches(local, ACRN_ERROR, ACRN_ERROR_NO_SUCH_VM))
			return TRUE; /* a new VM: keep the random UUID */
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	/* The last element of a VM's object path is its UUID (32 hex digits). */
	slash = strrchr(path, '/');
	if (!slash || !acrn_vm_uuid_normalize(slash + 1, def->uuid)) {
		g_set_error(error, ACRN_ERROR, ACRN_ERROR_FAILED,
			    "acrnd returned an unexpected object path '%s'", path);
		return FALSE;
	}
	return TRUE;
}

/* The definition XML to send for @file: XML as is (with the UUID replaced if
 * asked), a launch script converted.  @ctl is NULL when acrnd must not be
 * asked (convert, --dry-run). */
static char *definition_from_input(Acrnctl *ctl, const char *file, const char *text, gsize len,
				   const char *const *script_args, const char *uuid,
				   gboolean validate_xml, GError **error)
{
	g_autoptr(LaunchScriptCommand) cmd = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(AcrnVmDef) def = NULL;
	g_autofree char *base_dir = NULL;
	DmArgvToDefOptions opts = {0};

	if (looks_like_xml(text, len)) {
		/* It travels as a D-Bus string: UTF-8 without NUL bytes. */
		if (memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL)) {
			g_set_error_literal(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_XML,
					    "the definition is not valid UTF-8 text");
			return NULL;
		}
		if (script_args && script_args[0]) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    "extra arguments ('%s' ...) only apply to launch scripts",
				    script_args[0]);
			return NULL;
		}
		if (!uuid && !validate_xml)
			return g_strndup(text, len); /* acrnd validates it */
		def = acrn_vm_def_parse(text, (gssize)len, error);
		if (!def)
			return NULL;
		if (uuid && !acrn_vm_uuid_normalize(uuid, def->uuid)) {
			g_set_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_INVALID,
				    "'%s' is not a UUID", uuid);
			return NULL;
		}
		return acrn_vm_def_to_xml(def);
	}

	cmd = launch_script_find_dm_command(text, (gssize)len, file, script_args, g_get_home_dir(),
					    error);
	if (!cmd)
		return NULL;
	/* Relative paths in the script are relative to where it is (or, for
	 * standard input, to the current directory). */
	if (strcmp(file, "-") == 0) {
		base_dir = g_get_current_dir();
	} else {
		g_autofree char *dir = g_path_get_dirname(file);

		base_dir = g_canonicalize_filename(dir, NULL);
	}
	/* ... or to where the script changed directory to. */
	if (cmd->cwd && launch_script_command_unknown_reason(cmd, cmd->cwd)) {
		opts.base_dir_unknown = launch_script_command_unknown_reason(cmd, cmd->cwd);
		g_clear_pointer(&base_dir, g_free);
	} else if (cmd->cwd) {
		char *moved = g_canonicalize_filename(cmd->cwd, base_dir);

		g_free(base_dir);
		base_dir = moved;
	}
	opts.uuid = uuid;
	opts.base_dir = base_dir;
	opts.home = g_get_home_dir();
	opts.unknown_reasons = cmd->unknowns;
	for (guint i = 0; i < cmd->warnings->len; i++)
		fprintf(stderr, "acrnctl: warning: %s %s\n", file,
			(const char *)cmd->warnings->pdata[i]);
	def = dm_argv_to_def((const char *const *)cmd->argv, &opts, warnings, error);
	for (guint i = 0; i < warnings->len; i++)
		fprintf(stderr, "acrnctl: warning: %s line %u: %s\n", file, cmd->line,
			(const char *)warnings->pdata[i]);
	if (!def) {
		g_prefix_error(error, "line %u: ", cmd->line);
		return NULL;
	}
	if (!uuid && ctl && !reuse_existing_uuid(ctl, def, error))
		return NULL;
	return acrn_vm_def_to_xml(def);
}

static int define_or_convert(Acrnctl *ctl, const char *command, int argc, char **argv,
			     gboolean dry_run)
{
	const char *uuid = NULL;
	const char *file = NULL;
	g_autoptr(GPtrArray) script_args = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *what = NULL;
	gsize len = 0;
	int i;

	/* Options come before the file: what follows it belongs to the
	 * script, as with upstream's `acrnctl add SCRIPT ARGS...`. */
	for (i = 1; i < argc && !file; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("Usage:\n  acrnctl %s [--uuid UUID]%s FILE [ARGS...]\n\n", command,
			       dry_run ? "" : " [--dry-run]");
			printf(
			    "%s a VM definition from FILE ('-' reads standard input):\n"
			    "  - a domain XML document, or\n"
			    "  - an upstream-style launch script that runs acrn-dm; it is not\n"
			    "    executed but read: variables, arrays, quoting, functions (also\n"
			    "    in $(...)), conditions it can decide and ARGS (as $1, $2, ...)\n"
			    "    are evaluated; no command of the script is run. The acrn-dm\n"
			    "    options are converted; options a definition cannot express\n"
			    "    (passthrough, GVT-g, ...) are rejected with the reason;\n"
			    "    obsolete ones, virtio-console and mac_seed are\n"
			    "    dropped with a warning. See acrnctl(1).\n\n"
			    "Options:\n"
			    "  --uuid UUID   give the VM this UUID (default: random for scripts)\n"
			    "%s",
			    dry_run ? "Print" : "Add",
			    dry_run ? "" : "  --dry-run     print the definition, do not add it\n");
			return ACRNCTL_EXIT_OK;
		} else if (strcmp(argv[i], "--uuid") == 0 || strcmp(argv[i], "-u") == 0) {
			if (i + 1 >= argc)
				return acrnctl_usage_error(command, "--uuid needs a value");
			uuid = argv[++i];
		} else if (g_str_has_prefix(argv[i], "--uuid=")) {
			uuid = argv[i] + 7;
		} else if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0) {
			dry_run = TRUE;
		} else if (strcmp(argv[i], "--") == 0) {
			if (i + 1 < argc)
				file = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return acrnctl_usage_error(command, "unknown option '%s'", argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return acrnctl_usage_error(command, "no file given");
	for (; i < argc; i++) {
		/* Upstream's trailing -C asked for a runC container. */
		if (i == argc - 1 && strcmp(argv[i], "-C") == 0) {
			fprintf(stderr, "acrnctl: %s %s: runC containers (-C) are not supported\n",
				command, file);
			return ACRNCTL_EXIT_INVALID_DEFINITION;
		}
		g_ptr_array_add(script_args, argv[i]);
	}
	g_ptr_array_add(script_args, NULL);

	what = g_strdup_printf("%s %s", command, file);
	if (!read_input(file, &text, &len, &error))
		return acrnctl_fail(what, error);
	xml = definition_from_input(dry_run ? NULL : ctl, file, text, len,
				    (const char *const *)script_args->pdata, uuid, dry_run, &error);
	if (!xml) {
		if (error->domain == G_OPTION_ERROR)
			return acrnctl_usage_error(command, "%s", error->message);
		if (error->domain == LAUNCH_SCRIPT_ERROR || error->domain == DM_ARGV_ERROR ||
		    error->domain == ACRN_VM_DEF_ERROR)
			g_prefix_error(&error, "cannot convert: ");
		return acrnctl_fail(what, error);
	}
	if (dry_run) {
		fputs(xml, stdout);
		return ACRNCTL_EXIT_OK;
	}

	{
		AcrnManager *manager = acrnctl_manager(ctl, &error);
		g_autofree char *path = NULL;

		if (!manager ||
		    !acrn_manager_call_define_vm_sync(manager, xml, g_variant_new("a{sv}", NULL),
						      &path, NULL, &error))
			return acrnctl_fail(what, error);
	}
	return ACRNCTL_EXIT_OK;
}

int acrnctl_cmd_add(Acrnctl *ctl, int argc, char **argv)
{
	return define_or_convert(ctl, "add", argc, argv, FALSE);
}

int acrnctl_cmd_convert(Acrnctl *ctl, int argc, char **argv)
{
	return define_or_convert(ctl, "convert", argc, argv, TRUE);
}

int acrnctl_cmd_dumpxml(Acrnctl *ctl, int argc, char **argv)
{
	int r = acrnctl_parse_options("dumpxml", "VM", "Print a VM's definition (domain XML).",
				      "The output can be edited and given back to 'acrnctl add'.",
				      NULL, &argc, &argv);
	g_autoptr(GError) error = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	g_autofree char *config = NULL;
	g_autofree char *what = NULL;

	if (r >= 0)
		return r;
	if (argc != 2)
		return acrnctl_usage_error("dumpxml", "expected one VM");
	what = g_strdup_printf("dumpxml %s", argv[1]);
	vm = acrnctl_lookup_vm(ctl, argv[1], &error);
	if (!vm ||
	    !acrn_vm_call_get_config_sync(vm, g_variant_new("a{sv}", NULL), &config, NULL, &error))
		return acrnctl_fail(what, error);
	fputs(config, stdout);
	if (!g_str_has_suffix(config, "\n"))
		fputc('\n', stdout);
	return ACRNCTL_EXIT_OK;
}
