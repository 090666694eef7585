"""Debian's stock Service VM kernel: fetched with apt, unpacked into the cache.

Bochs runs Linux's own xz decompressor for 75+ s, so besides the bzImage we
keep an uncompressed flat image of vmlinux (what the decompressor would
produce at the 16 MiB load address) that the hypervisor copies into place.
"""
import glob
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import tempfile

from .util import PlatformError, file_lock, log, run, write_atomic

DEFAULT_CACHE = "/var/cache/acrn-platform"


def cache_dir():
	return os.environ.get("ACRN_PLATFORM_CACHE", DEFAULT_CACHE)


def _version_key(s):
	return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", s)]


def kernel_release():
	"""The ABI name of the installed Debian headers, e.g. 6.1.0-56-amd64."""
	env = os.environ.get("ACRN_PLATFORM_KERNEL")
	if env:
		return env
	heads = glob.glob("/usr/src/linux-headers-*-amd64")
	if heads:
		newest = sorted(heads, key=_version_key)[-1]
		return os.path.basename(newest)[len("linux-headers-"):]
	try:
		deps = subprocess.run(["dpkg-query", "-W", "-f", "${Depends}", "linux-headers-amd64"],
				      capture_output=True, text=True, check=True).stdout
	except (OSError, subprocess.CalledProcessError):
		deps = ""
	m = re.search(r"linux-headers-(\S+-amd64)", deps)
	if not m:
		raise PlatformError("cannot tell the kernel ABI: install linux-headers-amd64 "
				    "(tools/install-deps.sh) or set ACRN_PLATFORM_KERNEL")
	return m.group(1)


class Kernel:
	"""Paths of one prepared kernel release in the cache."""

	def __init__(self, root, release):
		self.release = release
		self.dir = root
		self.bzimage = os.path.join(root, "vmlinuz")
		self.elf = os.path.join(root, "vmlinux.elf")
		self.flat = os.path.join(root, "vmlinux.flat")
		self.compact = os.path.join(root, "vmlinux.compact")
		self.info = os.path.join(root, "vmlinux.json")
		self.modules = os.path.join(root, "modules")  # lib/modules/<release>

	def ready(self):
		return all(os.path.exists(p) for p in (self.bzimage, self.flat, self.compact, self.info,
							self.modules))

	def module_paths(self, names):
		"""Module files for `names` plus their dependencies, in load order."""
		dep_file = os.path.join(self.modules, "modules.dep")
		deps = {}
		with open(dep_file) as f:
			for line in f:
				mod, _, rest = line.partition(":")
				deps[os.path.basename(mod)[:-3].replace("-", "_")] = (mod, rest.split())
		order = []

		def visit(name):
			key = name.replace("-", "_")
			if key not in deps:
				raise PlatformError(f"kernel module {name} not in {dep_file}")
			mod, needs = deps[key]
			for n in needs:
				visit(os.path.basename(n)[:-3])
			path = os.path.join(self.modules, mod)
			if path not in order:
				order.append(path)

		for n in names:
			visit(n)
		return order


def _xz_payload(bzimage):
	"""The xz stream of a bzImage, located through the boot-protocol header."""
	with open(bzimage, "rb") as f:
		data = f.read()
	if data[0x202:0x206] != b"HdrS":
		raise PlatformError(f"{bzimage}: not a Linux bzImage")
	setup_sects = data[0x1F1] or 4
	offset, length = struct.unpack_from("<II", data, 0x248)
	start = (setup_sects + 1) * 512 + offset
	payload = data[start:start + length]
	if not payload.startswith(b"\xfd7zXZ\x00"):
		raise PlatformError(f"{bzimage}: payload is not xz-compressed")
	return payload


def _elf_load_span(elf):
	"""(lowest physical load address, entry, end of the highest segment's memsz)."""
	with open(elf, "rb") as f:
		hdr = f.read(64)
		if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
			raise PlatformError(f"{elf}: not an ELF64 file")
		entry, phoff = struct.unpack_from("<QQ", hdr, 0x18)
		phentsize, phnum = struct.unpack_from("<HH", hdr, 0x36)
		f.seek(phoff)
		table = f.read(phentsize * phnum)
	low, high = None, 0
	for i in range(phnum):
		ptype, _flags, _off, _vaddr, paddr, _filesz, memsz = struct.unpack_from(
			"<IIQQQQQ", table, i * phentsize)
		if ptype != 1:  # PT_LOAD
			continue
		low = paddr if low is None else min(low, paddr)
		high = max(high, paddr + memsz)
	return low, entry, high


