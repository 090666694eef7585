"""With acrnd supervising the acrn-dm stand-in: virsh start, suspend,
resume, shutdown, destroy, reboot, console refusal without a TTY, and
`virsh event --all --loop` seeing each lifecycle event."""
import os
import re
import subprocess
import time

from harness import check, run


def wait_state(s, name, state, timeout=20):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = s.virsh("domstate", name).stdout.strip()
        if last == state:
            return
        time.sleep(0.1)
    raise AssertionError("%s: state %r, expected %r" % (name, last, state))


class EventWatcher:
    def __init__(self, s):
        envv = dict(os.environ, HOME=s.dir)
        self.path = os.path.join(s.dir, "events.txt")
        self.out = open(self.path, "w")
        self.p = subprocess.Popen([s.virsh_bin, "-c", s.uri, "event", "--all", "--loop"],
                                  stdout=self.out, stderr=subprocess.STDOUT, env=envv,
                                  stdin=subprocess.DEVNULL)
        # registration of 27 callbacks: wait until a probe domain's events show
        probe = s.write_file("probe.xml", s.vm_xml("probe"))
        end = time.time() + 30
        while "domain 'probe'" not in self.text():
            check(time.time() < end, "virsh event never reported anything")
            s.virsh("define", probe)
            s.virsh("undefine", "probe")
            time.sleep(0.2)

    def text(self):
        with open(self.path) as f:
            return f.read()

    def wait_for(self, pattern, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if re.search(pattern, self.text()):
                return
            time.sleep(0.1)
        raise AssertionError("event %r not seen; got:\n%s" % (pattern, self.text()))

    def stop(self):
        self.p.terminate()
        self.p.wait(10)
        self.out.close()


def test(s):
    ev = EventWatcher(s)
    try:
        # the stand-in guest powers off 0.3 s after the ACPI power button
        xml = s.vm_xml("vm1", kernel_args="standin.shutdown=delay:0.3")
        s.virsh("define", s.write_file("vm1.xml", xml))
        ev.wait_for(r"event 'lifecycle' for domain 'vm1': Defined Added")

        r = s.virsh("start", "vm1")
        check("Domain 'vm1' started" in r.stdout, r.stdout)
        ev.wait_for(r"event 'lifecycle' for domain 'vm1': Started Booted")
        check(s.virsh("domstate", "vm1").stdout.strip() == "running", "running")
        domid = s.virsh("domid", "vm1").stdout.strip()
        check(domid.isdigit() and int(domid) > 0, "positive id for a running VM: " + domid)
        r = s.virsh("list", "--name")
        check(r.stdout.split() == ["vm1"], r.stdout)
        r = s.virsh("dumpxml", "vm1")
        check(re.search(r"<domain type=.acrn. id=.%s.>" % domid, r.stdout), r.stdout)
        check(s.virsh("dominfo", domid).returncode == 0, "lookup by id")
        r = s.virsh("vcpuinfo", "vm1")
        check(re.search(r"^VCPU:\s+0$", r.stdout, re.M) and
              re.search(r"^State:\s+running$", r.stdout, re.M), r.stdout)
        r = s.virsh("start", "vm1", check=False)
        check(r.returncode != 0 and "already active" in r.stderr, r.stderr)

        s.virsh("suspend", "vm1")
        ev.wait_for(r"Suspended Paused")
        check(s.virsh("domstate", "vm1").stdout.strip() == "paused", "paused")
        s.virsh("resume", "vm1")
        ev.wait_for(r"Resumed Unpaused")
        check(s.virsh("domstate", "vm1").stdout.strip() == "running", "running again")

        # virsh console needs a TTY: it refuses cleanly before any stream
        r = s.virsh("console", "vm1", check=False)
        check(r.returncode != 0 and "TTY" in r.stderr, r.stderr)

        s.virsh("reboot", "vm1")
        wait_state(s, "vm1", "running")

        s.virsh("shutdown", "vm1")
        ev.wait_for(r"Stopped Shutdown")
        wait_state(s, "vm1", "shut off")
        check(s.virsh("domid", "vm1").stdout.strip() == "-", "no id when stopped")

        r = s.virsh("destroy", "vm1", check=False)
        check(r.returncode != 0 and "not running" in r.stderr, r.stderr)

        s.virsh("start", "vm1")
        ev.wait_for(r"(?s)Stopped Shutdown.*Started Booted")
        s.virsh("destroy", "vm1")
        ev.wait_for(r"Stopped Destroyed")
        check(s.virsh("domstate", "vm1").stdout.strip() == "shut off", "destroyed")

        s.virsh("undefine", "vm1")
        ev.wait_for(r"Undefined Removed")

        # a change made directly in acrnd (not through virtacrnd) right after a
        # listing is visible at once: acrnd's event drops the listing snapshot
        s.virsh("define", s.write_file("vm2.xml", s.vm_xml("vm2")))
        check("vm2" in s.virsh("list", "--all").stdout, "vm2 listed")
        path = subprocess.run(["gdbus", "call", "--address", s.bus_address, "--dest",
                               "org.acrn.Acrnd1", "--object-path", "/org/acrn/Acrnd1/Manager",
                               "--method", "org.acrn.Acrnd1.Manager.GetVM", "vm2"],
                              capture_output=True, text=True, check=True).stdout.split("'")[1]
        subprocess.run(["gdbus", "call", "--address", s.bus_address, "--dest", "org.acrn.Acrnd1",
                        "--object-path", path, "--method", "org.acrn.Acrnd1.VM.Start", "{}"],
                       capture_output=True, check=True)
        check(s.virsh("domstate", "vm2").stdout.strip() == "running", "state after a direct start")
        s.virsh("destroy", "vm2")
        s.virsh("undefine", "vm2")

        # a slow start (the stand-in guest takes 4 s to boot) does not stall
        # the daemon: another client is served while `virsh start` waits
        s.virsh("define", s.write_file("slow.xml", s.vm_xml("slow",
                                                          kernel_args="standin.start-delay=4")))
        envv = dict(os.environ, HOME=s.dir)
        starter = subprocess.Popen([s.virsh_bin, "-c", s.uri, "start", "slow"], env=envv,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        time.sleep(0.5)
        r = s.virsh("list", "--all", "--name")
        check("slow" in r.stdout.split(), r.stdout)
        check(starter.poll() is None, "virsh start returned before the guest booted")
        out = starter.communicate(timeout=30)[0].decode()
        check(starter.returncode == 0 and "started" in out, out)
        check(s.virsh("domstate", "slow").stdout.strip() == "running", "slow running")
        s.virsh("destroy", "slow")
        s.virsh("undefine", "slow")

        # a transient domain: create runs it, destroy makes it disappear
        r = s.virsh("create", s.write_file("t1.xml", s.vm_xml("t1")))
        check("Domain 't1' created" in r.stdout, r.stdout)
        check(s.virsh("domstate", "t1").stdout.strip() == "running", "t1 running")
        r = s.virsh("dominfo", "t1")
        check(re.search(r"^Persistent:\s+no$", r.stdout, re.M), r.stdout)
        s.virsh("destroy", "t1")
        end = time.time() + 10
        while "t1" in s.virsh("list", "--all", "--name").stdout and time.time() < end:
            time.sleep(0.1)
        check("t1" not in s.virsh("list", "--all", "--name").stdout, "transient t1 gone")
        # like libvirt: only Started and Stopped for a transient domain
        ev.wait_for(r"domain 't1': Stopped Destroyed")
        t1 = [l for l in ev.text().splitlines() if "domain 't1'" in l]
        check(all("Defined" not in l and "Undefined" not in l for l in t1), "\n".join(t1))
        check(any("Started Booted" in l for l in t1), "\n".join(t1))
        print(ev.text())
    finally:
        ev.stop()


run(test)
