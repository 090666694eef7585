"""virtacrnd answers lookups and per-domain calls from the VM listing it
keeps while acrnd's shared generation counter says it is current (or, with
no counter, once ListVMDetailsPackedSince with the kept generation confirms
it).
Every change made directly in acrnd, not through virtacrnd, is visible at
once: a new VM, a state change, an undefine, a rename, and a define then
undefine of the same name; so is a new acrnd after the old one was killed.
While nothing changes, listings, lookups and state queries send acrnd no
D-Bus call at all (watched with dbus-monitor between two marker calls)."""
import os
import select
import subprocess

import libvirt
from gi.repository import Gio, GLib

from harness import check, env, run


class AcrndCalls:
    """dbus-monitor on the test bus, counting the method calls to acrnd's
    Manager and VM objects between two marker calls of the test's own."""

    def __init__(self, s, call_marker):
        self.call_marker = call_marker
        self.n = 0
        self.buf = b""
        self.p = subprocess.Popen(
            [env("DBUS_MONITOR", "dbus-monitor"), "--address", s.bus_address,
             "type='method_call',interface='org.acrn.Acrnd1.Manager'",
             "type='method_call',interface='org.acrn.Acrnd1.VM'",
             "type='method_call',member='GetAll'"], stdout=subprocess.PIPE)
        # The monitor is listening once it reports a marker: send them
        # until one shows, then one more to pass whatever came late.
        for i in range(1200):
            self.call_marker("ready-%d" % i)
            line = self._line(0.1)
            while line is not None and "ready-" not in line:
                line = self._line(0.1)
            if line is not None:
                break
        else:
            raise AssertionError("dbus-monitor never showed a call")
        self.between()

    def _line(self, timeout=120):
        """The next line; None if there is none within `timeout` seconds
        (waiting for the monitor to start, or a guard against a hang: no
        timed assertion)."""
        while b"\n" not in self.buf:
            r, _, _ = select.select([self.p.stdout], [], [], timeout)
            if not r:
                if timeout < 120:
                    return None
                raise AssertionError("dbus-monitor printed nothing for 120 s")
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError("dbus-monitor ended")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")

    def between(self):
        """The calls to acrnd since the last marker (the markers excluded)."""
        self.n += 1
        marker = "marker-%d" % self.n
        self.call_marker(marker)
        calls = []
        while True:
            line = self._line()
            if line.startswith("method call "):
                member = line.split("member=")[-1]
                calls.append(member)
            elif marker in line:
                return calls[:-1]

    def close(self):
        self.p.kill()
        self.p.wait()


