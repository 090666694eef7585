"""The Service VM initramfs: an uncompressed cpio (newc) archive.

Uncompressed because GRUB decompresses gzip modules in emulation (slower
than loading the raw bytes). Written in Python so that ownership and device
nodes come out right without root or fakeroot.
"""
import os
import re
import shutil
import stat
import subprocess
import tempfile

from . import uvmguest
from .util import PlatformError, log, run

# Debian 12 is usr-merged: keep the same layout so every path ldd reports works.
MERGED = ("bin", "sbin", "lib", "lib64")

# Installed files that only cost load time in the Service VM.
# Kernel modules are added on their own (stripped, at a fixed path).
# So are the hypervisor image and systemd units (the Service VM has no systemd).
SKIP_STAGING = re.compile(r"(^|/)(share/(man|doc|info|bash-completion|locale)|include|lib/(pkgconfig|modules|acrn|systemd|sysusers\.d|tmpfiles\.d))(/|$)|\.(la|a|ko)$")


class Archive:
	"""An in-memory file tree written out as cpio newc."""

	def __init__(self, bare=False):
		self.entries = {}  # path -> (mode, data, rdev)
		if bare:
			return
		for d in ("usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "dev", "proc",
			  "sys", "run", "tmp", "etc", "root", "var", "scenarios"):
			self.add_dir(d)
		for d in MERGED:
			self.entries[d] = (stat.S_IFLNK | 0o777, f"usr/{d}".encode(), 0)
		self.entries["var/run"] = (stat.S_IFLNK | 0o777, b"../run", 0)
		# The kernel opens /dev/console before init runs and devtmpfs is mounted.
		self.entries["dev/console"] = (stat.S_IFCHR | 0o600, b"", os.makedev(5, 1))

	@staticmethod
	def norm(path):
		path = os.path.normpath(path).lstrip("/")
		first = path.split("/", 1)[0]
		if first in MERGED:
			path = "usr/" + path
		return path

	def add_dir(self, path, mode=0o755):
		path = self.norm(path)
		parts = path.split("/")
		for i in range(1, len(parts) + 1):
			p = "/".join(parts[:i])
			if p not in self.entries:
				self.entries[p] = (stat.S_IFDIR | mode, b"", 0)

	def _parent(self, path):
		parent = os.path.dirname(path)
		if parent:
			self.add_dir(parent)

	def add_data(self, path, data, mode=0o644):
		path = self.norm(path)
		self._parent(path)
		self.entries[path] = (stat.S_IFREG | mode, data, 0)

	def add_file(self, path, src, mode=None):
		with open(src, "rb") as f:
			data = f.read()
		if mode is None:
			mode = stat.S_IMODE(os.stat(src).st_mode)
		self.add_data(path, data, mode)

	def add_symlink(self, path, target):
		path = self.norm(path)
		self._parent(path)
		self.entries[path] = (stat.S_IFLNK | 0o777, target.encode(), 0)

	def has(self, path):
		return self.norm(path) in self.entries

	def size(self):
		return sum(len(d) for _, d, _ in self.entries.values())

	def write_tree(self, root):
		"""Materialise the entries as a directory tree (for the ISO)."""
		for path in sorted(self.entries):
			mode, data, _ = self.entries[path]
			dst = os.path.join(root, path)
			if stat.S_ISDIR(mode):
				os.makedirs(dst, exist_ok=True)
			elif stat.S_ISLNK(mode):
				os.symlink(data.decode(), dst)
			elif stat.S_ISREG(mode):
				with open(dst, "wb") as f:
					f.write(data)
				os.chmod(dst, stat.S_IMODE(mode))

	def link_to(self, arc, mountpoint):
		"""Make every file of this tree appear in `arc` as a symlink under `mountpoint`."""
		for path, (mode, data, rdev) in self.entries.items():
			if stat.S_ISDIR(mode):
				arc.add_dir(path)
			elif stat.S_ISLNK(mode):
				arc._parent(path)
				arc.entries[path] = (mode, data, rdev)
			else:
				arc.add_symlink(path, f"{mountpoint}/{path}")

	def write(self, out):
		def pad(n):
			return b"\0" * ((4 - n % 4) % 4)

		with open(out + ".tmp", "wb") as f:
			ino = 1
			for path in sorted(self.entries):
				mode, data, rdev = self.entries[path]
				name = path.encode() + b"\0"
				fields = (ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
					  0, 0, os.major(rdev), os.minor(rdev), len(name), 0)
				hdr = b"070701" + b"".join(b"%08x" % v for v in fields)
				f.write(hdr + name + pad(len(hdr) + len(name)) + data + pad(len(data)))
				ino += 1
			name = b"TRAILER!!!\0"
			hdr = b"070701" + b"".join(b"%08x" % v for v in (0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(name), 0))
			f.write(hdr + name + pad(len(hdr) + len(name)))
		os.rename(out + ".tmp", out)


