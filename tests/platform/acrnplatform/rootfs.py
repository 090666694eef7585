"""A Debian 12 Service VM with systemd as PID 1, on an emulated disk.

The busybox initramfs boots fast and suits the hypervisor's own checks; users
run a Debian Service VM with systemd, D-Bus and logind, where the project's
units, bus policy and socket activation do their real work. This module
builds that system:

* a base tree of Debian packages made once with mmdebstrap from Debian's
  archive and cached as a tarball in the platform cache (about 60 s and
  210 MB the first time; the key is the package list),
* per run: the tree unpacked, the project's `make install` tree added
  (prefix /usr/local, as a user would install it) with its units enabled,
  the scenarios and a unit that runs them once the system is up and then
  powers off through systemd, the HSM and kernel modules with depmod;
* an ext4 image made from that directory by `mke2fs -d` (no loop mount).

The initramfs then only loads the disk drivers, mounts the image and
hands over to /lib/systemd/systemd (see initramfs/init).
"""
import hashlib
import os
import shutil
import subprocess

from .util import PlatformError, file_lock, log, run

SUITE = "bookworm"
# What the Service VM needs besides the project: systemd with logind and
# D-Bus, systemd-machined and machinectl (systemd-container), the libraries
# the project links, virsh for the libvirt scenarios.
PACKAGES = (
	"systemd", "systemd-sysv", "dbus", "libpam-systemd", "systemd-container", "kmod", "procps",
	"iproute2", "libglib2.0-0", "libxml2", "libuuid1", "libsystemd0", "libvirt-clients",
)
# Bump when the way the base tree is made changes.
BASE_VERSION = 1
ROOT_DEVICE = "/dev/sda"
ROOT_FSTYPE = "ext4"
# Loaded by the initramfs, in this order with their dependencies, to mount the root.
DISK_MODULES = ("ata_piix", "sd_mod", "crc32c_generic", "ext4")
# Units that would only get in the way of a test console.
MASKED_UNITS = ("serial-getty@ttyS0.service", "getty@tty1.service", "systemd-firstboot.service",
		"apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer")
SCENARIO_UNIT = """\
[Unit]
Description=ACRN platform scenarios (runs them, then powers off)
After=multi-user.target
Wants=multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/lib/acrn-platform/run-scenarios /usr/lib/acrn-platform/scenarios
ExecStartPost=/bin/echo "ACRN-PLATFORM: scenarios done"
# A real, graceful shutdown: the runner then expects the hypervisor's
# "platform poweroff" after systemd has stopped everything.
ExecStartPost=/bin/systemctl --no-block poweroff
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no

[Install]
WantedBy=multi-user.target
"""


def base_key():
	h = hashlib.sha256(f"{BASE_VERSION} {SUITE} {' '.join(sorted(PACKAGES))}".encode())
	return h.hexdigest()[:16]


def base_tarball(cache):
	"""The cached Debian base tree (tar), made with mmdebstrap if missing."""
	path = os.path.join(cache, f"rootfs-{SUITE}-{base_key()}.tar")
	with file_lock(os.path.join(cache, ".lock")):
		if os.path.exists(path):
			return path
		if not shutil.which("mmdebstrap"):
			raise PlatformError("mmdebstrap: not installed; run tools/install-deps.sh")
		log(f"building the Debian {SUITE} Service VM base tree with mmdebstrap (once, cached as {path})")
		excludes = []
		for d in ("/usr/share/man/*", "/usr/share/doc/*", "/usr/share/locale/*", "/usr/share/info/*"):
			excludes.append(f"--dpkgopt=path-exclude={d}")
		run(["mmdebstrap", "--quiet", "--format=tar", "--variant=minbase", "--include=" + ",".join(PACKAGES), *excludes,
		     SUITE, path + ".tmp"], stdout=subprocess.DEVNULL)
		os.rename(path + ".tmp", path)
		return path


