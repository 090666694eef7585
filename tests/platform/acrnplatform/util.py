"""Small helpers shared by the platform modules."""
import contextlib
import fcntl
import os
import subprocess
import sys


class PlatformError(Exception):
	"""A setup step failed; the message says what to do about it."""


def log(msg):
	# Progress goes to stderr so that stdout stays pure TAP.
	print(f"acrn-platform: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
	try:
		return subprocess.run(cmd, check=True, **kw)
	except FileNotFoundError as e:
		raise PlatformError(f"{cmd[0]}: not installed ({e}); run tools/install-deps.sh")
	except subprocess.CalledProcessError as e:
		raise PlatformError(f"command failed ({e.returncode}): {' '.join(cmd)}")


@contextlib.contextmanager
def file_lock(path):
	"""Exclusive advisory lock; None means no locking."""
	if not path:
		yield
		return
	os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
	with open(path, "a") as f:
		fcntl.flock(f, fcntl.LOCK_EX)
		try:
			yield
		finally:
			fcntl.flock(f, fcntl.LOCK_UN)


def write_atomic(path, data):
	tmp = f"{path}.tmp{os.getpid()}"
	with open(tmp, "wb") as f:
		f.write(data)
		f.flush()
		os.fsync(f.fileno())
	os.rename(tmp, path)
