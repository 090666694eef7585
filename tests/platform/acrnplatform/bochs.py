"""Boots an ISO in Bochs and turns the serial console into TAP.

Bochs's exit status cannot tell success from failure (ACPI power-off, reset
and most errors all exit 1), so the verdict comes from marker lines on the
serial console and from Bochs's own exit message.
"""
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from . import pace, terminal
from .kernel import cache_dir
from .slots import bochs_slot
from .throttle import CpuQuota, quota_from_env

BOCHSRC = """\
{memory}
cpu: model={cpu_model}, count={cpus}, ips=50000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
{drives}boot: cdrom
{net}{com1}
{com2}log: bochs.log
panic: action=fatal
error: action=report
clock: sync=none, time0=local
display_library: rfb, options="timeout=0"
port_e9_hack: enabled=1
# Without a sound card the default ALSA driver aborts Bochs at start-up
# ("buffer overflow detected"); the dummy driver needs no host device.
sound: driver=dummy
"""

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\x00-\x08\x0b-\x1f\x7f]")
TAP_LINE = re.compile(r"^(not ok|ok)\b(?:\s*\d+)?\s*(?:-\s*)?(.*)$")

# Phase markers: first appearance on a console is timestamped.
MARKERS = {
	"grub": re.compile(r"Booting `"),
	"kstart": re.compile(r"ACRN-HV: (starting Service VM|native boot)"),
	"hv_start": re.compile(r"ACRN-HV: starting Service VM"),
	"native": re.compile(r"ACRN-HV: native boot"),
	"userspace": re.compile(r"ACRN-PLATFORM: userspace"),
	"done": re.compile(r"ACRN-PLATFORM: scenarios done"),
	"hv_poweroff": re.compile(r"ACRN-HV: platform poweroff"),
	"panic": re.compile(r"ACRN-HV: PANIC"),
	"kpanic": re.compile(r"Kernel panic - not syncing"),
}
STATS = re.compile(r"ACRN-HV: exit-stats vcpu=(\d+) total=(\d+)(.*)")
BEGIN = re.compile(r"ACRN-PLATFORM: begin (\S+)")
END = re.compile(r"ACRN-PLATFORM: end (\S+) status=(\d+)")
PLAN = re.compile(r"^(?:ACRN-HV: )?1\.\.(\d+)")
# a pre-launched VM's vUART line, forwarded by the hypervisor
PRELAUNCH_LINE = re.compile(r"ACRN-HV: vm\d+ (\S+): (.*)$")
# The Service VM asks the runner to start the --host-hook program.
HOST_HOOK = re.compile(r"ACRN-PLATFORM: host-hook\b")
HV_TAP = re.compile(r"^(?:ACRN-HV: )?(not ok|ok)\b(?:\s*\d+)?\s*(?:-\s*)?(.*)$")

MODES = ("hv", "native", "selftest", "linux")
DEFAULT_CPU_MODEL = "corei7_skylake_x"
HOST_MEGS_CAP = 2048
PR_SET_PDEATHSIG = 1


class BochsProcess:
	"""The Bochs child: reaped by hand so that its exact CPU time is known."""

	def __init__(self, proc):
		self.proc = proc
		self.returncode = None
		self.final_cpu = None

	def reap(self):
		"""True once Bochs has exited (and was reaped)."""
		if self.returncode is not None:
			return True
		pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
		if pid == 0:
			return False
		self.returncode = os.waitstatus_to_exitcode(status)
		self.proc.returncode = self.returncode
		self.final_cpu = usage.ru_utime + usage.ru_stime
		return True

	def cpu_seconds(self):
		if self.final_cpu is not None:
			return self.final_cpu
		try:
			return pace.process_cpu_seconds(self.proc.pid)
		except (OSError, IndexError, ValueError):
			return 0.0

	def kill(self):
		"""SIGTERM, then SIGKILL after 10 s; reaps."""
		for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
			try:
				os.killpg(self.proc.pid, sig)
			except ProcessLookupError:
				pass
			deadline = time.monotonic() + (grace or 60)
			while time.monotonic() < deadline:
				if self.reap():
					return
				time.sleep(0.05)


