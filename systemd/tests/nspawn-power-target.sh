#!/bin/sh
# As nspawn-power.sh, but the container is shut down with
# `systemctl start poweroff.target`, which bypasses logind: acrnd gets only
# SIGTERM, sees systemd's state "stopping" and stops the VMs itself.
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
NSPAWN_POWER_MODE=target exec sh "$srcdir/tests/nspawn-power.sh"