def is_elf(path):
	try:
		with open(path, "rb") as f:
			return f.read(4) == b"\x7fELF"
	except OSError:
		return False


def shared_libs(path):
	"""Absolute paths of the shared libraries `path` needs (ldd), loader included."""
	res = subprocess.run(["ldd", path], capture_output=True, text=True)
	if res.returncode != 0:
		return []  # static executables and non-executables
	libs = []
	for line in res.stdout.splitlines():
		m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)", line)
		if m:
			libs.append(m.group(1))
		elif "not found" in line:
			raise PlatformError(f"{path}: {line.strip()}")
	return libs


def add_with_libs(arc, dst, src):
	arc.add_file(dst, src)
	for lib in shared_libs(src):
		if not arc.has(lib):
			arc.add_file(lib, os.path.realpath(lib))


def add_busybox(arc, busybox="/bin/busybox"):
	res = subprocess.run(["file", "-L", busybox], capture_output=True, text=True)
	if "statically linked" not in res.stdout:
		raise PlatformError(f"{busybox} is not static: install busybox-static")
	arc.add_file("usr/bin/busybox", busybox, 0o755)
	applets = subprocess.run([busybox, "--list-full"], capture_output=True, text=True,
				 check=True).stdout.split()
	for applet in applets:
		if not arc.has(applet):
			depth = arc.norm(applet).count("/")
			arc.add_symlink(applet, "../" * depth + "usr/bin/busybox")


def add_staging(arc, staging):
	"""Copy a `make install DESTDIR=staging` tree, pulling in ELF dependencies."""
	for dirpath, dirnames, filenames in os.walk(staging):
		rel = os.path.relpath(dirpath, staging)
		dirnames[:] = [d for d in dirnames if not SKIP_STAGING.search(os.path.join(rel, d))]
		for name in filenames:
			src = os.path.join(dirpath, name)
			dst = os.path.normpath(os.path.join(rel, name))
			if SKIP_STAGING.search(dst):
				continue
			if os.path.islink(src):
				arc.add_symlink(dst, os.readlink(src))
			elif is_elf(src):
				add_with_libs(arc, dst, src)
				add_stripped(arc, dst, src)
			else:
				arc.add_file(dst, src)


def find_in_staging(staging, name, dirs=None):
	"""Path of `name` in the staging tree; with `dirs`, only in directories so named."""
	for dirpath, _, filenames in os.walk(staging or "/nonexistent"):
		if dirs and os.path.basename(dirpath) not in dirs:
			continue
		if name in filenames:
			return os.path.join(dirpath, name)
	return None


def add_stripped(arc, dst, src):
	"""Our own binaries are built with -g: debug info only costs load time."""
	with tempfile.TemporaryDirectory() as tmp:
		out = os.path.join(tmp, "stripped")
		res = subprocess.run(["strip", "--strip-debug", "-o", out, src], capture_output=True)
		arc.add_file(dst, out if res.returncode == 0 else src, stat.S_IMODE(os.stat(src).st_mode))


