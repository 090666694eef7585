"""Procedures that used to answer "unknown procedure" get clean answers
(issue 13, item 15), through stock virsh and python-libvirt: reset,
vcpucount, setvcpus/setmem on an inactive domain (and a clear refusal on a
running one), dommemstat, domblkinfo, domstats, domcapabilities, sysinfo,
nodedev-list and virDomainSetTime (Nova)."""
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

    # domstats: state, balloon, vcpu and block, for one domain or a listing
    r = s.virsh("domstats", "p")
    check(r.stdout.startswith("Domain: 'p'"), r.stdout)
    for line in ("state.state=1", "state.reason=1", "balloon.current=262144",
                 "balloon.maximum=262144", "vcpu.current=1", "vcpu.maximum=1",
                 "block.count=1", "block.0.name=vda", "block.0.path=" + img,
                 "block.0.capacity=1048576"):
        check(re.search(r"^\s+%s$" % re.escape(line), r.stdout, re.M), line + ": " + r.stdout)
    r = s.virsh("domstats", "--state", "--list-active")
    check(re.search(r"^Domain: 'p'$", r.stdout, re.M) and "balloon." not in r.stdout and
          "block." not in r.stdout, r.stdout)
    check("Domain:" not in s.virsh("domstats", "--list-inactive").stdout, "p is active")
    r = s.virsh("domstats", "--cpu-total", "--enforce", "p", check=False)
    check(r.returncode != 0 and "not supported" in r.stderr, r.stderr)
    r = s.virsh("domstats", "--cpu-total", "p")
    check(r.stdout.strip() == "Domain: 'p'", "unsupported groups are left out: " + r.stdout)
    r = s.virsh("domstats", "nosuch", check=False)
    check(r.returncode != 0 and "failed to get domain" in r.stderr.lower(), r.stderr)

    # domcapabilities: the capabilities' one guest
    r = s.virsh("domcapabilities")
    check("<path>/usr/bin/acrn-dm</path>" in r.stdout and "<arch>x86_64</arch>" in r.stdout and
          "<disk supported='yes'>" in r.stdout and "<loader supported='no'/>" in r.stdout,
          r.stdout)
    r = s.virsh("domcapabilities", "--virttype", "kvm", "--arch", "x86_64", "--machine", "pc")
    check("<domain>kvm</domain>" in r.stdout, r.stdout)
    for args in (("--arch", "aarch64"), ("--machine", "q35"), ("--virttype", "xen"),
                 ("--emulatorbin", "/usr/bin/qemu-system-x86_64")):
        r = s.virsh("domcapabilities", *args, check=False)
        check(r.returncode != 0 and "not supported" in r.stderr, " ".join(args) + r.stderr)

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
