"""Emulator pace: time limits that follow Bochs's progress, not the host's.

A platform run's limits are written in *emulator seconds*: seconds of Bochs
CPU time on the reference machine (the 2-core build machine the defaults were
tuned on). Two things make wall time useless for them: a busy or throttled
host gives Bochs less CPU, and a slower host needs more CPU for the same
emulated work. So the runner

* counts the CPU time the Bochs process really got (/proc/PID/stat), which
  stands still while Bochs waits for a CPU, and
* divides it by this host's speed factor: the CPU time a fixed calibration
  workload takes here over what it took on the reference machine, measured
  once per machine and cached.

A guest that hangs still burns Bochs CPU (a spinning guest, or Bochs
skipping through idle time to the next timer), so the limits still catch it.
A last wall-clock backstop (limit x factor x ACRN_PLATFORM_WALL_SLACK)
catches a Bochs that gets no CPU at all.
"""
import json
import os
import platform
import struct
import subprocess
import tempfile
import time

from .util import PlatformError, log, write_atomic

# CPU seconds the calibration workload took on the reference machine
# (min of 3 runs, Bochs 2.7, Intel Xeon, 2026-12-03).
REFERENCE_CPU_S = 3.3
# 200 M iterations of `dec ecx; jnz` after the BIOS: ~550 M emulated
# instructions, about 3 s of CPU on the reference machine.
CALIBRATION_LOOPS = 200_000_000
CALIBRATION_RUNS = 3
CACHE_NAME = "pace.json"
# Wall-clock backstop, as a multiple of a limit's CPU time on this host:
# the slowest share of a core a run may get before the backstop fires.
DEFAULT_WALL_SLACK = 10.0

CALIBRATION_BOCHSRC = """\
megs: 16
cpu: model=corei7_skylake_x, count=1, ips=50000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
floppya: 1_44=calibration.img, status=inserted
boot: floppy
log: bochs.log
panic: action=fatal
error: action=report
clock: sync=none, time0=local
display_library: rfb, options="timeout=0"
sound: driver=dummy
"""


def calibration_image(loops=CALIBRATION_LOOPS):
	"""A 1.44 MB floppy whose boot sector counts down `loops` times, then
	writes "Shutdown" to Bochs's shutdown port 0x8900 (Bochs exits)."""
	code = bytearray()
	code += b"\xfa"  # cli
	code += b"\x66\xb9" + struct.pack("<I", loops)  # mov ecx, loops
	code += b"\x66\x49"  # dec ecx
	code += b"\x75\xfc"  # jnz back to dec
	code += b"\xba\x00\x89"  # mov dx, 0x8900
	si_at = len(code) + 1
	code += b"\xbe\x00\x00"  # mov si, message (patched below)
	again = len(code)
	code += b"\xac"  # lodsb
	code += b"\x08\xc0"  # or al, al
	code += b"\x74\x03"  # jz to hlt
	code += b"\xee"  # out dx, al
	code += b"\xeb" + bytes([(again - (len(code) + 2)) & 0xFF])  # jmp again
	code += b"\xf4\xeb\xfd"  # hlt; jmp hlt
	struct.pack_into("<H", code, si_at, 0x7C00 + len(code))
	code += b"Shutdown\x00"
	img = bytearray(1474560)
	img[: len(code)] = code
	img[510:512] = b"\x55\xaa"
	return bytes(img)


def _bochs_identity():
	"""What the speed of Bochs here depends on: the binary and the CPU."""
	path = subprocess.run(["sh", "-c", "command -v bochs-bin"], capture_output=True,
			      text=True).stdout.strip()
	if not path:
		raise PlatformError("bochs-bin: not installed; run tools/install-deps.sh")
	st = os.stat(path)
	model = ""
	try:
		with open("/proc/cpuinfo") as f:
			model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
	except OSError:
		pass
	try:
		with open("/etc/machine-id") as f:
			machine = f.read().strip()
	except OSError:
		machine = platform.node()
	return {"bochs": f"{path}:{st.st_size}:{int(st.st_mtime)}", "cpu": model, "machine": machine,
		"reference_cpu_s": REFERENCE_CPU_S, "loops": CALIBRATION_LOOPS}


