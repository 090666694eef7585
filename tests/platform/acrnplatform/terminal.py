"""Interactive console: bridges Bochs's COM1 socket to the user's terminal.

Bochs (COM1 `mode=socket-server`) waits at start-up until a client
connects. Everything the guest prints is shown and also appended to the
serial log, so that the runner's parsing works as in a file-mode run.
"""
import os
import select
import socket
import sys
import termios
import time
import tty

ESCAPE = b"\x1d"  # Ctrl-]


def free_port():
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


class Relay:
	def __init__(self, port, log_path, stdin=sys.stdin, stdout=sys.stdout):
		self.port = port
		self.log = open(log_path, "ab")
		self.stdin = stdin
		self.stdout = stdout
		self.sock = None
		self.saved_tty = None

	def connect(self, proc, timeout=20):
		deadline = time.monotonic() + timeout
		while True:
			try:
				self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
				break
			except OSError:
				if proc.poll() is not None or time.monotonic() > deadline:
					return False
				time.sleep(0.1)
		self.sock.setblocking(False)
		if self.stdin.isatty():
			# Raw: keys go to the guest's shell as typed, its echo comes back.
			self.saved_tty = termios.tcgetattr(self.stdin.fileno())
			tty.setraw(self.stdin.fileno())
		return True

	def pump(self, wait=0.1):
		"""Moves data both ways; False once the user quits (Ctrl-] or end of input).
		When Bochs hangs up (power-off), keeps returning True without a socket."""
		if self.sock is None:
			time.sleep(wait)
			return True
		fds = [self.sock]
		stdin_open = not self.stdin.closed
		if stdin_open:
			fds.append(self.stdin)
		readable, _, _ = select.select(fds, [], [], wait)
		if self.sock in readable:
			try:
				data = self.sock.recv(65536)
			except BlockingIOError:
				data = None
			if data == b"":
				self.sock.close()
				self.sock = None
				return True
			if data:
				self.log.write(data)
				self.log.flush()
				self.stdout.buffer.write(data)
				self.stdout.flush()
		if stdin_open and self.stdin in readable:
			keys = os.read(self.stdin.fileno(), 1024)
			if not keys or ESCAPE in keys:
				return False
			try:
				self.sock.sendall(keys)
			except OSError:
				pass  # Bochs is going away; the next recv sees it
		return True

	def close(self):
		if self.saved_tty is not None:
			termios.tcsetattr(self.stdin.fileno(), termios.TCSADRAIN, self.saved_tty)
			self.saved_tty = None
			self.stdout.write("\n")
		if self.sock is not None:
			self.sock.close()
			self.sock = None
		self.log.close()
