"""At most N Bochs runs at once on this machine, whoever starts them.

Each Bochs takes a whole core, so more runs than cores only make every one
slower (and, before limits followed the emulator's progress, starved each
other into timeouts). A slot is an flock on one of N files in a directory
shared by every build tree on the machine; the lock dies with its holder.
"""
import contextlib
import fcntl
import os
import tempfile
import time

POLL_S = 0.25


def default_lockdir():
	for d in ("/run/lock", tempfile.gettempdir()):
		if os.access(d, os.W_OK):
			return os.path.join(d, "acrn-platform")
	return os.path.join(tempfile.gettempdir(), f"acrn-platform-{os.getuid()}")


def slot_count():
	"""$ACRN_PLATFORM_SLOTS, else the number of CPUs this process may use."""
	env = os.environ.get("ACRN_PLATFORM_SLOTS")
	if env:
		n = int(env)
		if n < 1:
			raise ValueError(f"ACRN_PLATFORM_SLOTS={env}: must be at least 1")
		return n
	return max(1, len(os.sched_getaffinity(0)))


class Slot:
	def __init__(self, index, count, waited):
		self.index = index
		self.count = count
		self.waited = waited

	def describe(self):
		return f"Bochs slot {self.index + 1} of {self.count}, waited {self.waited:.1f} s for it"


@contextlib.contextmanager
def bochs_slot(lockdir=None, count=None, on_wait=None):
	"""Holds one of `count` machine-wide slots; yields a Slot (None: no limit)."""
	lockdir = lockdir or os.environ.get("ACRN_PLATFORM_LOCKDIR") or default_lockdir()
	count = count or slot_count()
	os.makedirs(lockdir, exist_ok=True)
	files = [open(os.path.join(lockdir, f"slot{i}"), "a") for i in range(count)]
	start = time.monotonic()
	held = None
	told = False
	try:
		while held is None:
			for i, f in enumerate(files):
				try:
					fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
				except BlockingIOError:
					continue
				held = i
				break
			if held is None:
				if on_wait and not told:
					on_wait(f"all {count} Bochs slots in {lockdir} busy, waiting")
					told = True
				time.sleep(POLL_S)
		yield Slot(held, count, time.monotonic() - start)
	finally:
		for f in files:
			f.close()