class Tap:
	"""Prints TAP results as they come and the plan at the end."""

	def __init__(self, out=sys.stdout, live=True):
		self.out = out
		self.n = 0
		self.failed = 0
		# Not live: held back until the plan, so that a console streamed to
		# the same output is not interleaved with results.
		self.live = live
		self.held = []

	def _write(self, text):
		if self.live:
			self.out.write(text)
			self.out.flush()
		else:
			self.held.append(text)

	def result(self, ok, text):
		self.n += 1
		if not ok:
			self.failed += 1
		self._write(f"{'ok' if ok else 'not ok'} {self.n} - {text}\n")

	def comment(self, text):
		for line in text.splitlines() or [""]:
			self._write(f"# {line}\n")

	def plan(self):
		self.live = True
		self._write("".join(self.held) + f"1..{self.n}\n")
		self.held = []


class Console:
	"""Follows a growing serial log file line by line."""

	def __init__(self, path, echo=None):
		self.path = path
		self.pos = 0
		self.partial = b""
		self.echo = echo

	def poll(self, final=False):
		try:
			with open(self.path, "rb") as f:
				f.seek(self.pos)
				data = f.read()
		except FileNotFoundError:
			return []
		self.pos += len(data)
		data = self.partial + data
		lines = data.split(b"\n")
		self.partial = lines.pop()
		if final and self.partial:
			lines.append(self.partial)
			self.partial = b""
		lines = [ANSI.sub("", l.decode("utf-8", "replace")).strip() for l in lines]
		if self.echo and lines:
			# Whole lines only, without GRUB's terminal escapes.
			self.echo.write("".join(l + "\n" for l in lines))
			self.echo.flush()
		return lines


