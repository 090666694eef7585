"""Malformed packets on the real daemon's socket close only the offending
connection (with a log line); a client connected at the same time and a
new virsh keep working."""
import os
import socket
import struct
import time

import libvirt

from harness import check, run


def hdr(length, prog=0x20008086, vers=1, proc=66, typ=0, serial=0, status=0):
    return struct.pack(">IIIiiIi", length, prog, vers, proc, typ, serial, status)


def xdr_string(text):
    b = text.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


# CONNECT_OPEN first, so that argument decoding is reached
OPEN_ARGS = struct.pack(">I", 1) + xdr_string("acrn:///system") + struct.pack(">I", 0)
OPEN = hdr(28 + len(OPEN_ARGS), proc=1) + OPEN_ARGS


def closed_by_server(sock):
    sock.settimeout(10)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test(s):
    path = os.path.join(s.sock_dir, "virtacrnd-sock")
    # a well-behaved client connected for the whole test
    conn = libvirt.open(s.uri)
    conn.defineXML(s.vm_xml("keeper"))

    cases = {
        "length below header": struct.pack(">I", 12) + b"\0" * 8,
        "length above 32 MiB": struct.pack(">I", 0x7fffffff) + b"\0" * 24,
        "truncated XDR": OPEN + hdr(28 + 8, proc=23) + struct.pack(">II", 1000, 0),
        "huge string": OPEN + hdr(28 + 4, proc=11) + struct.pack(">I", 0xfffffff0),
        "bad optional flag": OPEN + hdr(28 + 8, proc=316) + struct.pack(">iI", 0, 5),
        "http request": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    }
    for name, data in cases.items():
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        sock.sendall(data)
        check(closed_by_server(sock), "%s: connection not closed" % name)
        sock.close()
        # the established client is unaffected
        check([d.name() for d in conn.listAllDomains()] == ["keeper"], name)

    # a call to an unknown program or version is answered with libvirtd's
    # error and the connection stays (issue 13, item 9)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall(hdr(28, prog=0x11223344, serial=5) + hdr(28, vers=7, serial=6) + OPEN)
    sock.settimeout(10)
    data = b""
    # each error reply carries its message twice (message and str1): wait
    # for both replies, not for two copies of the first
    while (b"Cannot find program 287454020 version 1" not in data or
           b"Cannot find program 536903814 version 7" not in data):
        chunk = sock.recv(65536)
        check(chunk, "connection closed after a call to an unknown program")
        data += chunk
    check(b"Cannot find program 287454020 version 1" in data, data)
    check(b"Cannot find program 536903814 version 7" in data, data)
    sock.close()

    # a half-sent packet followed by a disconnect is harmless too
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall(hdr(1000)[:10])
    sock.close()

    r = s.virsh("list", "--all", "--name")
    check(r.stdout.split() == ["keeper"], r.stdout)
    time.sleep(0.2)
    with open(s.logs["virtacrnd"]) as f:
        log = f.read()
    for needle in ("packet length shorter than the header", "packet length above the protocol maximum",
                   "malformed arguments of procedure 23", "malformed arguments of procedure 11",
                   "malformed arguments of procedure 316"):
        check(needle in log, "log lacks %r" % needle)
    conn.lookupByName("keeper").undefine()
    conn.close()


run(test)
