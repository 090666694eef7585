"""virtacrnd answers lookups and per-domain calls from the VM listing it
keeps once acrnd confirms that listing current (ListVMDetailsSince with the
kept generation).  Every change made directly in acrnd, not through
virtacrnd, is visible at once: a new VM, a state change, an undefine, a
rename, and a define then undefine of the same name."""
import libvirt
from gi.repository import Gio, GLib

from harness import check, run


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

    conn = libvirt.open(s.uri)
    a = conn.defineXML(s.vm_xml("a"))
    b = conn.defineXML(s.vm_xml("b"))
    ub = b.UUIDString()
    # the listing virtacrnd keeps from now on
    check(sorted(d.name() for d in conn.listAllDomains()) == ["a", "b"], "listed")
    check(conn.lookupByName("a").UUIDString() == a.UUIDString(), "a by name")

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
    conn.close()


run(test)