class Run:
	def __init__(self, rundir, iso, mode="hv", cpus=1, megs=512, timeout=300,
		     scenarios=(), com2=False, echo=None, keep=False, out=sys.stdout,
		     idle_timeout=150, interactive=False, host_pace=None, cpu_quota=None,
		     cpu_model=DEFAULT_CPU_MODEL, com2_port=None, disk=None, prelaunched=None,
		     net=None, host_hook=None):
		if mode not in MODES:
			raise ValueError(mode)
		self.rundir = os.path.abspath(rundir)
		self.iso = os.path.abspath(iso)
		self.mode = mode
		self.cpus = cpus
		self.megs = megs
		# Both limits are in emulator seconds (see pace.py): Bochs CPU time
		# divided by this host's speed factor.
		self.timeout = timeout
		# A hung guest prints nothing: give up long before the time limit. The
		# longest silent phase (Linux decompressing a bzImage) is about 45 s.
		self.idle_timeout = idle_timeout
		self.host_pace = host_pace
		# Fraction of a core for Bochs (None: $ACRN_PLATFORM_CPU_QUOTA or no limit).
		self.cpu_quota = cpu_quota
		# Interactive: COM1 is a socket bridged to the user's terminal.
		self.interactive = interactive
		self.port = None
		if interactive:
			self.timeout = 24 * 3600
			self.idle_timeout = 0
		self.scenarios = list(scenarios)
		self.com2 = com2
		self.cpu_model = cpu_model
		# (image path, cylinders): the Service VM's root disk, if it has one.
		self.disk = disk
		# COM2 on a TCP socket for the hypervisor's debug shell (overrides com2).
		self.com2_port = com2_port
		# The emulated network (Net) or None: no NIC at all.
		self.net = net
		# Program run on the host when the Service VM prints
		# "ACRN-PLATFORM: host-hook"; its TAP lines join the results.
		self.host_hook = host_hook
		self.hook = None
		self.echo = echo
		self.keep = keep
		self.tap = Tap(out, live=echo is not out and not interactive)
		self.seen = {}
		self.stats = []
		self.hv_results = 0
		self.hv_plan = None
		self.current = None  # scenario being run
		# pre-launched VMs by name (-> pCPUs they take): their TAP results, plan and S5
		self.prelaunched = {n: {"results": 0, "plan": None, "off": False, "cpus": c}
				    for n, c in (prelaunched or {}).items()}
		self.began = []
		self.ended = {}
		self.scenario_fails = {}
		self.start = None
		self.emulated = 0.0  # emulator seconds so far (Bochs CPU / speed factor)
		self.seen_emulated = {}
		self.times = None  # serial.times: every console line with its host time

	# ---- set-up ----

	def write_bochsrc(self):
		com2 = "com2: enabled=1, mode=file, dev=hv-console.log\n" if self.com2 else ""
		if self.com2_port:
			com2 = f"com2: enabled=1, mode=socket-server, dev=localhost:{self.com2_port}\n"
		if self.interactive:
			self.port = terminal.free_port()
			com1 = f"com1: enabled=1, mode=socket-server, dev=localhost:{self.port}"
		else:
			com1 = "com1: enabled=1, mode=file, dev=serial.log"
		# Above 4 GiB Bochs keeps only part of guest RAM in host memory (it
		# allocates blocks on first touch and swaps the rest to a file).
		memory = (f"megs: {self.megs}" if self.megs <= 4096 else
			  f"memory: guest={self.megs}, host={HOST_MEGS_CAP}")
		if self.disk:
			# The disk is the first ATA device (/dev/sda), the boot CD the second channel's.
			path, cylinders = self.disk
			drives = (f"ata0-master: type=disk, path={os.path.abspath(path)}, mode=flat, "
				  f"cylinders={cylinders}, heads=16, spt=63\n"
				  f"ata1-master: type=cdrom, path={self.iso}, status=inserted\n")
		else:
			drives = f"ata0-master: type=cdrom, path={self.iso}, status=inserted\n"
		net = self.net.bochsrc(self.rundir) if self.net else ""
		rc = BOCHSRC.format(memory=memory, drives=drives, cpus=self.cpus, iso=self.iso, com1=com1, com2=com2,
				    cpu_model=self.cpu_model, net=net)
		path = os.path.join(self.rundir, "bochsrc")
		with open(path, "w") as f:
			f.write(rc)
		with open(os.path.join(self.rundir, "cont.rc"), "w") as f:
			f.write("c\n")
		return path

	# ---- console parsing ----

	def elapsed(self):
		return time.monotonic() - self.start

	def line(self, text):
		if self.times:
			self.times.write(f"{self.elapsed():8.2f} {self.emulated:8.2f} {text}\n")
		for key, rx in MARKERS.items():
			if key not in self.seen and rx.search(text):
				self.seen[key] = self.elapsed()
				self.seen_emulated[key] = self.emulated
				if key in ("grub", "kstart", "userspace"):
					self.tap.comment(f"phase {key} at {self.seen[key]:.1f} s wall, "
							 f"{self.emulated:.1f} emulator-s")
		m = PRELAUNCH_LINE.search(text)
		if m and m.group(1) in self.prelaunched:
			self._prelaunch_line(self.prelaunched[m.group(1)], m.group(1), m.group(2).strip())
			return
		if HOST_HOOK.search(text):
			self._start_host_hook()
			return
		m = STATS.search(text)
		if m:
			self.stats.append((int(m.group(1)), int(m.group(2)), m.group(3).strip()))
			self.tap.comment(text[m.start():])
			return
		m = BEGIN.search(text)
		if m:
			self.current = m.group(1)
			self.began.append(self.current)
			self.tap.comment(f"scenario {self.current} begins at {self.elapsed():.1f} s wall, "
					 f"{self.emulated:.1f} emulator-s")
			return
		m = END.search(text)
		if m:
			self.ended[m.group(1)] = int(m.group(2))
			self.tap.comment(f"scenario {m.group(1)} ends at {self.elapsed():.1f} s wall, "
					 f"{self.emulated:.1f} emulator-s, status {m.group(2)}")
			self.current = None
			return
		if self.current:
			m = TAP_LINE.match(text)
			if m:
				ok = m.group(1) == "ok"
				if not ok:
					self.scenario_fails[self.current] = self.scenario_fails.get(self.current, 0) + 1
				self.tap.result(ok, f"{self.current}: {m.group(2)}")
			elif text.startswith("#"):
				self.tap.comment(f"{self.current}: {text[1:].strip()}")
			return
		if self.mode == "selftest" and "userspace" not in self.seen:
			m = PLAN.match(text)
			if m:
				self.hv_plan = int(m.group(1))
				return
			m = HV_TAP.match(text)
			if m:
				self.hv_results += 1
				self.tap.result(m.group(1) == "ok", f"hv selftest: {m.group(2)}")
				return
			if text.startswith("#") or text.startswith("ACRN-HV: #"):
				self.tap.comment(text.split("#", 1)[1].strip())

	def _start_host_hook(self):
		if not self.host_hook:
			self.tap.result(False, "the Service VM asked for a host hook, but none was given "
					"(--host-hook)")
			return
		if self.hook:
			self.tap.result(False, "the Service VM asked for the host hook twice")
			return
		env = dict(os.environ, ACRN_PLATFORM_RUNDIR=self.rundir)
		if self.net:
			env.update(self.net.environment())
		self.tap.comment(f"host hook: {self.host_hook} at {self.elapsed():.1f} s wall, "
				 f"{self.emulated:.1f} emulator-s")
		self.hook = HostHook(self.host_hook, self.rundir, env)

	def _host_hook_lines(self, final=False):
		if not self.hook:
			return
		for text in self.hook.lines(final):
			m = TAP_LINE.match(text)
			if m:
				self.tap.result(m.group(1) == "ok", f"host: {m.group(2)}")
			elif text.startswith("#"):
				self.tap.comment(f"host: {text[1:].strip()}")
			elif PLAN.match(text) is None and text:
				self.tap.comment(f"host: {text}")

	def _prelaunch_line(self, st, name, text):
		if text == "powered off (S5)":
			st["off"] = True
			return
		m = TAP_LINE.match(text)
		if m:
			st["results"] += 1
			self.tap.result(m.group(1) == "ok", f"pre-launched {name}: {m.group(2)}")
			return
		m = PLAN.match(text)
		if m:
			st["plan"] = int(m.group(1))
			return
		self.tap.comment(f"{name}: {text.lstrip('#').strip()}")

	# ---- the run ----

	def execute(self):
		os.makedirs(self.rundir, exist_ok=True)
		for name in ("serial.log", "serial.times", "hv-console.log", "bochs.log", "bochs.out"):
			try:
				os.unlink(os.path.join(self.rundir, name))
			except FileNotFoundError:
				pass
		rc_path = self.write_bochsrc()
		if self.host_pace is None:
			self.host_pace = pace.host_pace(cache_dir())
		limits = pace.Limits(self.timeout, self.idle_timeout, self.host_pace.factor)
		if self.net:
			self.tap.comment(f"bochs: e1000 NIC on slirp, {self.net.describe()}")
		self.tap.comment(f"bochs: {self.mode} mode, {self.cpus} CPU(s), {self.megs} MB, "
				 f"time limit {self.timeout} emulator-s, idle limit {self.idle_timeout} "
				 f"emulator-s, {self.host_pace.describe()}, run dir {self.rundir}")
		if self.cpu_quota is None:
			self.cpu_quota = quota_from_env()
		quota = None
		if self.cpu_quota:
			quota = CpuQuota(self.cpu_quota, f"acrn-platform-{os.getpid()}")
			self.tap.comment(f"bochs: {quota.describe()}")
		try:
			with bochs_slot(on_wait=self.tap.comment) as slot:
				self.tap.comment(f"bochs: {slot.describe()}")
				status, reason = self._boot(rc_path, limits, quota)
		finally:
			if quota:
				quota.remove()
		self._verdict(status, reason)
		self.tap.plan()
		ok = self.tap.failed == 0
		if ok and not self.keep:
			shutil.rmtree(self.rundir, ignore_errors=True)
		else:
			self._keep_logs(ok)
		return 0 if ok else 1

	def replay(self, status=1):
		"""Judge the logs already in the run directory (a kept run) without booting."""
		self.start = time.monotonic()
		for name in ("serial.log", "hv-console.log"):
			for text in Console(os.path.join(self.rundir, name)).poll(final=True):
				self.line(text)
		self.seen.setdefault("end", 0.0)
		if self.hook:
			self.hook.stop()
			self._host_hook_lines(final=True)
		self._verdict(status, None)
		self.tap.plan()
		return 0 if self.tap.failed == 0 else 1

	def _boot(self, rc_path, limits, quota=None):
		consoles = [Console(os.path.join(self.rundir, "serial.log"), self.echo)]
		if self.com2 and not self.com2_port:
			consoles.append(Console(os.path.join(self.rundir, "hv-console.log")))
		cmd = ["bochs-bin", "-q", "-f", rc_path, "-rc", "cont.rc"]

		def child_setup():
			# Bochs dies with the runner, however the runner ends.
			ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
			if quota:
				quota.enter()

		with open(os.path.join(self.rundir, "bochs.out"), "wb") as out, \
		     open(os.path.join(self.rundir, "serial.times"), "w") as self.times:
			self.start = time.monotonic()
			proc = subprocess.Popen(cmd, cwd=self.rundir, stdin=subprocess.DEVNULL, stdout=out,
						stderr=subprocess.STDOUT, start_new_session=True,
						preexec_fn=child_setup)
			bochs = BochsProcess(proc)
			reason = None
			panic_at = None
			last_output_cpu = 0.0
			relay = None
			try:
				if self.interactive:
					relay = terminal.Relay(self.port, os.path.join(self.rundir, "serial.log"))
					if not relay.connect(proc):
						reason = f"could not connect to Bochs's COM1 on port {self.port}"
				while reason is None:
					exited = bochs.reap()
					cpu = bochs.cpu_seconds()
					self.emulated = limits.emulated(cpu)
					for c in consoles:
						for text in c.poll(final=exited):
							last_output_cpu = cpu
							self.line(text)
					self._host_hook_lines()
					if exited:
						break
					if panic_at is None and ("panic" in self.seen or "kpanic" in self.seen):
						panic_at = time.monotonic()
					# Wall time here only lets the last lines reach the log.
					if panic_at and time.monotonic() - panic_at > 3:
						reason = "stopped after a panic"
						break
					if not self.interactive:
						reason = limits.check(cpu, self.elapsed(), last_output_cpu)
						if reason:
							break
					if relay:
						if not relay.pump(0.1):
							reason = "console closed by the user (Ctrl-])"
							break
					else:
						time.sleep(0.1)
			finally:
				if relay:
					relay.close()
				if not bochs.reap():
					bochs.kill()
					for c in consoles:
						for text in c.poll(final=True):
							self.line(text)
				if self.hook:
					# The Service VM is gone: nothing a hook still waits
					# for can happen any more.
					self.hook.stop()
					self._host_hook_lines(final=True)
			self.seen.setdefault("end", self.elapsed())
			self.seen_emulated.setdefault("end", limits.emulated(bochs.cpu_seconds()))
			wall = self.elapsed()
			cpu = bochs.cpu_seconds()
			self.tap.comment(f"pace: Bochs used {cpu:.1f} s of CPU in {wall:.1f} s wall "
					 f"({cpu / max(wall, 1e-9):.2f} of a core) = {limits.emulated(cpu):.1f} "
					 f"emulator-s at speed factor {limits.factor:.2f}")
		self.times = None
		return bochs.returncode, reason

	def _bochs_exit(self):
		try:
			with open(os.path.join(self.rundir, "bochs.out"), errors="replace") as f:
				out = f.read()
		except FileNotFoundError:
			return "", ""
		m = re.search(r"Bochs is exiting with the following message:\s*\n(.*)", out)
		return out, (m.group(1).strip() if m else "")

	def _verdict(self, status, reason):
		t = self.tap
		out, exit_msg = self._bochs_exit()
		if reason:
			t.result(False, f"bochs run: {reason} (last phase: {self._last_phase()})")
		t.result("grub" in self.seen, "GRUB started the boot entry")
		if self.mode == "hv":
			t.result("hv_start" in self.seen, "hypervisor printed 'ACRN-HV: starting Service VM'")
		elif self.mode == "native":
			t.result("native" in self.seen, "hypervisor printed 'ACRN-HV: native boot'")
		if self.mode == "selftest":
			t.result(self.hv_results > 0, f"hypervisor selftest printed {self.hv_results} result(s)")
			if self.hv_plan is not None:
				t.result(self.hv_plan == self.hv_results,
					 f"hypervisor selftest plan 1..{self.hv_plan} matches its results")
		else:
			t.result("userspace" in self.seen, "Service VM reached userspace")
			for s in self.scenarios:
				if s not in self.ended:
					t.result(False, f"scenario {s} ran to completion"
						 + (" (started, never ended)" if s in self.began else " (never started)"))
				elif self.ended[s] != 0 and not self.scenario_fails.get(s):
					t.result(False, f"scenario {s} exited with status {self.ended[s]}")
			t.result("done" in self.seen, "init finished the scenarios and powered off")
		if self.host_hook:
			h = self.hook
			t.result(h is not None and h.returncode == 0 and not h.killed,
				 "host hook ran and finished with status 0 before the Service VM powered off"
				 + ("" if h else " (never started)") +
				 (f" (status {h.returncode}{', killed' if h.killed else ''})" if h else ""))
		for name, st in self.prelaunched.items():
			t.result(st["results"] > 0 and st["plan"] == st["results"],
				 f"pre-launched VM {name} printed its results ({st['results']}, plan {st['plan']})")
			t.result(st["off"], f"pre-launched VM {name} powered itself off (S5)")
		if self.mode == "hv":
			# a pre-launched VM's pCPU is not the Service VM's
			svm_cpus = self.cpus - sum(st["cpus"] for st in self.prelaunched.values())
			vcpus = sorted({v for v, _, _ in self.stats})
			t.result(vcpus == list(range(svm_cpus)),
				 f"hypervisor printed exit-stats for vcpus 0..{svm_cpus - 1} (got {vcpus})")
		if self.mode in ("hv", "selftest"):
			t.result("hv_poweroff" in self.seen, "hypervisor printed 'ACRN-HV: platform poweroff'")
		clean = "soft power off" in exit_msg or "Shutdown port" in out
		t.result(clean, f"Bochs exited on power-off ({exit_msg or 'no exit message'}; status {status})")
		t.result("panic" not in self.seen, "no hypervisor panic")
		if self.mode != "selftest":
			t.result("kpanic" not in self.seen, "no Service VM kernel panic")
		s = self.seen
		t.comment("timing " + " ".join(f"{k}={s[k]:.2f}" for k in ("grub", "kstart", "userspace", "end")
						 if k in s))
		e = self.seen_emulated
		t.comment("emulated " + " ".join(f"{k}={e[k]:.2f}" for k in ("grub", "kstart", "userspace",
									   "end") if k in e))
		t.comment("phases: " + ", ".join(f"{label} {s[k]:.1f} s" for k, label in
						 (("grub", "GRUB 'Booting'"), ("kstart", "kernel start"),
						  ("userspace", "userspace"), ("end", "total")) if k in s))

	def _last_phase(self):
		order = ["grub", "kstart", "userspace", "done", "hv_poweroff"]
		reached = [k for k in order if k in self.seen]
		return reached[-1] if reached else "before GRUB"

	def _keep_logs(self, ok):
		t = self.tap
		if not ok:
			t.comment(f"FAILED: kept serial.log (serial.times: with host times), bochs.log, "
				  f"bochs.out, bochsrc in {self.rundir}")
		try:
			with open(os.path.join(self.rundir, "bochs.log"), errors="replace") as f:
				vmx = [l.rstrip() for l in f if re.search(r"VMFAIL|VMENTER FAIL|VMEXIT:", l)]
		except FileNotFoundError:
			vmx = []
		# EPT violations are routine (trapped LAPIC page, guarded memory): count them.
		ept = [l for l in vmx if "EPT violation" in l]
		if ept:
			t.comment(f"bochs.log: {len(ept)} EPT-violation VM exits, last: {ept[-1]}")
		for l in [l for l in vmx if "EPT violation" not in l][:20]:
			t.comment(f"bochs.log: {l}")
		if not ok:
			try:
				with open(os.path.join(self.rundir, "serial.log"), "rb") as f:
					tail = f.read().decode("utf-8", "replace").splitlines()[-25:]
			except FileNotFoundError:
				tail = []
			for l in tail:
				t.comment(f"serial: {ANSI.sub('', l).rstrip()}")


