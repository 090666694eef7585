"""Managed save (issue 13 item 10) with stock virsh and python-libvirt:
after `virsh managedsave` the domain is shut off with a managed-save image
(acrnd keeps the guest in S3 inside its device model), `start` restores
it, `managedsave-remove` discards it, undefine refuses while it exists,
and the lifecycle events are libvirt's (Stopped Saved, Started Restored).
dompmsuspend/dompmwakeup (plain guest S3) are no managed save."""
import re
import time

from harness import check, libvirt_event_loop, run


def test(s):
    import libvirt

    stop_loop = libvirt_event_loop()
    conn = libvirt.open(s.uri)
    events = []
    conn.domainEventRegisterAny(
        None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        lambda c, d, ev, detail, opaque: events.append((d.name(), ev, detail)), None)

    def wait_event(name, ev, detail, timeout=20):
        end = time.time() + timeout
        while (name, ev, detail) not in events:
            check(time.time() < end, "no event %r; got %r" % ((name, ev, detail), events))
            time.sleep(0.05)

    try:
        s.virsh("define", s.write_file("vm1.xml", s.vm_xml("vm1")))
        s.virsh("start", "vm1")
        pid = s.virsh("domid", "vm1").stdout.strip()

        r = s.virsh("managedsave", "vm1")
        check("Domain 'vm1' state saved by libvirt" in r.stdout, r.stdout)
        # Shut off with an image, straight away: no polling.
        r = s.virsh("domstate", "--reason", "vm1")
        check(r.stdout.strip() == "shut off (saved)", r.stdout)
        check(s.virsh("domid", "vm1").stdout.strip() == "-", "no id while saved")
        r = s.virsh("dominfo", "vm1")
        check(re.search(r"^State:\s+shut off$", r.stdout, re.M), r.stdout)
        check(re.search(r"^Managed save:\s+yes$", r.stdout, re.M), r.stdout)
        r = s.virsh("list", "--all", "--managed-save")
        check(re.search(r"^\s*-\s+vm1\s+saved\s*$", r.stdout, re.M), r.stdout)
        check(s.virsh("list", "--name").stdout.split() == [], "not among the running")
        check(s.virsh("list", "--inactive", "--name").stdout.split() == ["vm1"], "inactive")
        check(s.virsh("list", "--all", "--with-managed-save", "--name").stdout.split() == ["vm1"],
              "listed with --with-managed-save")
        check(s.virsh("list", "--all", "--without-managed-save", "--name").stdout.split() == [],
              "not listed with --without-managed-save")
        wait_event("vm1", libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED)
        dom = conn.lookupByName("vm1")
        check(dom.hasManagedSaveImage() == 1, "hasManagedSaveImage")
        check(not dom.isActive(), "inactive")

        # What libvirt refuses for an inactive domain or while the image exists.
        r = s.virsh("destroy", "vm1", check=False)
        check(r.returncode != 0 and "not running" in r.stderr, r.stderr)
        r = s.virsh("undefine", "vm1", check=False)
        check(r.returncode != 0 and "managed save image exists" in r.stderr, r.stderr)

        # start restores the saved guest: the same device model, not a boot.
        r = s.virsh("start", "vm1")
        check("Domain 'vm1' started" in r.stdout, r.stdout)
        r = s.virsh("domstate", "--reason", "vm1")
        check(r.stdout.strip() == "running (restored)", r.stdout)
        check(s.virsh("domid", "vm1").stdout.strip() == pid, "same device model after restore")
        check(dom.hasManagedSaveImage() == 0, "image gone after restore")
        wait_event("vm1", libvirt.VIR_DOMAIN_EVENT_STARTED,
                   libvirt.VIR_DOMAIN_EVENT_STARTED_RESTORED)

        # managedsave-remove discards the image: the next start boots.
        s.virsh("managedsave", "vm1")
        r = s.virsh("managedsave-remove", "vm1")
        check(r.returncode == 0, r.stderr)
        r = s.virsh("dominfo", "vm1")
        check(re.search(r"^State:\s+shut off$", r.stdout, re.M), r.stdout)
        check(re.search(r"^Managed save:\s+no$", r.stdout, re.M), r.stdout)
        # removing what is not there is no error (as libvirt)
        s.virsh("managedsave-remove", "vm1")
        s.virsh("start", "vm1")
        check(s.virsh("domstate", "--reason", "vm1").stdout.strip() == "running (booted)",
              "a fresh boot")
        check(s.virsh("domid", "vm1").stdout.strip() != pid, "a new device model")

        # start --force-boot discards the image too.
        s.virsh("managedsave", "vm1")
        s.virsh("start", "--force-boot", "vm1")
        check(s.virsh("domstate", "--reason", "vm1").stdout.strip() == "running (booted)",
              "--force-boot boots")

        # undefine --managed-save removes the image and the definition.
        s.virsh("managedsave", "vm1")
        s.virsh("undefine", "--managed-save", "vm1")
        check(s.virsh("list", "--all", "--name").stdout.split() == [], "undefined")

        # Only a running persistent domain can be saved.
        s.virsh("define", s.write_file("vm2.xml", s.vm_xml("vm2")))
        r = s.virsh("managedsave", "vm2", check=False)
        check(r.returncode != 0 and "not running" in r.stderr, r.stderr)
        s.virsh("create", s.write_file("vm3.xml", s.vm_xml("vm3")))
        r = s.virsh("managedsave", "vm3", check=False)
        check(r.returncode != 0 and "transient" in r.stderr, r.stderr)
        s.virsh("destroy", "vm3")
        # A guest in plain S3 (dompmsuspend) is not a managed save.
        s.virsh("start", "vm2")
        s.virsh("dompmsuspend", "vm2", "mem")
        end = time.time() + 20
        while s.virsh("domstate", "vm2").stdout.strip() != "pmsuspended":
            check(time.time() < end, "vm2 never pmsuspended")
            time.sleep(0.1)
        check(conn.lookupByName("vm2").hasManagedSaveImage() == 0, "S3 is no image")
        r = s.virsh("start", "vm2", check=False)
        check(r.returncode != 0 and "already active" in r.stderr, r.stderr)
        r = s.virsh("dompmsuspend", "vm2", "disk", check=False)
        check(r.returncode != 0, "suspend-to-disk refused")
        s.virsh("dompmwakeup", "vm2")
        check(s.virsh("domstate", "vm2").stdout.strip() == "running", "woken by dompmwakeup")
        r = s.virsh("dompmwakeup", "vm2", check=False)
        check(r.returncode != 0 and "pmsuspended" in r.stderr, r.stderr)
        s.virsh("destroy", "vm2")
    finally:
        conn.close()
        stop_loop.set()


run(test)
