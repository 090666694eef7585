# Sourced by the platform tests (*.test). Boots the stack built in this tree
# with acrn-platform and passes its TAP through to automake's tap-driver.
#   platform_test NAME [acrn-platform test options...]
#   platform_capture NAME [options...]   (TAP to $rundir.tap, returns the status)
# Environment: ACRN_HV_ELF overrides the hypervisor; ACRN_PLATFORM_KEEP=1 keeps
# run directories of passing runs too; ACRN_PLATFORM_CACHE moves the cache;
# ACRN_PLATFORM_CPU_QUOTA, ACRN_PLATFORM_SLOTS and ACRN_PLATFORM_SPEED: see
# acrn-platform --help.

platform_args() {
	name=$1
	shift
	hv=${ACRN_HV_ELF:-$top_builddir/hypervisor/acrn.elf}
	rundir=$builddir/runs/$name
	rm -rf "$rundir" "$rundir.tap"
	args="--hv $hv --rundir $rundir"
	if [ -f "$top_builddir/hsm/acrn_hsm.ko" ]; then
		args="$args --hsm $top_builddir/hsm/acrn_hsm.ko"
	fi
	if [ -f "$builddir/kmod/acrn_hctest.ko" ]; then
		args="$args --hctest $builddir/kmod/acrn_hctest.ko"
	fi
	if [ -d "$builddir/staging" ]; then
		args="$args --staging $builddir/staging"
	fi
	if [ -x "$builddir/probe/cpuid-probe" ]; then
		args="$args --probe $builddir/probe/cpuid-probe"
	fi
	if [ -x "$builddir/probe/hsm-ioctl" ]; then
		args="$args --hsm-test $builddir/probe/hsm-ioctl"
	fi
	if [ "${ACRN_PLATFORM_KEEP:-0}" = 1 ]; then
		args="$args --keep"
	fi
}

platform_test() {
	platform_args "$1"
	shift
	# shellcheck disable=SC2086 # build paths have no blanks (configure refuses them)
	set -- $args "$@"
	echo "# acrn-platform test $*"
	exec "${PYTHON3:-python3}" "$srcdir/acrn-platform" test "$@"
}

platform_capture() {
	platform_args "$1"
	shift
	# shellcheck disable=SC2086
	set -- $args "$@"
	echo "# acrn-platform test $*"
	"${PYTHON3:-python3}" "$srcdir/acrn-platform" test "$@" > "$rundir.tap" 2>&1
}