def _make_flat(kernel, tmp):
	payload = _xz_payload(kernel.bzimage)
	dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
	elf = dec.decompress(payload)  # the trailing 4-byte size lands in unused_data
	elf_tmp = os.path.join(tmp, "vmlinux.elf")
	with open(elf_tmp, "wb") as f:
		f.write(elf)
	flat_tmp = os.path.join(tmp, "vmlinux.bin")
	run(["objcopy", "-O", "binary", elf_tmp, flat_tmp])
	with open(flat_tmp, "rb") as f:
		flat = f.read()
	# The tail is .bss and friends: the loader zero-fills up to mem_end instead.
	used = len(flat.rstrip(b"\0"))
	used = (used + 4095) & ~4095
	low, entry, high = _elf_load_span(elf_tmp)
	shutil.move(elf_tmp, kernel.elf)
	write_atomic(kernel.flat, flat[:used])
	nseg = _make_compact(flat[:used], low, high, kernel.compact)
	log(f"compact ELF kernel: {os.path.getsize(kernel.compact)} bytes in {nseg} segments")
	info = {"release": kernel.release, "load_address": low, "entry": entry,
		"flat_size": used, "mem_end": high}
	write_atomic(kernel.info, json.dumps(info, indent=1).encode())
	log(f"flat kernel: {used} bytes at {low:#x}, zero-fill to {high:#x}")


def _make_compact(flat, load, mem_end, out, min_gap=16384):
	"""An ELF64 holding the flat image without its long runs of zeros.

	Each PT_LOAD carries a stretch of data and, as memsz beyond filesz, the
	zeros after it, so a loader that zero-fills segment tails rebuilds the
	same memory image while GRUB loads ~5 MB less (~1 s in Bochs).
	"""
	segs = []  # (start, data_end, zero_end) as offsets into flat
	pos, n = 0, len(flat)
	while pos < n:
		# the next zero run of at least min_gap bytes, page-aligned
		z = flat.find(b"\0" * min_gap, pos)
		if z < 0:
			segs.append((pos, n, n))
			break
		z = (z + 4095) & ~4095
		if z >= n:
			segs.append((pos, n, n))
			break
		end = z
		while end < n and flat[end] == 0:
			end += 1
		nxt = end & ~4095
		if nxt <= z:
			segs.append((pos, z, z))
			pos = z
			continue
		segs.append((pos, z, nxt))
		pos = nxt
	# The last segment reaches to the kernel's end (.bss, .brk): the loader
	# must keep boot data out of it, as with the original vmlinux.
	start, dend, _ = segs[-1]
	segs[-1] = (start, dend, max(dend, mem_end - load))
	phnum = len(segs)
	data_off = (64 + 56 * phnum + 4095) & ~4095
	ehdr = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7,
			   2, 62, 1, load, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
	phdrs = b""
	body = b""
	off = data_off
	for start, dend, zend in segs:
		filesz, memsz = dend - start, zend - start
		phdrs += struct.pack("<IIQQQQQQ", 1, 7, off, load + start, load + start, filesz, memsz, 4096)
		body += flat[start:dend]
		off += filesz
	write_atomic(out, ehdr + phdrs + b"\0" * (data_off - 64 - len(phdrs)) + body)
	return phnum


def prepare(cache=None, release=None):
	"""Fetch (once) and unpack Debian's linux-image-<release>; return a Kernel."""
	cache = cache or cache_dir()
	release = release or kernel_release()
	root = os.path.join(cache, release)
	kernel = Kernel(root, release)
	if kernel.ready():
		return kernel
	try:
		os.makedirs(cache, exist_ok=True)
	except OSError as e:
		raise PlatformError(f"cannot create the cache {cache} ({e}); set ACRN_PLATFORM_CACHE")
	with file_lock(os.path.join(cache, ".lock")):
		if kernel.ready():
			return kernel
		pkg = f"linux-image-{release}"
		debs = glob.glob(os.path.join(cache, f"{pkg}_*.deb"))
		if not debs:
			log(f"downloading {pkg} with apt-get")
			run(["apt-get", "download", "-q", pkg], cwd=cache, stdout=subprocess.DEVNULL)
			debs = glob.glob(os.path.join(cache, f"{pkg}_*.deb"))
			if not debs:
				raise PlatformError(f"apt-get download {pkg} produced no .deb in {cache}")
		deb = sorted(debs, key=_version_key)[-1]
		log(f"unpacking {os.path.basename(deb)}")
		shutil.rmtree(root, ignore_errors=True)
		os.makedirs(root)
		with tempfile.TemporaryDirectory(dir=cache) as tmp:
			x = os.path.join(tmp, "x")
			run(["dpkg-deb", "-x", deb, x])
			shutil.move(os.path.join(x, "boot", f"vmlinuz-{release}"), kernel.bzimage)
			shutil.move(os.path.join(x, "boot", f"config-{release}"), os.path.join(root, "config"))
			mods = os.path.join(x, "lib", "modules", release)
			_make_flat(kernel, tmp)
			# Debian ships modules.dep only through depmod at install time.
			run(["depmod", "-b", x, release])
			shutil.move(mods, kernel.modules)
	return kernel