class Net:
	"""An e1000 NIC on Bochs's user-mode network (slirp): the Service VM is
	10.0.2.15/24 behind a NAT whose gateway (10.0.2.2) is the host; each
	guest TCP port in `guest_ports` is reachable from the host at
	127.0.0.1:<a free port chosen here>. Nothing is needed on the host (no
	tap device, no root)."""

	MAC = "52:54:00:12:34:56"
	GUEST_ADDR = "10.0.2.15"

	def __init__(self, guest_ports):
		self.forwards = [(terminal.free_port(), int(p)) for p in guest_ports]

	def bochsrc(self, rundir):
		with open(os.path.join(rundir, "slirp.conf"), "w") as f:
			# the first line is mandatory (Bochs's slirp.conf format)
			f.write("# slirp config\n")
			for host, guest in self.forwards:
				f.write(f"hostfwd = tcp:127.0.0.1:{host}-:{guest}\n")
		return (f"pci: enabled=1, chipset=i440fx, slot1=e1000\n"
			f"e1000: enabled=1, mac={self.MAC}, ethmod=slirp, script=slirp.conf\n")

	def environment(self):
		"""ACRN_PLATFORM_HOSTFWD_<guest port>=<host port> for each forward."""
		return {f"ACRN_PLATFORM_HOSTFWD_{g}": str(h) for h, g in self.forwards}

	def describe(self):
		return ", ".join(f"host 127.0.0.1:{h} -> Service VM port {g}" for h, g in self.forwards)


