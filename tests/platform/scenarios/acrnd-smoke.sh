#!/bin/sh
# needs: userland
# The management plane in the real Service VM: the system bus with the
# installed acrnd policy, acrnd on it, and acrnctl talking to it. acrnd and
# the bus stay up for later scenarios of the same boot (virsh-smoke).
. /scenarios/lib.sh

if ! command -v acrnd >/dev/null 2>&1 || ! command -v acrnctl >/dev/null 2>&1; then
	not_ok "acrnd and acrnctl are in the image (installed tree given with --staging/--builddir)"
	exit 0
fi
start_system_bus || exit 0
start_acrnd
acrnctl list >/tmp/list.out 2>&1
check "acrnctl list prints its table header" grep -q NAME /tmp/list.out
if acrnctl start no-such-vm >/tmp/start.out 2>&1; then
	not_ok "acrnctl start of an unknown VM fails"
else
	ok "acrnctl start of an unknown VM fails"
fi
note "acrnctl start no-such-vm: $(tr '\n' ' ' </tmp/start.out)"
check "acrnd still runs after the bad request" pid_alive $ACRN_PLATFORM_RUN/acrnd.pid
sed 's/^/# acrnd: /' /tmp/acrnd.log | tail -n 6
exit 0
