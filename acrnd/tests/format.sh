#!/bin/sh
# make check: the C files of acrnd/, common/ and lib/mgmt-util/ are exactly
# as clang-format formats them (tools/check-format.sh).  The files another
# branch is moving into lib/ are left out until that move is merged.
here=$(cd "$(dirname "$0")" && pwd)
FORMAT_TAP=1 FORMAT_EXCLUDE="acrnd/dm-proto.c acrnd/dm-proto.h acrnd/vm-definition.c \
acrnd/vm-definition.h acrnd/vm-dm-argv.c" \
	exec "$here/../../tools/check-format.sh" acrnd common lib/mgmt-util
