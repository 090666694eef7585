#!/bin/sh
# needs: userland
# The management plane in the real Service VM: the system bus with the
# installed acrnd policy, acrnd on it, and acrnctl talking to it.
. /scenarios/lib.sh

if ! command -v acrnd >/dev/null 2>&1 || ! command -v acrnctl >/dev/null 2>&1; then
	not_ok "acrnd and acrnctl are in the image (installed tree given with --staging/--builddir)"
	exit 0
fi
mkdir -p /run/dbus /run/acrn /var/lib/acrn
check "dbus-daemon (system bus) starts with the installed acrnd policy" \
	dbus-daemon --config-file=/etc/dbus-1/acrn-system.conf
acrnd --system --state-dir /var/lib/acrn --run-dir /run/acrn >/tmp/acrnd.log 2>&1 &
acrnd_pid=$!
i=0
while ! acrnctl list >/tmp/list.out 2>&1 && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
check "acrnctl list reaches acrnd over the system bus" acrnctl list
check "acrnctl list prints its table header" grep -q NAME /tmp/list.out
if acrnctl start no-such-vm >/tmp/start.out 2>&1; then
	not_ok "acrnctl start of an unknown VM fails"
else
	ok "acrnctl start of an unknown VM fails"
fi
note "acrnctl start no-such-vm: $(tr '\n' ' ' </tmp/start.out)"
check "acrnd still runs after the bad request" kill -0 "$acrnd_pid"
kill "$acrnd_pid"
wait "$acrnd_pid" 2>/dev/null
sed 's/^/# acrnd: /' /tmp/acrnd.log | tail -n 6
exit 0
