"""Test harness: a private dbus-daemon, the real acrnd (supervising the
acrn-dm stand-in, a test double for the device model) and virtacrnd on a
temporary socket directory, for tests driving stock libvirt clients.

Environment (set by libvirt-driver/Makefile.am): VIRTACRND, ACRND,
ACRN_DM_STANDIN, DBUS_DAEMON, VIRSH.  Exit code 77 (automake SKIP) when
acrnd or the stand-in has not been built in this tree.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

SKIP = 77


def env(name, default=None):
    v = os.environ.get(name, default)
    if v is None:
        print("harness: %s is not set (run through make check)" % name)
        sys.exit(99)
    return v


def vm_xml(name, uuid=None, kernel_args="", domain_type="acrn", extra="",
           kernel="/boot/vmlinuz-test"):
    """A definition acrnd accepts: direct kernel boot, a pty serial console
    (the stand-in reads its behaviour from the kernel command line)."""
    uuid = uuid or str(uuidlib.uuid4())
    return f"""<domain type='{domain_type}'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <cmdline>console=ttyS0 {kernel_args}</cmdline>
  </os>
  {extra}
  <devices>
    <serial type='pty'><target port='0'/></serial>
  </devices>
</domain>
"""


class Stack:
    def __init__(self, start_virtacrnd=True, virtacrnd_args=(), virtacrnd_nofile=None):
        self.virtacrnd_nofile = virtacrnd_nofile
        self.virtacrnd_bin = env("VIRTACRND")
        self.acrnd_bin = env("ACRND")
        self.standin = env("ACRN_DM_STANDIN")
        self.virsh_bin = env("VIRSH", "/usr/bin/virsh")
        for b in (self.acrnd_bin, self.standin):
            if not os.access(b, os.X_OK):
                print("harness: %s not built; skipping" % b)
                sys.exit(SKIP)
        self.dir = tempfile.mkdtemp(prefix="virtacrnd-test-")
        self.procs = []
        self.logs = {}
        self.sock_dir = os.path.join(self.dir, "sock")
        # the stand-in opens the kernel image like acrn-dm does
        self.kernel = os.path.join(self.dir, "vmlinuz")
        with open(self.kernel, "wb") as f:
            f.write(b"\0" * 4096)
        self.uri = "acrn:///system?socket=" + os.path.join(self.sock_dir, "virtacrnd-sock")
        self.ro_uri = "acrn:///system?socket=" + os.path.join(self.sock_dir, "virtacrnd-sock-ro")
        try:
            self._start_bus()
            self._start_acrnd()
            if start_virtacrnd:
                self.start_virtacrnd(virtacrnd_args)
        except BaseException:
            self.close(failed=True)
            raise

    # ---- processes ----
    def _spawn(self, name, argv, **kw):
        log = open(os.path.join(self.dir, name + ".log"), "a")  # a restart appends
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **kw)
        self.procs.append((name, p))
        self.logs[name] = log.name
        return p

    def _start_bus(self):
        self.bus_path = os.path.join(self.dir, "bus")
        self._spawn("dbus-daemon", [env("DBUS_DAEMON", "dbus-daemon"),
                                    "--config-file=" + os.environ["ACRN_TEST_BUS_CONF"],
                                    "--address=unix:path=" + self.bus_path,
                                    "--nofork", "--nopidfile", "--nosyslog"])
        self.bus_address = "unix:path=" + self.bus_path
        self.wait_for(lambda: os.path.exists(self.bus_path), "dbus-daemon socket")

    def _start_acrnd(self):
        self.state_dir = os.path.join(self.dir, "state")
        self.run_dir = os.path.join(self.dir, "run")
        os.makedirs(self.state_dir, exist_ok=True)
        os.makedirs(self.run_dir, exist_ok=True)
        self.acrnd = self._spawn("acrnd", [self.acrnd_bin, "--bus-address", self.bus_address,
                                           "--state-dir", self.state_dir, "--run-dir", self.run_dir,
                                           "--dm-path", self.standin, "--log-level", "debug",
                                           # stop the stand-ins when the test ends
                                           "--stop-vms-on-exit", "--stop-timeout", "2"])
        self.wait_for(self._acrnd_on_bus, "acrnd on the bus")

    def _acrnd_on_bus(self):
        r = subprocess.run(["gdbus", "call", "--address", self.bus_address, "--dest",
                            "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                            "--method", "org.freedesktop.DBus.NameHasOwner", "org.acrn.Acrnd1"],
                           capture_output=True, text=True)
        if self.acrnd.poll() is not None:
            raise RuntimeError("acrnd exited with %s" % self.acrnd.returncode)
        return "true" in r.stdout

    def kill_acrnd(self):
        """SIGKILL acrnd (no clean-up of its own) and wait until it is gone."""
        self.acrnd.kill()
        self.acrnd.wait()

    def restart_acrnd(self):
        """A new acrnd on the same state and run directories."""
        if self.acrnd.poll() is None:
            self.kill_acrnd()
        self._start_acrnd()

    def start_virtacrnd(self, extra=()):
        kw = {}
        if self.virtacrnd_nofile:
            import resource
            n = self.virtacrnd_nofile
            kw["preexec_fn"] = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
        self.virtacrnd = self._spawn("virtacrnd", [self.virtacrnd_bin, "--verbose", "--socket-dir",
                                                   self.sock_dir, "--bus-address", self.bus_address,
                                                   *extra], **kw)
        sock = os.path.join(self.sock_dir, "virtacrnd-admin-sock")
        self.wait_for(lambda: os.path.exists(sock) or self.virtacrnd.poll() is not None,
                      "virtacrnd sockets")
        if self.virtacrnd.poll() is not None:
            raise RuntimeError("virtacrnd exited with %s" % self.virtacrnd.returncode)

    def wait_for(self, cond, what, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if cond():
                return
            time.sleep(0.05)
        raise RuntimeError("timed out waiting for " + what)

    def close(self, failed=False):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if failed or os.environ.get("HARNESS_KEEP"):
            for name, path in self.logs.items():
                try:
                    with open(path) as f:
                        text = f.read()
                except OSError:
                    continue
                sys.stdout.write("---- %s log (last 60 lines) ----\n" % name)
                sys.stdout.write("".join(text.splitlines(True)[-60:]))
        if not os.environ.get("HARNESS_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- clients ----
    def virsh(self, *args, uri=None, check=True, timeout=60):
        envv = dict(os.environ)
        envv.pop("LIBVIRT_DEFAULT_URI", None)
        envv["HOME"] = self.dir  # virsh keeps history/cache under $HOME
        envv["XDG_CACHE_HOME"] = os.path.join(self.dir, "cache")
        envv["XDG_CONFIG_HOME"] = os.path.join(self.dir, "config")
        r = subprocess.run([self.virsh_bin, "-c", uri or self.uri, *args], capture_output=True,
                           text=True, env=envv, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError("virsh %s failed (%d): %s%s" % (" ".join(args), r.returncode,
                                                                 r.stdout, r.stderr))
        return r

    def log(self, name):
        with open(self.logs[name]) as f:
            return f.read()

    def vm_xml(self, name, uuid=None, **kw):
        return vm_xml(name, uuid, kernel=self.kernel, **kw)

    def write_file(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def libvirt_event_loop():
    """Registers libvirt's default event implementation and runs it on a
    daemon thread (python-libvirt delivers events and stream callbacks only
    from a running loop). Returns the threading.Event that stops it."""
    import threading

    import libvirt

    libvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=loop, daemon=True).start()
    return stop


def run(test, **stack_args):
    """Runs test(stack) with a fresh Stack(**stack_args); prints the daemons'
    logs on failure."""
    stack = Stack(**stack_args)
    ok = False
    try:
        test(stack)
        ok = True
    finally:
        stack.close(failed=not ok)
    print("PASS")

def nova_conf(s):
    """nova.conf for Nova's LibvirtDriver against this stack (raw images, sqlite,
    no other OpenStack service), in s.dir/nova; returns (that dir, the file).
    Nova connects to s.nova_uri if the test set one (acrn+tcp://), else to
    the local socket."""
    d = os.path.join(s.dir, "nova")
    for sub in ("instances", "state", "lock"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    conf = os.path.join(d, "nova.conf")
    with open(conf, "w") as f:
        f.write(f"""[DEFAULT]
compute_driver = libvirt.LibvirtDriver
instances_path = {d}/instances
state_path = {d}/state
my_ip = 127.0.0.1
host = acrn-host
[libvirt]
virt_type = kvm
connection_uri = {getattr(s, 'nova_uri', s.uri)}
images_type = raw
use_cow_images = False
cpu_mode = none
pointer_model = ps2mouse
[vnc]
enabled = False
[oslo_concurrency]
lock_path = {d}/lock
[database]
connection = sqlite:///{d}/nova.sqlite
[api_database]
connection = sqlite:///{d}/nova_api.sqlite
""")
    return d, conf