def compile_probe(src, out):
	cc = os.environ.get("CC", "cc")
	run([cc, "-static", "-O2", "-Wall", "-o", out, src])
	return out


PASSWD = "root:x:0:0:root:/root:/bin/sh\nmessagebus:x:100:101::/run/dbus:/bin/false\n"
GROUP = "root:x:0:\nmessagebus:x:101:\n"


def dbus_config(prefixes):
	"""A system-bus config for the Service VM that also reads the project's policy."""
	dirs = "".join(f"  <includedir>{p}/share/dbus-1/system.d</includedir>\n" for p in prefixes)
	return f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <fork/>
  <pidfile>/run/dbus/pid</pidfile>
  <auth>EXTERNAL</auth>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
{dirs}</busconfig>
"""


def scenario_header(path, key):
	"""The words of a scenario script's `# <key>: a b` header lines."""
	words = []
	with open(path) as f:
		for line in f:
			m = re.match(r"#\s*" + re.escape(key) + r":\s*(.*)", line)
			if m:
				words.extend(m.group(1).split())
	return words


def scenario_needs(path):
	"""The `# needs: a b` header of a scenario script."""
	return set(scenario_header(path, "needs"))


def scenario_kmods(path):
	"""The `# kmods: a b` header: Debian kernel modules the scenario uses
	(e.g. msr for /dev/cpu/N/msr); the init loads them at boot."""
	return scenario_header(path, "kmods")


# Kernel modules (with their dependencies) that let the Service VM read the
# boot CD, where the user-space stack waits when it is not in the initramfs.
CD_MODULES = ("ata_piix", "sr_mod", "isofs")
CD_MOUNT = "/cdrom"
CD_USERLAND = "userland"  # directory in the ISO


