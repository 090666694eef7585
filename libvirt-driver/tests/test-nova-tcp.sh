#!/bin/sh
# OpenStack Nova's own spawn (test-nova-spawn.py, unchanged) with Nova's
# connection_uri = acrn+tcp://127.0.0.1:PORT/system: virtacrnd listens on TCP
# (listen_tcp, auth_tcp = "none") and Nova reaches it only that way.
NOVA_SPAWN_OVER_TCP=1 exec /usr/bin/python3 "$TESTS_SRCDIR/test-nova-spawn.py"