class HostHook:
	"""The --host-hook program, run on the host while Bochs runs; its
	output lines are collected by a thread and handed out by lines()."""

	def __init__(self, cmd, rundir, env):
		self.log = open(os.path.join(rundir, "host-hook.log"), "w")
		self.proc = subprocess.Popen(cmd, shell=True, cwd=rundir, env=env, stdin=subprocess.DEVNULL,
					     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
					     start_new_session=True)
		self.pending = []
		self.lock = threading.Lock()
		self.killed = False
		self.returncode = None
		self.reader = threading.Thread(target=self._read, daemon=True)
		self.reader.start()

	def _read(self):
		for line in self.proc.stdout:
			self.log.write(line)
			self.log.flush()
			with self.lock:
				self.pending.append(line.rstrip("\n"))

	def lines(self, final=False):
		if final:
			self.reader.join(30)
		with self.lock:
			out, self.pending = self.pending, []
		if self.returncode is None and self.proc.poll() is not None:
			self.returncode = self.proc.returncode
		return out

	def stop(self, grace=60):
		"""Lets a hook that is finishing (its last lines after the Service
		VM's poweroff) end by itself, then ends it."""
		try:
			self.proc.wait(grace)
		except subprocess.TimeoutExpired:
			pass
		if self.proc.poll() is None:
			self.killed = True
			try:
				os.killpg(self.proc.pid, signal.SIGTERM)
			except ProcessLookupError:
				pass
			try:
				self.proc.wait(10)
			except subprocess.TimeoutExpired:
				os.killpg(self.proc.pid, signal.SIGKILL)
				self.proc.wait()
		self.returncode = self.proc.returncode