def test(s):
    bus = Gio.DBusConnection.new_for_address_sync(
        s.bus_address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def acrnd(path, iface, method, args=None, reply="()"):
        return bus.call_sync("org.acrn.Acrnd1", path, "org.acrn.Acrnd1." + iface, method, args,
                             GLib.VariantType(reply), Gio.DBusCallFlags.NONE, 30000,
                             None).unpack()

    def define_direct(xml):
        return acrnd("/org/acrn/Acrnd1/Manager", "Manager", "DefineVM",
                     GLib.Variant("(sa{sv})", (xml, {})), "(o)")[0]

    def vm_call(path, method):
        acrnd(path, "VM", method, GLib.Variant("(a{sv})", ({},)))

    def no_domain(lookup, key):
        try:
            lookup(key)
        except libvirt.libvirtError as e:
            check(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN, str(e))
            return
        raise AssertionError("%s still found" % key)

    def marker(name):
        try:
            acrnd("/org/acrn/Acrnd1/Manager", "Manager", "GetVM", GLib.Variant("(s)", (name,)),
                  "(o)")
        except GLib.Error:
            pass  # no such VM: the call is what counts

    conn = libvirt.open(s.uri)
    a = conn.defineXML(s.vm_xml("a"))
    b = conn.defineXML(s.vm_xml("b"))
    ub = b.UUIDString()
    # the listing virtacrnd keeps from now on
    check(sorted(d.name() for d in conn.listAllDomains()) == ["a", "b"], "listed")
    check(conn.lookupByName("a").UUIDString() == a.UUIDString(), "a by name")

    # Nothing changes: virsh list, dominfo and domstate need no D-Bus call.
    calls = AcrndCalls(s, marker)
    try:
        for _ in range(3):
            check(len(conn.listAllDomains()) == 2, "listed")
            for d in conn.listAllDomains():
                check(d.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF, "state")
            check(conn.lookupByName("b").info()[0] == libvirt.VIR_DOMAIN_SHUTOFF, "info")
            check(conn.lookupByUUIDString(a.UUIDString()).name() == "a", "by UUID")
        quiet = calls.between()
        check(quiet == [], "calls to acrnd while nothing changed: %s" % quiet)
        # a change made in acrnd costs the next lookup one call for the listing
        path_b0 = acrnd("/org/acrn/Acrnd1/Manager", "Manager", "GetVM",
                        GLib.Variant("(s)", ("b",)), "(o)")[0]
        acrnd(path_b0, "VM", "SetAutostart", GLib.Variant("(ba{sv})", (True, {})))
        calls.between()
        check(conn.lookupByName("b").autostart() == 1, "autostart set in acrnd")
        after = calls.between()
        check(after == ["ListVMDetailsPackedSince"], "calls after a change: %s" % after)
        acrnd(path_b0, "VM", "SetAutostart", GLib.Variant("(ba{sv})", (False, {})))
        check(conn.lookupByName("b").autostart() == 0, "autostart cleared in acrnd")
    finally:
        calls.close()

    uc = "5e0c1a7e-1111-4222-8333-444455556666"
    path_c = define_direct(s.vm_xml("c", uuid=uc))
    check(conn.lookupByName("c").UUIDString() == uc, "a VM defined in acrnd, by name")
    check(conn.lookupByUUIDString(uc).name() == "c", "a VM defined in acrnd, by UUID")

    path_a = acrnd("/org/acrn/Acrnd1/Manager", "Manager", "GetVM", GLib.Variant("(s)", ("a",)),
                   "(o)")[0]
    vm_call(path_a, "Start")
    check(conn.lookupByName("a").state()[0] == libvirt.VIR_DOMAIN_RUNNING, "started in acrnd")
    check(a.info()[0] == libvirt.VIR_DOMAIN_RUNNING, "info of the handle taken before")
    check(conn.lookupByName("a").ID() > 0, "an id once running")
    vm_call(path_a, "ForceStop")
    check(a.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF, "stopped in acrnd")

    path_b = acrnd("/org/acrn/Acrnd1/Manager", "Manager", "GetVM", GLib.Variant("(s)", ("b",)),
                   "(o)")[0]
    vm_call(path_b, "Undefine")
    no_domain(conn.lookupByName, "b")
    no_domain(conn.lookupByUUIDString, ub)

    # acrnd renames through DefineVM unless asked to keep the name
    check(define_direct(s.vm_xml("c2", uuid=uc)) == path_c, "same object")
    no_domain(conn.lookupByName, "c")
    check(conn.lookupByName("c2").UUIDString() == uc, "renamed in acrnd")

    # the same name again, a new UUID
    ub2 = "5e0c1a7e-1111-4222-8333-777788889999"
    define_direct(s.vm_xml("b", uuid=ub2))
    check(conn.lookupByName("b").UUIDString() == ub2, "b again, a new UUID")
    check(sorted(d.name() for d in conn.listAllDomains()) == ["a", "b", "c2"], "listed again")

    # A new acrnd (the old one killed, so it left nothing behind) starts a
    # new generation: virtacrnd must not trust the old counter.  Between
    # the kill and the new acrnd's define, nothing else reaches virtacrnd.
    s.restart_acrnd()
    define_direct(s.vm_xml("d"))
    check(sorted(d.name() for d in conn.listAllDomains()) == ["a", "b", "c2", "d"],
          "a VM defined in a new acrnd")
    check(conn.lookupByName("d").name() == "d", "d by name")
    conn.close()


run(test)
