"""The TCP listener (listen_tcp, listen_addr, tcp_port, auth_tcp in
virtacrnd.conf): stock virsh and python-libvirt reach virtacrnd with
acrn+tcp://127.0.0.1:PORT/system and manage VMs (acrnd running the acrn-dm
stand-in); TCP clients get the same per-client limits as the UNIX sockets;
virtacrnd refuses to start when listen_tcp is on without an explicit
auth_tcp, or with an authentication mode it does not have; the same for
the TCP socket systemd passes (virtacrnd-tcp.socket)."""
import gc
import os
import socket
import struct
import subprocess
import threading

from harness import check, libvirt_event_loop, run

PROG = 0x20008086
AUTH_LIST = struct.pack(">IIIiiIi", 28, PROG, 1, 66, 0, 7, 0)


def free_port():
    """A port nobody listens on now (the kernel's choice for port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
    except ConnectionRefusedError:
        return True
    return False


def start_fails(s, name, text):
    conf = s.write_file(name, text)
    return subprocess.run([s.virtacrnd_bin, "--config", conf, "--socket-dir",
                           s.dir + "/refused", "--bus-address", s.bus_address],
                          capture_output=True, text=True, timeout=30)


def read_reply(c):
    """One packet; None when the server closed the connection."""
    data = b""
    while len(data) < 4 or len(data) < struct.unpack(">I", data[:4])[0]:
        chunk = c.recv(65536)
        if not chunk:
            return None
        data += chunk
    return data


def test_refusals(s):
    port = free_port()
    r = start_fails(s, "noauth.conf", "[server]\nlisten_tcp = 1\ntcp_port = %d\n" % port)
    check(r.returncode == 2 and "listen_tcp = 1 needs an explicit auth_tcp setting" in r.stderr,
          "listen_tcp without auth_tcp: %d %r" % (r.returncode, r.stderr))
    r = start_fails(s, "sasl.conf", '[server]\nlisten_tcp = 1\nauth_tcp = "sasl"\n')
    check(r.returncode == 2 and 'auth_tcp = "sasl" is not supported' in r.stderr, r.stderr)
    r = start_fails(s, "port.conf", '[server]\nlisten_tcp = 1\nauth_tcp = "none"\n'
                    'tcp_port = "65536"\n')
    check(r.returncode == 2 and "tcp_port must be a port number" in r.stderr, r.stderr)
    r = start_fails(s, "flag.conf", '[server]\nlisten_tcp = yes\nauth_tcp = "none"\n')
    check(r.returncode == 2 and "listen_tcp must be 0 or 1" in r.stderr, r.stderr)
    # an address this host does not have: a clear error, no half-started daemon
    r = start_fails(s, "addr.conf", '[server]\nlisten_tcp = 1\nauth_tcp = "none"\n'
                    'listen_addr = "192.0.2.1"\ntcp_port = %d\n' % port)
    check(r.returncode == 1 and "192.0.2.1 port %d" % port in r.stderr, r.stderr)
    check(refused(port), "the port listens after the refusals")


def test_default_off(s):
    """auth_tcp alone (or listen_tcp = 0) opens no port."""
    port = free_port()
    conf = s.write_file("off.conf", '[server]\nlisten_tcp = 0\nauth_tcp = "none"\n'
                        "tcp_port = %d\n" % port)
    s.start_virtacrnd(["--config", conf])
    s.virsh("list", "--all")
    check(refused(port), "listen_tcp = 0 listens on TCP")
    s.virtacrnd.terminate()
    s.virtacrnd.wait(10)


def test_virsh_and_events(s):
    import libvirt

    port = free_port()
    conf = s.write_file("tcp.conf", '# as libvirtd.conf writes it\n[server]\nlisten_tcp = 1\n'
                        'listen_addr = "127.0.0.1"\ntcp_port = "%d"\nauth_tcp = "none"\n'
                        "max_clients = 4\n" % port)
    s.start_virtacrnd(["--config", conf])
    uri = "acrn+tcp://127.0.0.1:%d/system" % port

    s.virsh("define", s.write_file("t1.xml", s.vm_xml("tcp1")), uri=uri)
    out = s.virsh("list", "--all", "--name", uri=uri).stdout.split()
    check(out == ["tcp1"], "list over TCP: %r" % out)
    check("acrn+tcp://127.0.0.1:%d/system" % port in s.virsh("uri", uri=uri).stdout, "uri")

    stop = libvirt_event_loop()
    conn = libvirt.open(uri)
    events = []
    seen = threading.Condition()

    def on_lifecycle(conn, dom, event, detail, opaque):
        with seen:
            events.append((dom.name(), event, detail))
            seen.notify_all()

    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle,
                                     None)

    def wait_event(want):
        with seen:
            check(seen.wait_for(lambda: want in events, 30), "event %r not seen: %r"
                  % (want, events))

    s.virsh("start", "tcp1", uri=uri)
    wait_event(("tcp1", libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED))
    r = s.virsh("domstate", "--reason", "tcp1", uri=uri).stdout.strip()
    check(r == "running (booted)", "domstate after start: %r" % r)
    s.virsh("destroy", "tcp1", uri=uri)
    wait_event(("tcp1", libvirt.VIR_DOMAIN_EVENT_STOPPED,
                libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED))
    r = s.virsh("domstate", "--reason", "tcp1", uri=uri).stdout.strip()
    check(r == "shut off (destroyed)", "domstate after destroy: %r" % r)
    # the same VM through the local socket: one daemon, one view
    check(s.virsh("list", "--all", "--name").stdout.split() == ["tcp1"], "local list")
    conn.domainEventDeregisterAny(cb)
    conn.close()
    stop.set()
    del conn
    gc.collect()

    log = s.log("virtacrnd")
    check("listening on TCP 127.0.0.1 port %d" % port in log, "no listening line")
    check("connected over TCP from 127.0.0.1" in log, "TCP clients are not logged by address")

    # The limits of the UNIX sockets hold on TCP: an unopened client may not
    # announce a large packet ...
    c = socket.create_connection(("127.0.0.1", port), timeout=30)
    c.sendall(struct.pack(">I", 32 * 1024 * 1024) + b"\0" * 4096)
    check(read_reply(c) is None, "32 MiB packet before CONNECT_OPEN accepted over TCP")
    c.close()
    # ... and at max_clients (4) the fifth connection is served only once
    # one of the others has left.
    # (python-libvirt's connection above may still be open: it closes only
    # when the last object holding it is collected, so clients are opened
    # until the server says it is full rather than counted.)
    held = []
    while len(held) < 4 and "max_clients reached" not in s.log("virtacrnd"):
        h = socket.create_connection(("127.0.0.1", port), timeout=30)
        h.sendall(AUTH_LIST)
        check(read_reply(h) is not None, "AUTH_LIST over TCP unanswered")
        held.append(h)
    s.wait_for(lambda: "max_clients reached" in s.log("virtacrnd"), "max_clients pause")
    fifth = socket.create_connection(("127.0.0.1", port), timeout=30)
    fifth.sendall(AUTH_LIST)
    fifth.settimeout(1)
    try:
        early = fifth.recv(1)
    except socket.timeout:
        early = None
    check(early is None, "a connection past max_clients was served: %r" % early)
    held.pop().close()
    fifth.settimeout(30)
    check(read_reply(fifth) is not None, "the waiting TCP connection was never served")
    for h in held + [fifth]:
        h.close()
    s.virsh("undefine", "tcp1", uri=uri)


def activated(s, conf_text):
    """virtacrnd started as systemd starts it with virtacrnd-tcp.socket: the
    listening TCP socket passed as fd 3 named virtacrnd-tcp. Returns the
    process and the port."""
    port = free_port()
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    conf = s.write_file("activated.conf", conf_text)

    def child_setup():
        os.dup2(listener.fileno(), 3)
        os.set_inheritable(3, True)

    env = dict(os.environ, LISTEN_FDS="1", LISTEN_FDNAMES="virtacrnd-tcp")
    log = open(os.path.join(s.dir, "activated.log"), "w")
    s.logs["virtacrnd-activated"] = log.name
    # LISTEN_PID must be the daemon's own pid: set it after fork, before exec
    p = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"', s.virtacrnd_bin,
                          "--config", conf, "--bus-address", s.bus_address, "--verbose"],
                         env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=child_setup,
                         close_fds=False)
    listener.close()
    return p, port


def test_socket_activation(s):
    # without auth_tcp the passed TCP socket makes virtacrnd refuse to start
    p, port = activated(s, "[server]\n")
    check(p.wait(30) == 1, "virtacrnd with a TCP socket and no auth_tcp did not exit 1")
    check("passed a TCP socket, but" in s.log("virtacrnd-activated") and
          "sets no auth_tcp; refusing to start" in s.log("virtacrnd-activated"),
          s.log("virtacrnd-activated"))
    # with it, clients on the passed socket are served
    p, port = activated(s, '[server]\nauth_tcp = "none"\n')
    try:
        uri = "acrn+tcp://127.0.0.1:%d/system" % port
        s.virsh("define", s.write_file("a1.xml", s.vm_xml("act-tcp")), uri=uri)
        out = s.virsh("list", "--all", "--name", uri=uri).stdout.split()
        check(out == ["act-tcp"], "list over the activated TCP socket: %r" % out)
        s.virsh("undefine", "act-tcp", uri=uri)
    finally:
        p.terminate()
        p.wait(10)


def test(s):
    test_refusals(s)
    test_socket_activation(s)
    test_default_off(s)
    test_virsh_and_events(s)


run(test, start_virtacrnd=False)
