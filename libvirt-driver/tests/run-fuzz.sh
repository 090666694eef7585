#!/bin/sh
# Runs the packet-decoder fuzzer for a bounded time (FUZZ_SECONDS, default
# 15) as part of make check; a crash or sanitizer report fails the test.
set -eu
exec "${FUZZ_PACKET:?}" "${FUZZ_SECONDS:-15}" ${FUZZ_SEED:-}
