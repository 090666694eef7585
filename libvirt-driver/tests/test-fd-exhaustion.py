"""Running out of file descriptors does not livelock virtacrnd (issue 13,
item 1): with a low RLIMIT_NOFILE, a flood of connections to the
world-writable read-only socket makes accept() fail with EMFILE; virtacrnd
must pause accepting instead of spinning on the ready listener, and serve
virsh again once the flood has gone."""
import os
import socket

from harness import check, run

FLOOD = 120  # > the 64 descriptors virtacrnd gets, < the listen backlog


def test(s):
    conf = s.write_file("virtacrnd.conf", "[server]\nmax_anonymous_clients=1000\n")
    s.start_virtacrnd(["--config", conf])
    s.virsh("define", s.write_file("a.xml", s.vm_xml("a")))
    path = os.path.join(s.sock_dir, "virtacrnd-sock-ro")
    flood = []
    for _ in range(FLOOD):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        flood.append(c)
    s.wait_for(lambda: "Too many open files" in s.log("virtacrnd"), "accept to fail with EMFILE")
    for c in flood:
        c.close()
    # hangs (and times out) when virtacrnd spins on accept()
    r = s.virsh("list", "--all", "--name", timeout=60)
    check(r.stdout.split() == ["a"], r.stdout)
    r = s.virsh("list", "--all", "--name", uri=s.ro_uri, timeout=60)
    check(r.stdout.split() == ["a"], r.stdout)
    n = s.log("virtacrnd").count("accept:")
    check(n < 100, "accept failure logged %d times: the listener was not paused" % n)


run(test, start_virtacrnd=False, virtacrnd_nofile=64)