def build(out, srcdir, scenarios, staging=None, hsm=None, probe=None, hsm_test=None, kernel=None,
	  kmods=(), extra_needs=(), workdir=None, userland_dir=None, hctest=None):
	"""Assemble the initramfs at `out`. Returns the set of features included.

	The user-space stack (project daemons, dbus-daemon, their libraries) goes
	in only when a selected scenario declares `# needs: userland` (or
	`virsh`). It is large (libxml2 pulls ICU's 30 MB data library) and GRUB
	loads modules at ~4.5 MB/s, so with `userland_dir` it is written there
	instead (to be put on the ISO as /userland) and the initramfs gets the
	CD drivers plus symlinks into /cdrom/userland: the Service VM then reads
	from the CD only the pages it uses.
	"""
	arc = Archive()
	add_busybox(arc)
	arc.add_file("init", os.path.join(srcdir, "initramfs", "init"), 0o755)
	arc.add_file("run-scenarios", os.path.join(srcdir, "initramfs", "run-scenarios"), 0o755)
	arc.add_file("scenarios/lib.sh", os.path.join(srcdir, "scenarios", "lib.sh"), 0o644)
	needs = set(extra_needs)
	for name in scenarios:
		src = os.path.join(srcdir, "scenarios", f"{name}.sh")
		if not os.path.exists(src):
			raise PlatformError(f"no scenario {name} ({src})")
		arc.add_file(f"scenarios/{name}.sh", src, 0o755)
		needs |= scenario_needs(src)
		kmods = list(kmods) + [m for m in scenario_kmods(src) if m not in kmods]
	arc.add_data("etc/passwd", PASSWD.encode())
	arc.add_data("etc/group", GROUP.encode())

	if not probe:
		probe = compile_probe(os.path.join(srcdir, "probe", "cpuid-probe.c"),
				      os.path.join(workdir or os.path.dirname(out), "cpuid-probe"))
	arc.add_file("usr/bin/cpuid-probe", probe, 0o755)
	if "hsm-test" in needs:
		# The HSM's ioctl test program (probe/hsm-ioctl.c), static like the probe.
		if not hsm_test:
			hsm_test = compile_probe(os.path.join(srcdir, "probe", "hsm-ioctl.c"),
						 os.path.join(workdir or os.path.dirname(out), "hsm-ioctl"))
		add_stripped(arc, "usr/bin/hsm-ioctl", hsm_test)
	if "uvm-test" in needs:
		# The User VM lifecycle test (probe/uvm-lifecycle.c), through the HSM.
		uvm_test = compile_probe(os.path.join(srcdir, "probe", "uvm-lifecycle.c"),
					 os.path.join(workdir or os.path.dirname(out), "uvm-lifecycle"))
		add_stripped(arc, "usr/bin/uvm-lifecycle", uvm_test)
	if "uvm-run" in needs:
		# The User VM runner (probe/uvm-run.c) and the test guest it runs
		# (tests/guests/uvm-hello.S, an ELF64 like the autotools build makes).
		wd = workdir or os.path.dirname(out)
		uvm_run = compile_probe(os.path.join(srcdir, "probe", "uvm-run.c"),
					os.path.join(wd, "uvm-run"))
		add_stripped(arc, "usr/bin/uvm-run", uvm_run)
		guests = os.path.join(srcdir, "..", "guests")
		guest = os.path.join(wd, "uvm-hello.elf")
		run([os.environ.get("CC", "cc"), "-nostdlib", "-static", "-no-pie",
		     "-Wl,--build-id=none", "-Wl,-z,noexecstack", "-Wl,-z,max-page-size=4096",
		     "-Wl,-T," + os.path.join(guests, "uvm-hello.ld"), "-o", guest,
		     os.path.join(guests, "uvm-hello.S")])
		arc.add_file("usr/share/acrn-tests/uvm-hello.elf", guest, 0o644)
		# tests/guests/fd-guest.c (ioeventfd, irqfd), with tests/guests/Makefile.am's flags
		fd_guest = os.path.join(wd, "fd-guest.elf")
		run([os.environ.get("CC", "cc"), "-O2", "-ffreestanding", "-fno-pic", "-fno-pie",
		     "-fno-stack-protector", "-mgeneral-regs-only", "-mno-red-zone",
		     "-fno-asynchronous-unwind-tables", "-std=c11", "-nostdlib", "-static", "-no-pie",
		     "-Wl,--build-id=none", "-Wl,-z,noexecstack", "-Wl,-z,max-page-size=4096",
		     "-Wl,--no-warn-rwx-segments", "-Wl,-T," + os.path.join(guests, "fd-guest.ld"), "-o", fd_guest,
		     os.path.join(guests, "fd-guest.c")])
		arc.add_file("usr/share/acrn-tests/fd-guest.elf", fd_guest, 0o644)
	if "hctest" in needs and hctest and os.path.exists(hctest):
		# The hypercall test module (tests/platform/kmod), built like the HSM.
		stripped = os.path.join(workdir or os.path.dirname(out), "acrn_hctest.ko")
		run(["objcopy", "--strip-debug", hctest, stripped])
		arc.add_file("lib/modules/acrn_hctest.ko", stripped, 0o644)

	if not hsm and staging:
		hsm = find_in_staging(staging, "acrn_hsm.ko")
	if hsm and os.path.exists(hsm):
		# Kbuild keeps debug info: stripping halves what GRUB has to load.
		stripped = os.path.join(workdir or os.path.dirname(out), "acrn_hsm.ko")
		run(["objcopy", "--strip-debug", hsm, stripped])
		arc.add_file("lib/modules/acrn_hsm.ko", stripped, 0o644)
		needs.add("hsm")
	features = {n for n in needs if n in ("hsm",)}
	want_userland = bool(needs & {"userland", "virsh"})
	on_cd = want_userland and userland_dir is not None
	ul = Archive(bare=True) if on_cd else arc
	kmods = list(kmods) + (list(CD_MODULES) if on_cd else [])
	if "uvm-linux" in needs:
		# A Linux User VM for acrn-dm (uvmguest.py), on the CD when the
		# user space is, and the control-socket client (probe/dm-ctl.c).
		wd = workdir or os.path.dirname(out)
		uvmguest.build(ul, srcdir, kernel, wd)
		dm_ctl = compile_probe(os.path.join(srcdir, "probe", "dm-ctl.c"), os.path.join(wd, "dm-ctl"))
		add_stripped(arc, "usr/bin/dm-ctl", dm_ctl)
	if kmods:
		paths = kernel.module_paths(kmods)
		for path in paths:
			arc.add_file(f"lib/modules/extra/{os.path.basename(path)}", path, 0o644)
		arc.add_data("lib/modules/extra/order",
			     "".join(os.path.basename(p) + "\n" for p in paths).encode())

	prefixes = ["/usr"]
	if want_userland:
		if staging and os.path.isdir(staging):
			add_staging(ul, staging)
			for name in ("acrnd", "acrnctl", "virtacrnd", "acrn-dm"):
				path = find_in_staging(staging, name, dirs=("bin", "sbin"))
				if path:
					rel = "/" + os.path.relpath(path, staging)
					if not arc.has(f"usr/bin/{name}"):
						arc.add_symlink(f"usr/bin/{name}", rel)
					features.add(name)
					prefix = os.path.dirname(os.path.dirname(rel))
					if prefix not in prefixes:
						prefixes.append(prefix)
	# The bus is only worth its load time when a daemon will sit on it.
	if features & {"acrnd", "virtacrnd"} or "dbus" in needs:
		dbus = shutil.which("dbus-daemon") or "/usr/bin/dbus-daemon"
		add_with_libs(ul, "usr/bin/dbus-daemon", dbus)
		arc.add_data("etc/dbus-1/acrn-system.conf", dbus_config(prefixes).encode())
		arc.add_data("etc/machine-id", b"0123456789abcdef0123456789abcdef\n")
		features.add("dbus")
	# virsh is virtacrnd's client; on the CD its ~70 MB of libraries cost nothing
	# until used.
	if "virsh" in needs or (on_cd and "virtacrnd" in features):
		add_with_libs(ul, "usr/bin/virsh", shutil.which("virsh") or "/usr/bin/virsh")
		features.add("virsh")
	if on_cd:
		shutil.rmtree(userland_dir, ignore_errors=True)
		os.makedirs(userland_dir)
		ul.write_tree(userland_dir)
		ul.link_to(arc, f"{CD_MOUNT}/{CD_USERLAND}")
		arc.add_data("etc/acrn-userland-cd", f"{CD_MOUNT} {CD_USERLAND}\n".encode())
		log(f"user space on the CD: {ul.size() / 1e6:.1f} MB in {userland_dir}")
		features.add("userland-cd")
	arc.add_data("etc/acrn-platform-features", (" ".join(sorted(features)) + "\n").encode())
	arc.write(out)
	log(f"initramfs {out}: {os.path.getsize(out) / 1e6:.1f} MB, features: {' '.join(sorted(features)) or 'none'}")
	return features


def build_disk_boot(out, srcdir, kernel, modules, device, fstype):
	"""A minimal initramfs that mounts the root disk and starts its systemd
	(the Debian Service VM, see rootfs.py): busybox, /init and the drivers."""
	arc = Archive()
	add_busybox(arc)
	arc.add_file("init", os.path.join(srcdir, "initramfs", "init"), 0o755)
	paths = kernel.module_paths(list(modules))
	for path in paths:
		arc.add_file(f"lib/modules/extra/{os.path.basename(path)}", path, 0o644)
	arc.add_data("lib/modules/extra/order", "".join(os.path.basename(p) + "\n" for p in paths).encode())
	arc.add_data("etc/acrn-root-disk", f"{device} {fstype}\n".encode())
	arc.write(out)
	log(f"initramfs {out}: {os.path.getsize(out) / 1e6:.1f} MB, root on {device} ({fstype})")
