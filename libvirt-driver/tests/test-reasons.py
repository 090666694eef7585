"""Shut-off reasons as libvirt reports them (issue 13, item 12): after
virsh shutdown "shut off (shutdown)", after destroy "shut off (destroyed)"
also right after a listing, after a guest crash with on_crash=destroy and
after the device model dies "shut off (crashed)"; the device model's death
is a Stopped Failed event, not a guest panic. While the guest has the
power button but is not off yet, the domain is running."""
import os
import subprocess
import time

from harness import check, run


def reason(s, name):
    return s.virsh("domstate", "--reason", name).stdout.strip()


def wait_reason(s, name, want, timeout=20):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = reason(s, name)
        if last == want:
            return
        time.sleep(0.1)
    raise AssertionError("%s: %r, expected %r" % (name, last, want))


def test_stopping(s):
    """A guest that got the power button but has not powered off yet is
    still running for libvirt clients (libvirt says so for QEMU): Nova's
    graceful power_off takes any shut-down state for done and destroys."""
    s.virsh("define", s.write_file("st.xml", s.vm_xml("st", kernel_args="standin.shutdown=ignore")))
    s.virsh("start", "st")
    s.virsh("shutdown", "st")
    r = subprocess.run(["gdbus", "call", "--address", s.bus_address, "--dest", "org.acrn.Acrnd1",
                        "--object-path", "/org/acrn/Acrnd1", "--method",
                        "org.freedesktop.DBus.ObjectManager.GetManagedObjects"],
                       capture_output=True, text=True, check=True)
    check("'stopping'" in r.stdout, "acrnd's state is not stopping: " + r.stdout[-2000:])
    got = reason(s, "st")
    check(got == "running (booted)", "a VM waiting for its guest to shut down: %r" % got)
    s.virsh("destroy", "st")
    s.virsh("undefine", "st")


def test(s):
    test_stopping(s)
    envv = dict(os.environ, HOME=s.dir)
    events = open(os.path.join(s.dir, "events.txt"), "w")
    watcher = subprocess.Popen([s.virsh_bin, "-c", s.uri, "event", "--loop",
                                "--event", "lifecycle"], stdout=events,
                               stderr=subprocess.STDOUT, env=envv, stdin=subprocess.DEVNULL)
    try:
        # wait until the watcher has registered: a probe domain's events show
        probe = s.write_file("probe.xml", s.vm_xml("probe"))
        end = time.time() + 30
        while "domain 'probe'" not in open(events.name).read():
            check(time.time() < end, "virsh event never reported anything")
            s.virsh("define", probe)
            s.virsh("undefine", "probe")
            time.sleep(0.2)
        s.virsh("define", s.write_file("a.xml", s.vm_xml("a", kernel_args="standin.shutdown=delay:0.1")))
        s.virsh("start", "a")
        check(reason(s, "a") == "running (booted)", reason(s, "a"))
        s.virsh("shutdown", "a")
        wait_reason(s, "a", "shut off (shutdown)")

        s.virsh("start", "a")
        s.virsh("destroy", "a")
        # the listing snapshot must keep the reason
        s.virsh("list", "--all")
        check(reason(s, "a") == "shut off (destroyed)", reason(s, "a"))

        s.virsh("define", s.write_file("c.xml", s.vm_xml(
            "c", kernel_args="standin.crash-after=0.3",
            extra="<on_crash>destroy</on_crash>")))
        s.virsh("start", "c")
        wait_reason(s, "c", "shut off (crashed)")
        s.virsh("list", "--all")
        check(reason(s, "c") == "shut off (crashed)", reason(s, "c"))

        s.virsh("define", s.write_file("d.xml", s.vm_xml("d", kernel_args="standin.abort-after=0.3")))
        s.virsh("start", "d")
        wait_reason(s, "d", "shut off (crashed)")
        end = time.time() + 20
        while "domain 'd': Stopped Failed" not in open(events.name).read():
            check(time.time() < end, "no Stopped Failed event for d: " + open(events.name).read())
            time.sleep(0.1)
        text = open(events.name).read()
        check("domain 'd': Crashed" not in text, text)
        check("domain 'c': Crashed Panicked" in text, text)
    finally:
        watcher.terminate()
        watcher.wait(10)
        events.close()


run(test)
