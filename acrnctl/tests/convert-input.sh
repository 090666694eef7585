#!/bin/sh
# What `acrnctl add` / `convert` refuse to read (issue 13, item 6): devices,
# FIFOs and directories before reading anything, files and standard input
# over the size limit (1 MiB) without reading them whole.
set -u
: "${top_builddir:?}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$srcdir/tests/lib.sh"
t_setup acrnctl-convert-input

refused() { # description expected-text command...
	desc=$1
	want=$2
	shift 2
	"$@" >"$t_work/out" 2>"$t_work/err"
	rc=$?
	if [ $rc -ne 0 ] && [ ! -s "$t_work/out" ] && grep -qF -- "$want" "$t_work/err"; then
		t_ok "$desc: $(cat "$t_work/err")"
	else
		t_not_ok "$desc: exit $rc, expected an error containing '$want'"
		cat "$t_work/err"
	fi
}

refused "/dev/zero is not read" "not a regular file" "$ACRNCTL" convert /dev/zero
refused "add /dev/zero is refused before contacting acrnd" "not a regular file" \
	"$ACRNCTL" --address unix:path="$t_work/nobus" add /dev/zero
refused "a directory" "is a directory" "$ACRNCTL" convert "$t_work"
mkfifo "$t_work/fifo"
# Without O_NONBLOCK, opening a FIFO with no writer would wait for ever.
refused "a FIFO is refused without waiting for a writer" "not a regular file" \
	"$ACRNCTL" convert "$t_work/fifo"
# A sparse file: its size is checked before anything is read.
: >"$t_work/big.sh"
truncate -s 4G "$t_work/big.sh" 2>/dev/null || dd if=/dev/null of="$t_work/big.sh" bs=1 seek=4294967296 2>/dev/null
refused "a 4 GiB file is refused by its size" "larger than 1048576 bytes" \
	"$ACRNCTL" convert "$t_work/big.sh"
refused "endless standard input stops at the limit" "standard input is larger than" \
	sh -c "'$ACRNCTL' convert - </dev/zero"
refused "a missing file" "No such file" "$ACRNCTL" convert "$t_work/none.sh"
t_done
