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

# ---- The management plane, shared by acrnd-smoke, virsh-smoke and demo ----
# The first scenario of a boot that needs it starts it; later ones reuse it
# (one boot runs several scenarios, each in its own shell, so the pids live in
# files). Each function prints exactly one TAP line and returns its verdict.
ACRN_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket
ACRN_PLATFORM_RUN=/run/acrn-platform
VIRTACRND_SOCK_DIR=/run/libvirt

# pid_alive PIDFILE: the process named in PIDFILE runs.
pid_alive() {
	[ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# start_system_bus: dbus-daemon with the installed acrnd policy (it forks and
# writes /run/dbus/pid itself).
start_system_bus() {
	if pid_alive /run/dbus/pid; then
		ok "system bus is up (reused, dbus-daemon pid $(cat /run/dbus/pid))"
		return 0
	fi
	mkdir -p /run/dbus
	rm -f /run/dbus/pid /run/dbus/system_bus_socket
	check "dbus-daemon (system bus) starts with the installed acrnd policy" \
		dbus-daemon --config-file=/etc/dbus-1/acrn-system.conf
	pid_alive /run/dbus/pid
}

# start_acrnd: acrnd on the system bus, ready once `acrnctl list` answers.
start_acrnd() {
	if pid_alive $ACRN_PLATFORM_RUN/acrnd.pid; then
		check "acrnd answers acrnctl list (reused, pid $(cat $ACRN_PLATFORM_RUN/acrnd.pid))" \
			acrnctl list
		return
	fi
	mkdir -p /run/acrn /var/lib/acrn $ACRN_PLATFORM_RUN
	acrnd --system --state-dir /var/lib/acrn --run-dir /run/acrn >/tmp/acrnd.log 2>&1 &
	echo $! >$ACRN_PLATFORM_RUN/acrnd.pid
	i=0
	while ! acrnctl list >/dev/null 2>&1 && [ $i -lt 50 ]; do
		pid_alive $ACRN_PLATFORM_RUN/acrnd.pid || break
		sleep 0.2
		i=$((i + 1))
	done
	check "acrnctl list reaches acrnd over the system bus" acrnctl list
}

# start_virtacrnd: virtacrnd on the same bus, its sockets in
# $VIRTACRND_SOCK_DIR; ready once the last socket it binds (admin) exists.
start_virtacrnd() {
	if pid_alive $ACRN_PLATFORM_RUN/virtacrnd.pid; then
		ok "virtacrnd is up (reused, pid $(cat $ACRN_PLATFORM_RUN/virtacrnd.pid))"
		return 0
	fi
	mkdir -p $VIRTACRND_SOCK_DIR $ACRN_PLATFORM_RUN
	virtacrnd --system --socket-dir $VIRTACRND_SOCK_DIR --bus-address $ACRN_BUS_ADDRESS \
		>/tmp/virtacrnd.log 2>&1 &
	echo $! >$ACRN_PLATFORM_RUN/virtacrnd.pid
	i=0
	while [ ! -S $VIRTACRND_SOCK_DIR/virtacrnd-admin-sock ] && [ $i -lt 50 ]; do
		pid_alive $ACRN_PLATFORM_RUN/virtacrnd.pid || break
		sleep 0.2
		i=$((i + 1))
	done
	if [ -S $VIRTACRND_SOCK_DIR/virtacrnd-admin-sock ]; then
		ok "virtacrnd listens in $VIRTACRND_SOCK_DIR"
	else
		not_ok "virtacrnd listens in $VIRTACRND_SOCK_DIR"
		sed 's/^/# virtacrnd: /' /tmp/virtacrnd.log | tail -n 10
		return 1
	fi
}

# stop_daemon NAME: stops a daemon started by start_acrnd/start_virtacrnd.
stop_daemon() {
	if pid_alive $ACRN_PLATFORM_RUN/$1.pid; then
		kill "$(cat $ACRN_PLATFORM_RUN/$1.pid)"
	fi
	rm -f $ACRN_PLATFORM_RUN/$1.pid
}

# --- User VM scenarios (uvm-chain, uvm-systemd, uvm-linux) ---

# expect DESCRIPTION FILE PATTERN [COUNT]: ok once the guest printed PATTERN
# into FILE (COUNT times); gives up after 6 s of Service VM time (minutes of
# wall time), printing a line every 0.5 s so that the platform sees progress.
# A failure ends the scenario: what follows needs the guest.
expect() {
	i=0
	while [ "$(grep -c "$3" "$2" 2>/dev/null)" -lt "${4:-1}" ]; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			not_ok "$1"
			tail -n 5 "$2" 2>&1 | sed 's/^/# guest: /'
			journalctl -b --no-pager -n 15 -u acrnd.service 2>/dev/null | sed 's/^/# journal: /'
			exit 0
		fi
		[ $((i % 25)) = 0 ] && note "waiting for '$3' in $2 ($((i * 2)) cs)"
		sleep 0.02
	done
	ok "$1"
}

# must DESCRIPTION COMMAND...: check, and end the scenario if it failed
must() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' /tmp/check.out | head -n 20
		journalctl -b --no-pager -n 15 -u acrnd.service 2>/dev/null | sed 's/^/# journal: /'
		exit 0
	fi
}

# busy_wait_cs N: let N centiseconds of Service VM time pass. Linux takes
# the TSC for 3.5 GHz (CPUID), Bochs ticks it once per instruction: a
# Service VM second is ~3.5e9 instructions, 50-100 s of wall time, and
# pm-guest ticks every 2^27 TSC, ~4 Service VM centiseconds.
uptime_cs() {
	read -r up _ </proc/uptime
	cs=${up#*.}
	echo $((${up%.*} * 100 + ${cs#0}))
}
busy_wait_cs() {
	end=$(($(uptime_cs) + $1))
	while [ "$(uptime_cs)" -lt "$end" ]; do :; done
}

# state NAME: the VM's state in `acrnctl list`
state() { acrnctl list 2>/dev/null | awk -v n="$1" '$1 == n {print $2}'; }

# wait_state NAME STATE: until acrnctl list shows it (at most 100 tries)
wait_state() {
	i=0
	while [ "$(state "$1")" != "$2" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		[ $((i % 10)) = 0 ] && note "waiting for $1 to be $2 (now '$(state "$1")')"
		sleep 0.02
	done
}
