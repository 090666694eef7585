"""Procedures that used to answer "unknown procedure" get clean answers
(issue 13, item 15), through stock virsh and python-libvirt: reset,
vcpucount, setvcpus/setmem on an inactive domain (and a clear refusal on a
running one), dommemstat, domblkinfo, sysinfo, nodedev-list and
virDomainSetTime (Nova)."""
import os
import re

import libvirt

from harness import check, run


def test(s):
    img = os.path.join(s.dir, "disk.img")
    with open(img, "wb") as f:
        f.truncate(1 << 20)
    xml = s.vm_xml("p").replace(
        "<devices>", "<devices><disk type='file' device='disk'><source file='%s'/>"
        "<target dev='vda' bus='virtio'/></disk>" % img)
    s.virsh("define", s.write_file("p.xml", xml))

    # inactive: vcpucount, setvcpus, setmem change the definition
    r = s.virsh("vcpucount", "p")
    check(re.search(r"maximum\s+config\s+1", r.stdout) and
          re.search(r"current\s+config\s+1", r.stdout), r.stdout + r.stderr)
    s.virsh("setvcpus", "p", "2", "--config")
    check(re.search(r"^CPU\(s\):\s+2$", s.virsh("dominfo", "p").stdout, re.M), "setvcpus")
    # without flags virsh means the running domain, as with libvirtd
    r = s.virsh("setvcpus", "p", "1", check=False)
    check(r.returncode != 0 and "domain is not running" in r.stderr, r.stderr)
    s.virsh("setvcpus", "p", "1", "--current")
    check(re.search(r"^CPU\(s\):\s+1$", s.virsh("dominfo", "p").stdout, re.M), "setvcpus current")
    s.virsh("setmem", "p", "131072", "--config")
    check(re.search(r"<currentMemory unit=.KiB.>131072</currentMemory>",
                    s.virsh("dumpxml", "p").stdout), s.virsh("dumpxml", "p").stdout)
    r = s.virsh("setmem", "p", "9999999", "--config", check=False)
    check(r.returncode != 0 and "higher than max memory" in r.stderr, r.stderr)
    s.virsh("setmem", "p", "262144", "--config")

    # domblkinfo works on a defined domain
    r = s.virsh("domblkinfo", "p", "vda", "--human")
    check(re.search(r"Capacity:\s+1\.000 MiB", r.stdout), r.stdout)
    r = s.virsh("domblkinfo", "p", "vdz", check=False)
    check(r.returncode != 0 and "not assigned to domain" in r.stderr, r.stderr)

    # a running domain
    s.virsh("start", "p")
    r = s.virsh("setvcpus", "p", "2", check=False)
    check(r.returncode != 0 and "cannot change the vCPUs of a running domain" in r.stderr, r.stderr)
    r = s.virsh("setmem", "p", "131072", check=False)
    check(r.returncode != 0 and "cannot change the memory of a running domain" in r.stderr,
          r.stderr)
    r = s.virsh("dommemstat", "p")
    check(re.search(r"^actual 262144$", r.stdout, re.M), r.stdout)
    r = s.virsh("vcpucount", "p", "--live")
    check(r.stdout.strip() == "1", r.stdout)
    s.virsh("reset", "p")
    check(s.virsh("domstate", "p").stdout.strip() == "running", "running after reset")

    # host: sysinfo (or libvirt's "not supported" where the host has no
    # SMBIOS data), node devices (none managed through libvirt)
    r = s.virsh("sysinfo", check=False)
    check((r.returncode == 0 and "<sysinfo type='smbios'>" in r.stdout) or
          "no SMBIOS data" in r.stderr, r.stdout + r.stderr)
    r = s.virsh("nodedev-list")
    check(r.returncode == 0 and r.stdout.strip() == "", r.stdout)
    check("unknown procedure" not in r.stderr, r.stderr)

    conn = libvirt.open(s.uri)
    dom = conn.lookupByName("p")
    try:
        dom.setTime({"seconds": 1, "nseconds": 0})
        raise AssertionError("setTime unexpectedly succeeded")
    except libvirt.libvirtError as e:
        check(e.get_error_code() == libvirt.VIR_ERR_OPERATION_UNSUPPORTED, str(e))
    check(conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV) == [], "devices")
    conn.close()
    s.virsh("destroy", "p")
    r = s.virsh("dommemstat", "p", check=False)
    check(r.returncode != 0 and "not running" in r.stderr, r.stderr)


run(test)