def _copy_tree(src, dst, seed=False):
	"""Copies src/ into dst/, through dst's directory symlinks (Debian 12's
	/lib -> usr/lib), as installing a package would. seed: files from the
	source tree, whose owner and modes say nothing (read-only in a
	distcheck): the copies belong to root with modes 0644/0755, and
	directories already in dst keep theirs."""
	create = ["--owner=0", "--group=0", "--numeric-owner", "--mode=u+rwX,go+rX,go-w"] if seed else []
	extract = ["--no-overwrite-dir"] if seed else []
	pack = subprocess.Popen(["tar", "-C", src, *create, "-cf", "-", "."], stdout=subprocess.PIPE)
	unpack = subprocess.run(["tar", "-C", dst, "-xf", "-", "--keep-directory-symlink", *extract],
				stdin=pack.stdout)
	pack.stdout.close()
	if pack.wait() != 0 or unpack.returncode != 0:
		raise PlatformError(f"copying {src} into {dst} failed")


def _enable(root, unit_dir, unit, target="multi-user.target"):
	wants = os.path.join(root, "etc/systemd/system", f"{target}.wants")
	os.makedirs(wants, exist_ok=True)
	link = os.path.join(wants, unit)
	if not os.path.lexists(link):
		os.symlink(f"{unit_dir}/{unit}", link)


def _mask(root, unit):
	path = os.path.join(root, "etc/systemd/system", unit)
	os.makedirs(os.path.dirname(path), exist_ok=True)
	if os.path.lexists(path):
		os.unlink(path)
	os.symlink("/dev/null", path)


def populate(root, srcdir, scenarios, staging, kernel, hsm=None, kmods=(), probe=None, seeds=()):
	"""Add the project, the scenarios and the boot set-up to an unpacked tree."""
	if staging:
		_copy_tree(staging, root)
	# dbus-daemon reads policies from /usr/share and /etc only, not from
	# /usr/local: what an administrator does after `make install`.
	policy_dir = os.path.join(root, "etc/dbus-1/system.d")
	os.makedirs(policy_dir, exist_ok=True)
	src = os.path.join(root, "usr/local/share/dbus-1/system.d")
	for name in sorted(os.listdir(src)) if os.path.isdir(src) else ():
		shutil.copy(os.path.join(src, name), policy_dir)
	unit_dir = "/usr/local/lib/systemd/system"
	for unit in ("acrnd.service", "virtacrnd.socket", "virtacrnd-ro.socket", "virtacrnd-admin.socket"):
		if os.path.exists(os.path.join(root, unit_dir.lstrip("/"), unit)):
			target = "sockets.target" if unit.endswith(".socket") else "multi-user.target"
			_enable(root, unit_dir, unit, target)
	for unit in MASKED_UNITS:
		_mask(root, unit)

	# Scenarios and their runner (shared with the busybox init).
	lib = os.path.join(root, "usr/lib/acrn-platform")
	os.makedirs(os.path.join(lib, "scenarios"), exist_ok=True)
	shutil.copy(os.path.join(srcdir, "initramfs", "run-scenarios"), os.path.join(lib, "run-scenarios"))
	os.chmod(os.path.join(lib, "run-scenarios"), 0o755)
	shutil.copy(os.path.join(srcdir, "scenarios", "lib.sh"), os.path.join(lib, "scenarios"))
	for name in scenarios:
		src = os.path.join(srcdir, "scenarios", f"{name}.sh")
		if not os.path.exists(src):
			raise PlatformError(f"no scenario {name} ({src})")
		shutil.copy(src, os.path.join(lib, "scenarios"))
	# A scenario may bring files for the image, e.g. VM definitions that
	# acrnd must find at its first start (autostart at boot) or site
	# settings: scenarios/<name>.root/ is copied over the tree as is.
	for name in scenarios:
		seed = os.path.join(srcdir, "scenarios", f"{name}.root")
		if os.path.isdir(seed):
			_copy_tree(seed, root, seed=True)
	# --seed DIR: a tree the test made on the host (files a client on the
	# host will name by the same paths, e.g. Nova's instance directory).
	for seed in seeds:
		if not os.path.isdir(seed):
			raise PlatformError(f"--seed {seed}: not a directory")
		_copy_tree(seed, root, seed=True)
	# Scenarios source /scenarios/lib.sh, as in the initramfs.
	os.symlink("usr/lib/acrn-platform/scenarios", os.path.join(root, "scenarios"))
	if probe:
		shutil.copy(probe, os.path.join(root, "usr/local/bin/cpuid-probe"))
	unit = os.path.join(root, "etc/systemd/system/acrn-platform-scenarios.service")
	with open(unit, "w") as f:
		f.write(SCENARIO_UNIT)
	_enable(root, "/etc/systemd/system", "acrn-platform-scenarios.service")

	# Kernel modules: the HSM and what the scenarios ask for, found by
	# systemd-modules-load and modprobe through depmod's index.
	moddir = os.path.join(root, "lib/modules", kernel.release)
	os.makedirs(os.path.join(moddir, "extra"), exist_ok=True)
	for path in kernel.module_paths(list(kmods)) if kmods else ():
		rel = os.path.relpath(path, kernel.modules)
		os.makedirs(os.path.dirname(os.path.join(moddir, rel)), exist_ok=True)
		shutil.copy(path, os.path.join(moddir, rel))
	for name in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
		if os.path.exists(os.path.join(kernel.modules, name)):
			shutil.copy(os.path.join(kernel.modules, name), moddir)
	load = list(kmods)
	if hsm and os.path.exists(hsm):
		run(["objcopy", "--strip-debug", hsm, os.path.join(moddir, "extra", "acrn_hsm.ko")])
		load.append("acrn_hsm")
	run(["depmod", "-b", root, kernel.release])
	os.makedirs(os.path.join(root, "etc/modules-load.d"), exist_ok=True)
	with open(os.path.join(root, "etc/modules-load.d/acrn-platform.conf"), "w") as f:
		f.write("".join(m + "\n" for m in load))

	# Not a first boot (systemd-firstboot would ask questions on the console).
	with open(os.path.join(root, "etc/machine-id"), "w") as f:
		f.write(hashlib.md5(root.encode()).hexdigest() + "\n")
	with open(os.path.join(root, "etc/hostname"), "w") as f:
		f.write("acrn-service-vm\n")
	with open(os.path.join(root, "etc/fstab"), "w") as f:
		f.write(f"{ROOT_DEVICE} / {ROOT_FSTYPE} defaults 0 1\n")


