"""virtacrnd started the way systemd starts it: listening sockets passed
with LISTEN_FDS/LISTEN_FDNAMES (the names of the shipped socket units),
readiness through NOTIFY_SOCKET, exit after --timeout without clients.
Also the session-mode socket location."""
import os
import socket
import stat
import subprocess
import time

from harness import check, run

NAMES = ["virtacrnd-sock", "virtacrnd-sock-ro", "virtacrnd-admin-sock"]


def test(s):
    d = os.path.join(s.dir, "activated")
    os.makedirs(d)
    listeners = []
    for n in NAMES:
        l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        l.bind(os.path.join(d, n))
        l.listen(16)
        listeners.append(l)
    notify_path = os.path.join(s.dir, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(20)

    def child_setup():
        for i, l in enumerate(listeners):
            os.dup2(l.fileno(), 3 + i)
            os.set_inheritable(3 + i, True)
        os.environ["LISTEN_PID"] = str(os.getpid())

    env = dict(os.environ, LISTEN_FDS=str(len(NAMES)), LISTEN_FDNAMES=":".join(NAMES),
               NOTIFY_SOCKET=notify_path)
    log = open(os.path.join(s.dir, "activated.log"), "w")
    s.logs["virtacrnd-activated"] = log.name
    # LISTEN_PID must be the daemon's own pid: set it after fork, before exec
    p = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"', s.virtacrnd_bin,
                          "--bus-address", s.bus_address, "--timeout", "2", "--verbose"],
                         env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(),
                         preexec_fn=child_setup, close_fds=False)
    try:
        msg = notify.recv(4096).decode()
        check("READY=1" in msg, "no READY=1: %r" % msg)
        uri = "acrn:///system?socket=" + os.path.join(d, "virtacrnd-sock")
        ro_uri = "acrn:///system?socket=" + os.path.join(d, "virtacrnd-sock-ro")
        r = s.virsh("define", s.write_file("a.xml", s.vm_xml("act1")), uri=uri)
        check("defined" in r.stdout, r.stdout)
        check(s.virsh("list", "--all", "--name", uri=ro_uri).stdout.split() == ["act1"], "ro list")
        r = s.virsh("undefine", "act1", uri=ro_uri, check=False)
        check(r.returncode != 0, "undefine through the ro socket succeeded")
        s.virsh("undefine", "act1", uri=uri)
        # the sockets were not re-created by the daemon (still ours)
        for n in NAMES:
            check(stat.S_ISSOCK(os.stat(os.path.join(d, n)).st_mode), n)
        # idle: exits by itself after --timeout
        p.wait(15)
        check(p.returncode == 0, "exit status %s" % p.returncode)
        with open(log.name) as f:
            text = f.read()
        check("using 3 socket(s) from systemd" in text, text)
        check("no clients for 2 s" in text, text)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()

    # session mode: $XDG_RUNTIME_DIR/libvirt, private modes
    rt = os.path.join(s.dir, "xdg")
    os.makedirs(rt, mode=0o700)
    p = subprocess.Popen([s.virtacrnd_bin, "--session", "--bus-address", s.bus_address,
                          "--timeout", "1", "--no-socket-activation"],
                         env=dict(os.environ, XDG_RUNTIME_DIR=rt), stdout=log,
                         stderr=subprocess.STDOUT)
    try:
        sock = os.path.join(rt, "libvirt", "virtacrnd-sock")
        end = time.time() + 10
        while not os.path.exists(sock) and time.time() < end:
            time.sleep(0.05)
        check(stat.S_IMODE(os.stat(os.path.join(rt, "libvirt")).st_mode) == 0o700, "dir mode")
        check(stat.S_IMODE(os.stat(sock).st_mode) == 0o600, "socket mode")
        r = s.virsh("hostname", uri="acrn:///session?socket=" + sock)
        check(r.stdout.strip() == socket.gethostname(), r.stdout)
        p.wait(15)
        check(not os.path.exists(sock), "socket not removed on exit")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


run(test, start_virtacrnd=False)
