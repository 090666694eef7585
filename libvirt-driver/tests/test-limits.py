"""Per-client limits (issue 13, item 2): an unprivileged local user cannot
make virtacrnd buffer large packets, hold connections that never open or
never finish a packet, or keep connections past the anonymous-client
limit; keepalive-dead clients are dropped; settings come from the config
file given with --config."""
import os
import socket
import struct
import time

from harness import check, run

PROG = 0x20008086


def hdr(length, prog=PROG, vers=1, proc=66, typ=0, serial=0, status=0):
    return struct.pack(">IIIiiIi", length, prog, vers, proc, typ, serial, status)


def xdr_string(text):
    b = text.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def call(proc, args=b"", serial=0):
    return hdr(28 + len(args), proc=proc, serial=serial) + args


OPEN = call(1, struct.pack(">I", 1) + xdr_string("acrn:///system") + struct.pack(">I", 0), 1)
KEEPALIVE_FEATURE = call(60, struct.pack(">i", 10), 2)


_pending = {}


def read_packet(sock):
    """One packet (bytes) or None when the server closed the connection;
    bytes after the packet are kept for the next call."""
    buf = _pending.pop(sock.fileno(), b"")
    while len(buf) < 4 or len(buf) < struct.unpack(">I", buf[:4])[0]:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return None
        if not data:
            return None
        buf += data
    n = struct.unpack(">I", buf[:4])[0]
    _pending[sock.fileno()] = buf[n:]
    return buf[:n]


def closed_by_server(sock, timeout=30):
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def as_nobody(fn):
    """Runs fn() in a child process as nobody with no groups; its result
    is the child's exit status (0 = passed)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            code = 0 if fn() else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def connect(path):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    _pending.pop(c.fileno(), None)
    return c


def test(s):
    conf = s.write_file("virtacrnd.conf", "# limits for the test\n[server]\n"
                        "max_anonymous_clients=3\nrequest_timeout=2\n"
                        "keepalive_interval=1\nkeepalive_count=2\n")
    s.start_virtacrnd(["--config", conf])
    os.chmod(s.dir, 0o755)
    rw = os.path.join(s.sock_dir, "virtacrnd-sock")
    ro = os.path.join(s.sock_dir, "virtacrnd-sock-ro")

    if os.geteuid() == 0:
        # An unprivileged client may not announce a large packet, opened
        # (read-only socket) or not, authorized (ro) or not (rw).
        def big_packet(path, do_open):
            c = connect(path)
            if do_open:
                c.sendall(OPEN)
                if read_packet(c) is None:
                    return False
            c.sendall(struct.pack(">I", 32 * 1024 * 1024) + b"\0" * 4096)
            return closed_by_server(c)
        check(as_nobody(lambda: big_packet(ro, True)), "32 MiB packet on an opened ro connection")
        check(as_nobody(lambda: big_packet(ro, False)), "32 MiB packet before CONNECT_OPEN")
        check(as_nobody(lambda: big_packet(rw, False)), "32 MiB packet from an unauthorized peer")
        check("packet too large for a read-only, unopened or unauthorized connection"
              in s.log("virtacrnd"), "no log line for the refused packet")

    # root on the rw socket may still send large packets (a big definition)
    c = connect(rw)
    c.sendall(OPEN)
    check(read_packet(c) is not None, "open")
    c.sendall(struct.pack(">I", 4 * 1024 * 1024))
    c.settimeout(0.5)
    try:
        check(c.recv(1) != b"", "privileged large packet refused")
    except socket.timeout:
        pass
    # ... but must finish it within request_timeout
    check(closed_by_server(c), "a half-sent packet is not timed out")
    check("did not send the rest of a packet within 2 s" in s.log("virtacrnd"), "timeout log")

    # a connection that never opens is dropped
    c = connect(ro)
    check(closed_by_server(c), "an unopened connection is not timed out")
    check("did not open the connection within 2 s" in s.log("virtacrnd"), "open timeout log")

    # at max_anonymous_clients, new connections wait until one leaves
    idle = [connect(ro) for _ in range(3)]
    s.wait_for(lambda: "max_anonymous_clients reached" in s.log("virtacrnd"), "accepting paused")
    waiting = connect(ro)
    waiting.sendall(call(66))  # AUTH_LIST
    idle[0].close()
    waiting.settimeout(30)
    check(read_packet(waiting) is not None, "the waiting client was never served")
    for c in idle[1:] + [waiting]:
        c.close()

    # a client that asked for keepalive and stops answering is dropped
    c = connect(ro)
    c.sendall(KEEPALIVE_FEATURE + OPEN)
    check(read_packet(c) is not None and read_packet(c) is not None, "feature/open replies")
    pings = 0
    c.settimeout(30)
    while True:
        p = read_packet(c)
        if p is None:
            break
        if struct.unpack(">II", p[4:12]) == (0x6b656570, 1):
            pings += 1
    check(pings == 2, "expected 2 keepalive pings before the drop, got %d" % pings)
    check("no answer to 2 keepalive pings" in s.log("virtacrnd"), "keepalive log")

    # a client answering the pings (virsh does) stays
    c = connect(ro)
    c.sendall(KEEPALIVE_FEATURE + OPEN)
    read_packet(c)
    read_packet(c)
    c.settimeout(30)
    for _ in range(4):
        p = read_packet(c)
        check(p is not None, "an answering client was dropped")
        c.sendall(struct.pack(">IIIiiIi", 28, 0x6b656570, 1, 2, 2, 0, 0))  # PONG
    c.close()

    # a bad setting is refused at start
    bad = s.write_file("bad.conf", "[server]\nmax_clients=0\n")
    import subprocess
    r = subprocess.run([s.virtacrnd_bin, "--config", bad, "--socket-dir", s.dir + "/x",
                        "--bus-address", s.bus_address], capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 2 and "max_clients must be a number" in r.stderr, r.stderr)
    s.virsh("list", "--all")


run(test, start_virtacrnd=False)
