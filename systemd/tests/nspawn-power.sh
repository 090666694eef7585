#!/bin/sh
# Service VM power coordination under a real systemd, logind and machined
# (systemd-nspawn, see nspawn.sh), with the acrn-dm stand-in as the TEST
# DOUBLE for acrn-dm: autostart at acrnd start (order, delay, one VM that
# fails), machined scopes, the logind delay inhibitor, `systemctl stop
# acrnd` leaving VMs running, a host suspend through logind, and
# `systemctl poweroff` through logind's PrepareForShutdown: graceful stops
# in parallel, a guest that ignores the power button force-stopped after
# its timeout, a VM with policy leave untouched, the outcome recorded.
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
NSPAWN_DRIVER=nspawn-power-driver.sh NSPAWN_HOOK=$srcdir/tests/nspawn-power-hook.sh \
	NSPAWN_POWER_MODE=${NSPAWN_POWER_MODE:-logind} exec sh "$srcdir/tests/nspawn.sh"
