#!/usr/bin/env python3
"""The build host's side of the uvm-tcp scenario (acrn-platform --host-hook):
stock virsh and python-libvirt on this host manage a real User VM run by
virtacrnd -> acrnd -> acrn-dm in the Bochs Service VM, over
acrn+tcp://127.0.0.1:PORT/system, where PORT is Bochs's slirp forward to
the Service VM's port 16509 ($ACRN_PLATFORM_HOSTFWD_16509).

Prints TAP lines (the runner numbers them as "host: ..."). The scenario
in the Service VM hands over through domain definitions (see
scenarios/uvm-tcp.sh): net0 is there before we start, we define and start
net1, it defines mark-hello once net1's guest printed its greeting, we
destroy net1 and define host-done.

The waits below are bounds against a hang of the emulated machine, not
expectations of its speed: each waits for a state or an event."""
import os
import subprocess
import sys
import threading
import time

GUEST = "/usr/local/libexec/acrn/guests/pm-guest.bzImage"
HANG = 1800  # s: the whole run's limit is the runner's; this only ends a hang
VIRSH = os.environ.get("VIRSH", "/usr/bin/virsh")
failed = 0


def ok(cond, text):
    global failed
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " - " + text, flush=True)
    return cond


def note(text):
    for line in str(text).splitlines():
        print("# " + line, flush=True)


def vm_xml(name):
    # the paths are the Service VM's: that is where acrn-dm runs
    return f"""<domain type='acrn'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu cpuset='1'>1</vcpu>
  <os><type>hvm</type><kernel>{GUEST}</kernel><cmdline>pm_guest.mode=button</cmdline></os>
  <devices>
    <serial type='file'><source path='/var/log/{name}.console'/><target port='0'/></serial>
  </devices>
</domain>
"""


def main():
    port = os.environ.get("ACRN_PLATFORM_HOSTFWD_16509")
    if not port:
        ok(False, "ACRN_PLATFORM_HOSTFWD_16509 is set (acrn-platform --net 16509)")
        return 1
    uri = f"acrn+tcp://127.0.0.1:{port}/system"
    rundir = os.environ.get("ACRN_PLATFORM_RUNDIR", ".")
    env = dict(os.environ, HOME=rundir, XDG_CACHE_HOME=os.path.join(rundir, "cache"),
               XDG_CONFIG_HOME=os.path.join(rundir, "config"))
    env.pop("LIBVIRT_DEFAULT_URI", None)

    def virsh(*args):
        r = subprocess.run([VIRSH, "-c", uri, *args], capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=HANG)
        return r.returncode, (r.stdout + r.stderr).strip()

    note(f"libvirt URI {uri}")
    # 1. virsh list --all from the host shows the Service VM's VM
    t0 = time.monotonic()
    rc, out = virsh("list", "--all", "--name")
    first = time.monotonic() - t0
    if not ok(rc == 0 and "net0" in out.split(),
              f"virsh -c {uri} list --all --name shows the Service VM's net0 ({out!r})"):
        return 1
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        virsh("list", "--all")
        times.append(time.monotonic() - t0)
    note(f"bench: virsh list --all over the emulated network: first {first:.2f} s, then "
         + " ".join(f"{t:.2f}" for t in times) + " s wall (virsh process, TCP connect, "
         "open, list, close)")

    import libvirt

    libvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=loop, daemon=True).start()
    conn = libvirt.open(uri)
    events = []
    seen = threading.Condition()

    def on_lifecycle(conn, dom, event, detail, opaque):
        with seen:
            events.append((dom.name(), event, detail))
            seen.notify_all()

    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle,
                                     None)
    E = libvirt

    def event(name, ev, detail, what):
        with seen:
            got = seen.wait_for(lambda: (name, ev, detail) in events, HANG)
        return ok(got, f"python-libvirt on the host: {what} event for {name}")

    # 2. define and start a real User VM there
    xml = os.path.join(rundir, "net1.xml")
    with open(xml, "w") as f:
        f.write(vm_xml("net1"))
    rc, out = virsh("define", xml)
    ok(rc == 0, f"virsh define net1 from the host ({out})")
    event("net1", E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_ADDED, "Defined (added)")
    t0 = time.monotonic()
    rc, out = virsh("start", "net1")
    if not ok(rc == 0, f"virsh start net1 from the host ({out})"):
        return 1
    note(f"bench: virsh start net1 over TCP: {time.monotonic() - t0:.1f} s wall")
    event("net1", E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED,
          "Started (booted)")
    rc, out = virsh("domstate", "--reason", "net1")
    ok(out == "running (booted)", f"virsh domstate --reason net1: running (booted) ({out!r})")
    dom = conn.lookupByName("net1")
    ok(dom.isActive() == 1, "python-libvirt: net1 is active")

    # 3. the Service VM saw the guest's greeting on its COM1 and says so
    event("mark-hello", E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_ADDED,
          "Defined (added) (the Service VM read net1's greeting)")

    # 4. destroy it
    rc, out = virsh("destroy", "net1")
    ok(rc == 0, f"virsh destroy net1 from the host ({out})")
    event("net1", E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
          "Stopped (destroyed)")
    rc, out = virsh("domstate", "--reason", "net1")
    ok(out == "shut off (destroyed)", f"virsh domstate --reason net1: shut off (destroyed) ({out!r})")
    rc, out = virsh("list", "--all")
    note("virsh list --all from the host:\n" + out)

    conn.domainEventDeregisterAny(cb)
    conn.close()
    stop.set()
    with open(os.path.join(rundir, "host-done.xml"), "w") as f:
        f.write(vm_xml("host-done"))
    rc, out = virsh("define", os.path.join(rundir, "host-done.xml"))
    ok(rc == 0, f"virsh define host-done (tells the Service VM we are done) ({out})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
