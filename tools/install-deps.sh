#!/bin/sh
# Installs every Debian 12 package the build, the tests and the Bochs test
# platform need. Idempotent: packages already present are left alone.
set -eu

PACKAGES="
  build-essential autoconf automake libtool pkg-config gettext
  libglib2.0-dev libglib2.0-dev-bin libsystemd-dev libxml2-dev libxml2-utils uuid-dev
  libdbus-1-dev dbus dbus-daemon libvirt-dev libvirt-clients python3-libvirt
  python3 python3-gi python3-dbus
  bochs bochsbios vgabios bochs-term
  grub-pc-bin grub-common xorriso mtools
  busybox-static cpio xz-utils zstd kmod binutils file
  mmdebstrap e2fsprogs
  linux-headers-amd64
  systemd-container iproute2 util-linux
  libvirt-daemon python3-nova
  valgrind hyperfine groff-base libglib2.0-bin
  acpica-tools
  qemu-system-x86 qemu-utils
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# libvirt-daemon's postinst must not start services inside CI containers.
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "install-deps: all packages present"
fi
