"""Debian's python3-libvirt against virtacrnd: connection queries, define,
list, info, XML, autostart, lifecycle, event callbacks, undefine, and the
read-only connection refusing changes."""
import threading
import time

import libvirt

from harness import check, libvirt_event_loop, run

UUID = "3a7c1e2b-9d8f-4a6b-8c5d-1e2f3a4b5c6d"


def test(s):
    stop = libvirt_event_loop()

    conn = libvirt.open(s.uri)
    events = []
    reboots = []
    got = threading.Condition()

    def on_lifecycle(c, dom, event, detail, opaque):
        with got:
            events.append((dom.name(), event, detail, dom.ID()))
            got.notify_all()

    def on_reboot(c, dom, opaque):
        with got:
            reboots.append(dom.name())
            got.notify_all()

    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
    cb2 = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, on_reboot, None)

    def wait_event(name, event, detail, timeout=20):
        end = time.time() + timeout
        with got:
            while (name, event, detail) not in [e[:3] for e in events]:
                left = end - time.time()
                check(left > 0, "event %s/%d/%d not seen: %s" % (name, event, detail, events))
                got.wait(left)
            return [e for e in events if e[:3] == (name, event, detail)][-1]

    check(conn.getType() == "ACRN", conn.getType())
    check(conn.getLibVersion() >= 7000000, "lib version")
    check(conn.getVersion() >= 4002000, "hv version passes Nova's QEMU gate")
    check(conn.getHostname(), "hostname")
    info = conn.getInfo()
    check(info[0] == "x86_64" and info[1] > 0 and info[2] > 0, str(info))
    check("<capabilities>" in conn.getCapabilities(), "capabilities")
    ncpus, cpumap, online = conn.getCPUMap()
    check(ncpus >= 1 and online >= 1 and any(cpumap), str((ncpus, cpumap, online)))
    check(conn.getMaxVcpus(None) >= 1, "max vcpus")
    mem = conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS)
    check(mem["total"] > 0 and "free" in mem, str(mem))
    cpu = conn.getCPUStats(libvirt.VIR_NODE_CPU_STATS_ALL_CPUS)
    check("idle" in cpu and "user" in cpu, str(cpu))
    check(conn.getFreeMemory() > 0, "free memory")
    check(conn.listAllDomains() == [], "no domains yet")

    dom = conn.defineXML(s.vm_xml("pyvm", uuid=UUID, kernel_args="standin.shutdown=delay:0.2"))
    check(dom.name() == "pyvm" and dom.UUIDString() == UUID and dom.ID() == -1, "defined dom")
    wait_event("pyvm", libvirt.VIR_DOMAIN_EVENT_DEFINED, libvirt.VIR_DOMAIN_EVENT_DEFINED_ADDED)
    check([d.name() for d in conn.listAllDomains()] == ["pyvm"], "listAllDomains")
    check(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE) == [], "none active")
    check(conn.listDefinedDomains() == ["pyvm"], "listDefinedDomains")
    check(conn.numOfDomains() == 0 and conn.listDomainsID() == [], "legacy active list")
    check(conn.lookupByUUIDString(UUID).name() == "pyvm", "lookupByUUIDString")
    dom = conn.lookupByName("pyvm")
    check(dom.info()[0] == libvirt.VIR_DOMAIN_SHUTOFF and dom.info()[1] == 262144, str(dom.info()))
    check(dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, dom.state()[1]], str(dom.state()))
    check(not dom.isActive() and dom.isPersistent(), "inactive persistent")
    check("<name>pyvm</name>" in dom.XMLDesc(0), "XMLDesc")
    dom.setAutostart(1)
    check(dom.autostart() == 1, "autostart on")
    dom.setAutostart(0)
    check(dom.autostart() == 0, "autostart off")

    dom.create()
    check(dom.ID() > 0, "id refreshed after create: %d" % dom.ID())
    _, _, _, evid = wait_event("pyvm", libvirt.VIR_DOMAIN_EVENT_STARTED,
                               libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED)
    check(evid == dom.ID(), "event carries the new id (%d vs %d)" % (evid, dom.ID()))
    check(conn.lookupByID(dom.ID()).name() == "pyvm", "lookupByID")
    check(conn.listDomainsID() == [dom.ID()], "listDomainsID")
    dom.suspend()
    wait_event("pyvm", libvirt.VIR_DOMAIN_EVENT_SUSPENDED, libvirt.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)
    check(dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED, "paused")
    check([d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED)] == ["pyvm"],
          "paused filter")
    dom.resume()
    wait_event("pyvm", libvirt.VIR_DOMAIN_EVENT_RESUMED, libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)
    dom.reboot(0)
    end = time.time() + 20
    with got:
        while not reboots:
            check(time.time() < end, "reboot event not seen")
            got.wait(1)

    # read-only connection: queries work, changes are refused
    ro = libvirt.openReadOnly(s.ro_uri)
    check([d.name() for d in ro.listAllDomains()] == ["pyvm"], "ro list")
    try:
        ro.defineXML(s.vm_xml("other"))
        raise AssertionError("read-only define succeeded")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED, str(e))
    ro.close()

    # destroy twice: the second reports "not running" (Nova relies on the code)
    dom.destroy()
    wait_event("pyvm", libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)
    try:
        dom.destroy()
        raise AssertionError("destroying a stopped domain succeeded")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID, str(e))

    try:
        conn.lookupByName("nosuch")
        raise AssertionError("lookup of a missing domain succeeded")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN, str(e))
    try:
        conn.defineXML("<domain type='acrn'><name>x</name>")
        raise AssertionError("malformed XML accepted")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_XML_ERROR, str(e))
    # an optional API we do not implement degrades to "not supported"
    try:
        conn.getCPUModelNames("x86_64", 0)
        raise AssertionError("CPU model names unexpectedly implemented")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT, str(e))

    # a call to a program virtacrnd does not serve (qemu) is an error, and
    # the connection and its event callbacks survive (issue 13, item 9)
    import libvirt_qemu
    try:
        libvirt_qemu.qemuMonitorCommand(dom, "info status",
                                        libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)
        raise AssertionError("qemu monitor command unexpectedly implemented")
    except libvirt.libvirtError as e:
        check("Cannot find program" in str(e), str(e))
    check(conn.isAlive() == 1, "connection dropped after a call to the qemu program")
    check([d.name() for d in conn.listAllDomains()] == ["pyvm"], "list after the qemu call")

    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    wait_event("pyvm", libvirt.VIR_DOMAIN_EVENT_UNDEFINED, libvirt.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED)
    check(conn.listAllDomains() == [], "undefined")

    conn.domainEventDeregisterAny(cb)
    conn.domainEventDeregisterAny(cb2)
    conn.close()
    stop.set()


run(test)
