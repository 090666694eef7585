# Shell helpers for acrnctl's integration tests and the bus policy test:
# a private dbus-daemon, the real acrnd on it (driving the acrn-dm
# stand-in, a test double), and TAP-style assertions.
# Expects top_builddir (absolute) in the environment.

ACRNCTL="$top_builddir/acrnctl/acrnctl"
ACRND="$top_builddir/acrnd/acrnd"
# The acrn-dm stand-in is a TEST DOUBLE: no hypervisor runs on test hosts.
DM_STANDIN="$top_builddir/tests/doubles/acrn-dm-standin"
: "${DBUS_DAEMON:=dbus-daemon}"

t_n=0
t_failures=0
t_pids=""

t_setup() { # name
	t_work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
}

t_cleanup() {
	# Also called from scripts running with set -e: no step may fail.
	for pid in $t_pids; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $t_pids; do
		wait "$pid" 2>/dev/null || true
	done
	# acrnd leaves device models running on purpose (they survive acrnd
	# restarts); end the stand-ins this test's acrnd started: their
	# command lines name a control socket in this test's directory.
	if [ -n "${t_work:-}" ] && [ -d "$t_work/run" ]; then
		for pid in $(pgrep -f -- "--control-socket $t_work/run/" 2>/dev/null); do
			kill -INT "$pid" 2>/dev/null || true
		done
	fi
	if [ "${t_keep:-0}" = 1 ] || [ "$t_failures" -ne 0 ]; then
		echo "# logs kept in $t_work"
		for log in "$t_work"/*.log; do
			[ -f "$log" ] || continue
			echo "# ---- $log (last 40 lines)"
			tail -n 40 "$log" | sed 's/^/# /'
		done
	else
		rm -rf "$t_work"
	fi
}

t_skip_unless_built() {
	for f in "$ACRNCTL" "$ACRND" "$DM_STANDIN"; do
		if [ ! -x "$f" ]; then
			echo "1..0 # SKIP $f is not built"
			exit 77
		fi
	done
}

t_ok() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $*"
}

t_not_ok() {
	t_n=$((t_n + 1))
	t_failures=$((t_failures + 1))
	echo "not ok $t_n - $*"
}

t_done() {
	echo "1..$t_n"
	[ "$t_failures" -eq 0 ]
	exit $?
}

# Starts a private dbus-daemon on $t_work/bus/socket; sets BUS.
#   t_start_bus session : tests/private-bus.conf (everything allowed, any
#       local user may connect)
#   t_start_bus system POLICY_FILE : /usr/share/dbus-1/system.conf with its
#       user, fork, pidfile, syslog, activation helper and standard service
#       and policy directories removed, listening on a private socket, plus
#       POLICY_FILE
t_start_bus() {
	mkdir -p "$t_work/bus"
	chmod 755 "$t_work" "$t_work/bus"
	cfg="$t_work/bus/bus.conf"
	if [ "$1" = session ]; then
		cfg="$top_srcdir/tests/private-bus.conf"
	else
		mkdir -p "$t_work/bus/policy.d" "$t_work/bus/services"
		cp "$2" "$t_work/bus/policy.d/"
		# optional third argument: a D-Bus activation file to load
		[ -n "${3:-}" ] && cp "$3" "$t_work/bus/services/"
		sed -e '/<user>/d' -e '/<fork\/>/d' -e '/<pidfile>/d' -e '/<syslog\/>/d' \
			-e '/<servicehelper>/d' -e '/<standard_system_servicedirs\/>/d' \
			-e '/<include/d' \
			-e "s|<listen>.*</listen>|<listen>unix:path=$t_work/bus/socket</listen>|" \
			-e "s|</busconfig>|<servicedir>$t_work/bus/services</servicedir><includedir>$t_work/bus/policy.d</includedir></busconfig>|" \
			/usr/share/dbus-1/system.conf >"$cfg"
	fi
	"$DBUS_DAEMON" --config-file="$cfg" --address="unix:path=$t_work/bus/socket" \
		--nofork --print-address=1 \
		>"$t_work/bus/address" 2>"$t_work/dbus-daemon.log" &
	t_pids="$t_pids $!"
	i=0
	while [ ! -s "$t_work/bus/address" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	BUS=$(head -n 1 "$t_work/bus/address")
	if [ -z "$BUS" ]; then
		echo "Bail out! dbus-daemon did not start"
		cat "$t_work/dbus-daemon.log"
		exit 99
	fi
	export BUS
}

# Starts acrnd on $BUS with its state under $t_work; waits until it answers.
t_start_acrnd() {
	mkdir -p "$t_work/state" "$t_work/run"
	"$ACRND" --bus-address "$BUS" --state-dir "$t_work/state" --run-dir "$t_work/run" \
		--dm-path "$DM_STANDIN" --log-level debug "$@" >>"$t_work/acrnd.log" 2>&1 &
	ACRND_PID=$!
	t_pids="$t_pids $ACRND_PID"
	i=0
	until "$ACRNCTL" --address "$BUS" list >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$ACRND_PID" 2>/dev/null; then
			echo "Bail out! acrnd did not come up"
			exit 99
		fi
		sleep 0.05
	done
}

# acrnctl on the test bus.
actl() {
	"$ACRNCTL" --address "$BUS" "$@"
}

# expect STATUS DESCRIPTION COMMAND...: runs the command, keeps its output
# in $t_work/out and $t_work/err, and checks the exit status.
expect() {
	want=$1
	desc=$2
	shift 2
	"$@" >"$t_work/out" 2>"$t_work/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		t_ok "$desc"
	else
		t_not_ok "$desc: exit status $got, expected $want"
		sed 's/^/#   stdout: /' "$t_work/out"
		sed 's/^/#   stderr: /' "$t_work/err"
	fi
}

# expect_output FILE TEXT DESCRIPTION: FILE (out or err of the last expect)
# contains TEXT.
expect_output() {
	if grep -qF -- "$2" "$t_work/$1"; then
		t_ok "$3"
	else
		t_not_ok "$3: '$2' not in std$1"
		sed "s/^/#   std$1: /" "$t_work/$1"
	fi
}

# The state column of `acrnctl list` for a VM.
vm_state() {
	actl list --no-header | awk -v vm="$1" '$1 == vm { print $2 }'
}

# wait_state VM STATE [SECONDS]: polls until the VM is in STATE.
wait_state() {
	limit=$(( ${3:-10} * 20 ))
	i=0
	while [ "$(vm_state "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt $limit ] && return 1
		sleep 0.05
	done
	return 0
}

expect_state() { # VM STATE DESCRIPTION
	if wait_state "$1" "$2" 10; then
		t_ok "$3"
	else
		t_not_ok "$3: state is '$(vm_state "$1")', expected '$2'"
	fi
}
