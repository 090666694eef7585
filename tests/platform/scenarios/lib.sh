# Helpers sourced by the platform scenarios (busybox sh). Each check prints
# exactly one TAP line; the host-side runner numbers them.

# check DESCRIPTION COMMAND...: ok if COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		sed 's/^/# /' /tmp/check.out | head -n 20
	fi
}

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; }
note() { echo "# $*"; }

# cmdline_value KEY: value of KEY=... on the kernel command line.
cmdline_value() {
	for w in $(cat /proc/cmdline); do
		case "$w" in "$1"=*) echo "${w#*=}"; return 0 ;; esac
	done
	return 1
}

# Debian ships no `hypervisor`-aware lscpu in busybox: read the flags line.
cpu_flags() {
	sed -n 's/^flags[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1
}

has_flag() {
	case " $(cpu_flags) " in *" $1 "*) return 0 ;; esac
	return 1
}
