"""The Linux User VM of the uvm-linux scenario: what acrn-dm boots.

Debian's own kernel (the Service VM's, from the cache) as the guest kernel,
a busybox initramfs whose init (uvm-guest/rc) prints UVM-LINUX: lines the
scenario checks, and a small ISO 9660 image for its virtio-blk disk that
holds a token made per build, so a matching line proves the guest read it
from the disk. The kernel goes in as the compact ELF (kernel.py): the same
memory image as vmlinux without its runs of zeros, which acrn-dm's
--elf_file loader reads as it reads vmlinux, and no decompressor to run.
"""
import os
import secrets
import shutil
import subprocess
import tempfile

from . import initramfs  # uses this module too: attributes are looked up at call time
from .util import PlatformError, log

# The drivers the guest needs that Debian builds as modules (with their
# dependencies from modules.dep): virtio-pci, -blk and -console, the ACPI
# power button and evdev (busybox acpid reads /dev/input/event*), isofs.
GUEST_MODULES = ("virtio_pci", "virtio_blk", "virtio_console", "button", "evdev", "isofs")

# Where the files go in the Service VM (relative to its root).
GUEST_DIR = "usr/share/acrn-tests/linux-uvm"


def build_bench(out, srcdir):
	"""uvm-guest/uvm-bench.c, static: the guest's and the Service VM's side
	of bench/uvm-linux-boot.sh run the same binary."""
	return initramfs.compile_probe(os.path.join(srcdir, "uvm-guest", "uvm-bench.c"), out)


def build_initrd(out, srcdir, kernel, bench=None):
	"""The guest's initramfs: busybox init, rc, the acpid action, modules,
	uvm-bench (compiled next to `out` unless given)."""
	arc = initramfs.Archive()
	initramfs.add_stripped(arc, "usr/bin/uvm-bench", bench or build_bench(out + ".uvm-bench", srcdir))
	initramfs.add_busybox(arc)
	guest = os.path.join(srcdir, "uvm-guest")
	arc.add_symlink("init", "usr/bin/busybox")  # busybox init as PID 1, from /init
	arc.add_file("etc/inittab", os.path.join(guest, "inittab"), 0o644)
	arc.add_file("etc/rc", os.path.join(guest, "rc"), 0o755)
	arc.add_file("etc/acpi/PWRF/00000080", os.path.join(guest, "power-button"), 0o755)
	arc.add_data("etc/hostname", b"uvm-linux\n")
	arc.add_data("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
	paths = kernel.module_paths(list(GUEST_MODULES))
	for path in paths:
		arc.add_file(f"lib/modules/{os.path.basename(path)}", path, 0o644)
	arc.add_data("lib/modules/order", "".join(os.path.basename(p) + "\n" for p in paths).encode())
	arc.write(out)
	return os.path.getsize(out)


def build_disk(out, token):
	"""An ISO 9660 image with token.txt (read-only medium, isofs in the guest)."""
	with tempfile.TemporaryDirectory() as tmp:
		with open(os.path.join(tmp, "token.txt"), "w") as f:
			f.write(token + "\n")
		res = subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-V", "UVMDISK", "-o", out, tmp],
				     capture_output=True, text=True)
		if res.returncode != 0:
			raise PlatformError(f"xorriso (guest disk) failed:\n{res.stderr}")


def build(arc, srcdir, kernel, workdir):
	"""Adds the guest's kernel, initramfs, disk and expected token to `arc`
	(the Service VM's tree) under GUEST_DIR."""
	wd = os.path.join(workdir, "linux-uvm")
	shutil.rmtree(wd, ignore_errors=True)
	os.makedirs(wd)
	initrd = os.path.join(wd, "initrd")
	bench = build_bench(os.path.join(wd, "uvm-bench"), srcdir)
	size = build_initrd(initrd, srcdir, kernel, bench)
	token = "uvm-disk-token-" + secrets.token_hex(8)
	disk = os.path.join(wd, "disk.iso")
	build_disk(disk, token)
	arc.add_file(f"{GUEST_DIR}/vmlinux", kernel.compact, 0o644)
	arc.add_file(f"{GUEST_DIR}/vmlinuz", kernel.bzimage, 0o644)
	arc.add_file(f"{GUEST_DIR}/initrd", initrd, 0o644)
	arc.add_file(f"{GUEST_DIR}/disk.iso", disk, 0o644)
	arc.add_data(f"{GUEST_DIR}/token", (token + "\n").encode())
	initramfs.add_stripped(arc, f"{GUEST_DIR}/uvm-bench", bench)
	log(f"Linux User VM: kernel {os.path.getsize(kernel.compact) / 1e6:.1f} MB (compact ELF), "
	    f"initramfs {size / 1e6:.1f} MB, disk {os.path.getsize(disk) // 1024} KiB")
