# Sourced by the platform tests (*.test). Boots the stack built in this tree
# with acrn-platform and passes its TAP through to automake's tap-driver.
#   platform_test NAME [acrn-platform test options...]
# Environment: ACRN_HV_ELF overrides the hypervisor; ACRN_PLATFORM_KEEP=1 keeps
# run directories of passing runs too; ACRN_PLATFORM_CACHE moves the cache.

platform_test() {
	name=$1
	shift
	hv=${ACRN_HV_ELF:-$top_builddir/hypervisor/acrn.elf}
	rundir=$builddir/runs/$name
	rm -rf "$rundir"
	set -- --hv "$hv" --rundir "$rundir" "$@"
	if [ -f "$top_builddir/hsm/acrn_hsm.ko" ]; then
		set -- "$@" --hsm "$top_builddir/hsm/acrn_hsm.ko"
	fi
	if [ -d "$builddir/staging" ]; then
		set -- "$@" --staging "$builddir/staging"
	fi
	if [ -x "$builddir/probe/cpuid-probe" ]; then
		set -- "$@" --probe "$builddir/probe/cpuid-probe"
	fi
	if [ "${ACRN_PLATFORM_KEEP:-0}" = 1 ]; then
		set -- "$@" --keep
	fi
	echo "# acrn-platform test $*"
	exec "${PYTHON3:-python3}" "$srcdir/acrn-platform" test "$@"
}
