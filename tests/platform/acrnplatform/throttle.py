"""Run Bochs on a fraction of a core: a CPU-quota cgroup (v2 or v1).

Used to prove that the platform's limits follow the emulator's progress:
with ACRN_PLATFORM_CPU_QUOTA=0.33 every Bochs gets a third of a core, as on
a slow, busy machine, and the suite must still pass.
"""
import os

from .util import PlatformError

PERIOD_US = 100000
V2_ROOT = "/sys/fs/cgroup"
V1_CPU = "/sys/fs/cgroup/cpu"


def _v2_usable():
	try:
		with open(os.path.join(V2_ROOT, "cgroup.subtree_control")) as f:
			return "cpu" in f.read().split()
	except OSError:
		return False


class CpuQuota:
	"""A cgroup limited to `fraction` of one CPU; enter() moves the caller in."""

	def __init__(self, fraction, name):
		if not 0.01 <= fraction <= 64:
			raise PlatformError(f"CPU quota {fraction}: out of range (0.01 to 64 cores)")
		self.fraction = fraction
		quota = int(PERIOD_US * fraction)
		if _v2_usable():
			self.path = os.path.join(V2_ROOT, name)
			self.kind = "cgroup v2 cpu.max"
			files = {"cpu.max": f"{quota} {PERIOD_US}"}
		elif os.path.isdir(V1_CPU):
			self.path = os.path.join(V1_CPU, name)
			self.kind = "cgroup v1 cpu.cfs_quota_us"
			files = {"cpu.cfs_period_us": str(PERIOD_US), "cpu.cfs_quota_us": str(quota)}
		else:
			raise PlatformError("CPU quota: neither cgroup v2 with the cpu controller nor "
					    "cgroup v1 cpu is available")
		try:
			os.makedirs(self.path, exist_ok=True)
			for k, v in files.items():
				with open(os.path.join(self.path, k), "w") as f:
					f.write(v)
		except OSError as e:
			self.remove()
			raise PlatformError(f"CPU quota: cannot set up {self.path} ({e}); needs root")

	def describe(self):
		return f"CPU quota {self.fraction:g} of a core ({self.kind}, {self.path})"

	def enter(self):
		"""Move the calling process in (for a child's preexec_fn)."""
		with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
			f.write(str(os.getpid()))

	def remove(self):
		try:
			os.rmdir(self.path)
		except OSError:
			pass


def quota_from_env():
	"""The fraction asked for by $ACRN_PLATFORM_CPU_QUOTA, or None."""
	env = os.environ.get("ACRN_PLATFORM_CPU_QUOTA")
	if not env:
		return None
	try:
		return float(env)
	except ValueError:
		raise PlatformError(f"ACRN_PLATFORM_CPU_QUOTA={env!r}: not a number")