def measure_once(workdir):
	"""CPU seconds (user + system) Bochs needs for the calibration workload."""
	with open(os.path.join(workdir, "calibration.img"), "wb") as f:
		f.write(calibration_image())
	with open(os.path.join(workdir, "bochsrc"), "w") as f:
		f.write(CALIBRATION_BOCHSRC)
	with open(os.path.join(workdir, "cont.rc"), "w") as f:
		f.write("c\n")
	with open(os.path.join(workdir, "bochs.out"), "wb") as out:
		proc = subprocess.Popen(["bochs-bin", "-q", "-f", "bochsrc", "-rc", "cont.rc"], cwd=workdir,
					stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
		_, _, usage = os.wait4(proc.pid, 0)
		proc.returncode = 0
	with open(os.path.join(workdir, "bochs.out"), errors="replace") as f:
		text = f.read()
	if "Shutdown port" not in text:
		raise PlatformError(f"Bochs calibration run did not reach its end (see {workdir}/bochs.out)")
	return usage.ru_utime + usage.ru_stime


class Pace:
	"""This host's speed factor (>= 1: never tighter than on the reference)."""

	def __init__(self, factor, cpu_s=None, source=""):
		self.factor = factor
		self.cpu_s = cpu_s
		self.source = source

	def describe(self):
		extra = f", calibration {self.cpu_s:.2f} CPU-s vs {REFERENCE_CPU_S} on the reference" \
			if self.cpu_s else ""
		return f"speed factor {self.factor:.2f} ({self.source}{extra})"


def host_pace(cache):
	"""The speed factor: $ACRN_PLATFORM_SPEED, else cached, else measured now."""
	forced = os.environ.get("ACRN_PLATFORM_SPEED")
	if forced:
		try:
			factor = float(forced)
		except ValueError:
			raise PlatformError(f"ACRN_PLATFORM_SPEED={forced!r}: not a number")
		if not 0 < factor < 1000:
			raise PlatformError(f"ACRN_PLATFORM_SPEED={forced!r}: out of range")
		return Pace(factor, source="ACRN_PLATFORM_SPEED")
	ident = _bochs_identity()
	path = os.path.join(cache, CACHE_NAME)
	try:
		with open(path) as f:
			saved = json.load(f)
		if saved.get("identity") == ident and saved.get("cpu_s", 0) > 0:
			return Pace(max(1.0, saved["cpu_s"] / REFERENCE_CPU_S), saved["cpu_s"], f"cached in {path}")
	except (OSError, ValueError, AttributeError):
		pass
	log(f"measuring this host's Bochs speed ({CALIBRATION_RUNS} short runs, cached in {path})")
	with tempfile.TemporaryDirectory(prefix="acrn-platform-pace-") as d:
		# The least CPU of a few runs: noise (caches, a busy sibling thread)
		# only ever adds time.
		cpu_s = min(measure_once(d) for _ in range(CALIBRATION_RUNS))
	try:
		os.makedirs(cache, exist_ok=True)
		write_atomic(path, json.dumps({"identity": ident, "cpu_s": cpu_s,
					       "measured": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
	except OSError as e:
		log(f"could not cache the speed factor in {path}: {e}")
	return Pace(max(1.0, cpu_s / REFERENCE_CPU_S), cpu_s, "measured now")


def process_cpu_seconds(pid):
	"""User + system CPU seconds of a live process, from /proc/PID/stat."""
	with open(f"/proc/{pid}/stat") as f:
		fields = f.read().rsplit(")", 1)[1].split()
	# fields[0] is field 3 (state): utime and stime are fields 14 and 15.
	return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Limits:
	"""The verdict on a run's progress against its limits, in emulator seconds.

	timeout: the whole run; idle: the longest stretch without console output
	(0: none). Each is converted to Bochs CPU seconds with the speed factor.
	"""

	def __init__(self, timeout, idle, factor, wall_slack=None):
		self.timeout = timeout
		self.idle = idle
		self.factor = factor
		if wall_slack is None:
			wall_slack = float(os.environ.get("ACRN_PLATFORM_WALL_SLACK", DEFAULT_WALL_SLACK))
		self.wall_slack = wall_slack

	def emulated(self, cpu_s):
		return cpu_s / self.factor

	def wall_backstop(self):
		return self.timeout * self.factor * self.wall_slack

	def check(self, cpu_s, wall_s, last_output_cpu_s):
		"""None while within every limit, else the reason the run must stop."""
		emu = self.emulated(cpu_s)
		where = (f"at {emu:.1f} emulator-s = {cpu_s:.0f} s of Bochs CPU time, {wall_s:.0f} s wall; "
			 f"speed factor {self.factor:.2f}")
		if emu > self.timeout:
			return f"time limit of {self.timeout} emulator-s exceeded ({where})"
		silent = self.emulated(cpu_s - last_output_cpu_s)
		if self.idle and silent > self.idle:
			return (f"no console output for {self.idle} emulator-s, guest presumed hung ({where})")
		if wall_s > self.wall_backstop():
			return (f"wall-clock backstop of {self.wall_backstop():.0f} s exceeded: Bochs got "
				f"{cpu_s / max(wall_s, 1e-9):.2f} of a core, less than 1/{self.wall_slack:g} "
				f"({where})")
		return None