def tree_size(root):
	res = subprocess.run(["du", "-sb", root], capture_output=True, text=True, check=True)
	return int(res.stdout.split()[0])


# Bochs takes a flat disk image with a CHS geometry: 16 heads, 63 sectors.
CYLINDER_BYTES = 16 * 63 * 512


def build_disk(out, cache, srcdir, scenarios, staging, kernel, hsm=None, kmods=(), probe=None,
	       seeds=()):
	"""The Service VM's root disk image at `out`; returns its cylinder count."""
	if os.geteuid() != 0:
		raise PlatformError("the Debian Service VM image needs root (file ownership in the image)")
	base = base_tarball(cache)
	root = out + ".root"
	shutil.rmtree(root, ignore_errors=True)
	os.makedirs(root)
	try:
		run(["tar", "-xf", base, "-C", root, "--numeric-owner"])
		populate(root, srcdir, scenarios, staging, kernel, hsm=hsm, kmods=kmods, probe=probe,
			 seeds=seeds)
		size = tree_size(root)
		# Room for the journal, logs and the VMs' state at run time.
		cylinders = (int(size * 1.3) + 256 * 2**20) // CYLINDER_BYTES + 1
		if os.path.exists(out):
			os.unlink(out)
		run(["mke2fs", "-q", "-t", ROOT_FSTYPE, "-L", "acrn-svm", "-d", root, "-F", out,
		     str(cylinders * CYLINDER_BYTES // 1024)], stdout=subprocess.DEVNULL)
	finally:
		shutil.rmtree(root, ignore_errors=True)
	log(f"Service VM disk {out}: {cylinders * CYLINDER_BYTES / 2**20:.0f} MiB, "
	    f"{size / 2**20:.0f} MiB of files (Debian {SUITE} + systemd + the project)")
	return cylinders
