"""OpenStack Nova's own spawn (Debian python3-nova 26, LibvirtDriver.spawn)
against virtacrnd + acrnd supervising the acrn-dm stand-in (a test double
for the device model): images_type=raw, an image whose properties carry
kernel_id/ramdisk_id, so Nova fetches kernel and ramdisk into the instance
directory and boots them directly.  Then the instance is listed running,
powered off and on, rebooted, destroyed and undefined, and acrnd holds
nothing afterwards.  A second spawn with images_type=qcow2 must be refused
with a libvirt error naming the format.

Glance is replaced by GlanceDouble (a test double): three local files
stand in for the image service's kernel, ramdisk and root disk images."""
import os
import shutil
import subprocess
import sys

# Nova must be imported exactly like nova-compute does (eventlet first).
import nova.monkey_patch  # noqa: F401

from harness import SKIP, check, nova_conf, run  # noqa: E402

if not shutil.which("qemu-img"):
    # Nova runs qemu-img info on every image it fetches (tools/install-deps.sh)
    print("qemu-img (qemu-utils) is not installed; skipping")
    sys.exit(SKIP)

INSTANCE_UUID = "0d6b3c1a-2f4e-4a5b-9c8d-7e6f5a4b3c2d"
QCOW_UUID = "1e7c4d2b-3a5f-4b6c-8d9e-0f1a2b3c4d5e"
IMAGE_ID = "1f0e2d3c-0000-4000-8000-000000000001"
KERNEL_ID = "1f0e2d3c-0000-4000-8000-00000000000a"
RAMDISK_ID = "1f0e2d3c-0000-4000-8000-00000000000b"
# the stand-in reads its behaviour from the guest kernel command line
CMDLINE = "root=/dev/vda console=ttyS0 standin.shutdown=delay:0.2"




class GlanceDouble:
    """Test double for Nova's image API (nova.image.glance.API): image
    metadata and contents from local files instead of the Glance service."""

    def __init__(self, directory):
        self.images = {}
        os.makedirs(directory)
        # a kernel the stand-in can open, an initrd, and a raw root disk
        for image_id, name, fmt, size, props in (
                (KERNEL_ID, "vmlinuz", "aki", 8192, {}),
                (RAMDISK_ID, "initrd.img", "ari", 4096, {}),
                (IMAGE_ID, "root.raw", "raw", 4 << 20,
                 {"kernel_id": KERNEL_ID, "ramdisk_id": RAMDISK_ID,
                  "os_command_line": CMDLINE})):
            path = os.path.join(directory, name)
            with open(path, "wb") as f:
                f.write(image_id.encode() + b"\n")
                f.truncate(size)
            self.images[image_id] = (path, {
                "id": image_id, "name": name, "status": "active", "disk_format": fmt,
                "container_format": {"aki": "aki", "ari": "ari"}.get(fmt, "bare"),
                "size": size, "min_disk": 0, "min_ram": 0, "properties": props,
                "created_at": None, "updated_at": None, "deleted_at": None,
                "deleted": False, "is_public": True, "owner": "p", "checksum": None})
        self.downloads = []

    def get(self, context, image_id, include_locations=False, show_deleted=True):
        return dict(self.images[image_id][1])

    def download(self, context, image_id, data=None, dest_path=None, trusted_certs=None):
        self.downloads.append(image_id)
        shutil.copyfile(self.images[image_id][0], dest_path)


def acrnd_vm_count(s):
    r = subprocess.run(["gdbus", "call", "--address", s.bus_address, "--dest",
                        "org.acrn.Acrnd1", "--object-path", "/org/acrn/Acrnd1",
                        "--method", "org.freedesktop.DBus.ObjectManager.GetManagedObjects"],
                       capture_output=True, text=True, check=True)
    return r.stdout.count("/org/acrn/Acrnd1/vms/")


def acrnd_files(s, uuid):
    """acrnd's files (definition, runtime record) named after the VM; not
    the device model's log, which outlives the VM like libvirt's
    /var/log/libvirt/qemu/NAME.log."""
    keys = (uuid, uuid.replace("-", ""))
    return [os.path.join(r, f) for top in (s.state_dir, s.run_dir)
            for r, _, files in os.walk(top) for f in files
            if any(k in f for k in keys) and not f.endswith(".log")]


def test(s):
    d, conf = nova_conf(s)
    from unittest import mock

    import nova.conf
    import nova.config
    from nova import context as nova_context
    from nova import exception
    from nova import objects
    from nova import privsep
    from nova.compute import power_state
    from nova.db import migration
    from nova.image import glance
    from nova.network import model as network_model
    from nova.virt import fake
    from nova.virt.libvirt import driver as libvirt_driver
    from nova.virt.libvirt import host as libvirt_host

    nova.config.parse_args(["nova-compute", "--config-file", conf])
    objects.register_all()
    migration.db_sync(database="api")
    migration.db_sync(database="main")
    glance_double = GlanceDouble(os.path.join(s.dir, "glance-double"))

    drv = libvirt_driver.LibvirtDriver(fake.FakeVirtAPI(), read_only=False)
    with mock.patch.object(objects.InstanceList, "get_by_host", return_value=[]):
        drv.init_host("acrn-host")
    check(drv.list_instances() == [], "no instances yet")
    check(acrnd_vm_count(s) == 0, "acrnd holds no VM yet")

    # Every XML Nova defines, as it sent it.
    defined = []
    real_write = libvirt_host.Host.write_instance_config

    def spy_write(host, xml):
        defined.append(xml)
        return real_write(host, xml)

    ctx = nova_context.get_admin_context()
    flavor = objects.Flavor(id=1, flavorid="1", name="m1.acrn", memory_mb=256, vcpus=1,
                            root_gb=1, ephemeral_gb=0, swap=0, extra_specs={},
                            rxtx_factor=1.0, vcpu_weight=None, is_public=True, disabled=False)

    def instance(uuid, iid):
        return objects.Instance(
            context=ctx, uuid=uuid, id=iid, host="acrn-host", node="acrn-host",
            project_id="p", user_id="u", flavor=flavor, memory_mb=256, vcpus=1, root_gb=1,
            ephemeral_gb=0, kernel_id=KERNEL_ID, ramdisk_id=RAMDISK_ID, image_ref=IMAGE_ID,
            system_metadata={"image_disk_format": "raw",
                             "image_kernel_id": KERNEL_ID, "image_ramdisk_id": RAMDISK_ID,
                             "image_os_command_line": CMDLINE},
            numa_topology=None, pci_requests=None, pci_devices=objects.PciDeviceList(),
            resources=None, config_drive="", os_type=None, vm_mode=None, metadata={},
            info_cache=objects.InstanceInfoCache(network_info=network_model.NetworkInfo([])),
            trusted_certs=None, device_metadata=None, migration_context=None,
            vcpu_model=None, key_data=None, user_data=None, display_name="vm%d" % iid,
            hostname="vm%d" % iid, launched_at=None, root_device_name=None,
            ephemeral_key_uuid=None, task_state=None, vm_state="building",
            power_state=power_state.NOSTATE, new_flavor=None, old_flavor=None,
            security_groups=objects.SecurityGroupList(), tags=objects.TagList(),
            availability_zone=None)

    image_meta = objects.ImageMeta.from_dict(glance_double.get(ctx, IMAGE_ID))
    # One port of type 'tap' (Nova writes <interface type='ethernet'> with
    # the tap's name); plugging it is os-vif's and Neutron's business and is
    # mocked: the stand-in does not open tap devices.
    vif = network_model.VIF(
        id="7c3d2e1f-0a9b-4c8d-9e7f-6a5b4c3d2e1f", address="fa:16:3e:12:34:56",
        type=network_model.VIF_TYPE_TAP, devname="tap7c3d2e1f-0a", vnic_type="normal",
        network=network_model.Network(id="net1", bridge=None, label="private", subnets=[],
                                      meta={"mtu": 1450}),
        details={}, active=True)
    nwinfo = network_model.NetworkInfo([vif])
    inst = instance(INSTANCE_UUID, 1)
    inst.info_cache = objects.InstanceInfoCache(network_info=nwinfo)
    name = "instance-00000001"

    patches = [mock.patch.object(glance.API, "get", glance_double.get),
               mock.patch.object(glance.API, "download", glance_double.download),
               mock.patch.object(libvirt_host.Host, "write_instance_config", spy_write),
               mock.patch.object(objects.Instance, "save"),
               mock.patch.object(drv, "plug_vifs"), mock.patch.object(drv, "unplug_vifs"),
               mock.patch.object(drv, "_get_all_assigned_mediated_devices", return_value={})]
    for p in patches:
        p.start()
    try:
        drv.spawn(ctx, inst, image_meta, injected_files=[], admin_password=None,
                  allocations={}, network_info=nwinfo, block_device_info=None)
        check(len(defined) == 1, "spawn defined one domain")
        print("---- domain XML Nova 26 defined ----")
        print(defined[0])
        print("---- virtacrnd's warnings for it ----")
        warnings = [line for line in s.log("virtacrnd").splitlines() if "domain XML" in line]
        print("\n".join(warnings))
        # what the guest will not get is said, element by element
        for what in ("<serial><log file='%s/instances/%s/console.log'> dropped"
                     % (d, INSTANCE_UUID),
                     "<disk><driver cache='none'> dropped",
                     "<features><vmcoreinfo> dropped",
                     "<clock><timer name='pit'> dropped",
                     "<interface><mtu> dropped",
                     "ignoring <domain><sysinfo>", "ignoring <devices><memballoon>"):
            check(any(what in w for w in warnings), "virtacrnd warned: " + what)

        inst_dir = os.path.join(d, "instances", INSTANCE_UUID)
        check(sorted(glance_double.downloads) == sorted([IMAGE_ID, KERNEL_ID, RAMDISK_ID]),
              "Nova fetched image, kernel and ramdisk: %s" % glance_double.downloads)
        for f in ("kernel", "ramdisk", "disk"):
            check(os.path.exists(os.path.join(inst_dir, f)), "instance dir has " + f)
        with open(os.path.join(inst_dir, "kernel"), "rb") as f:
            check(f.read(len(KERNEL_ID)) == KERNEL_ID.encode(), "kernel is the aki image")

        check(drv.list_instances() == [name], str(drv.list_instances()))
        check(drv.get_info(inst).state == power_state.RUNNING, "spawned instance runs")
        check(s.virsh("domstate", name).stdout.strip() == "running", "virsh: running")
        check(acrnd_files(s, INSTANCE_UUID), "acrnd stored the definition")

        # what acrnd stored: the direct-boot triple and the raw disk
        stored = s.virsh("dumpxml", "--inactive", name).stdout
        for want in ("<kernel>%s/kernel</kernel>" % inst_dir,
                     "<initrd>%s/ramdisk</initrd>" % inst_dir,
                     "<cmdline>%s</cmdline>" % CMDLINE,
                     "<source file=\"%s/disk\"/>" % inst_dir):
            check(want in stored.replace("'", '"'), "acrnd stored %s: %s" % (want, stored))
        check("<interface type=\"ethernet\">" in stored.replace("'", '"') and
              "<target dev=\"tap7c3d2e1f-0a\"/>" in stored.replace("'", '"'), "interface kept")
        check("<rng model=\"virtio\">" in stored.replace("'", '"'), "acrnd kept the rng")
        # the device model was started with them
        argv = [line for line in s.log("acrnd").splitlines() if "/kernel" in line and " -r " in line]
        print("acrn-dm started as:", argv[-1] if argv else None)
        check(argv and "-r %s/ramdisk" % inst_dir in argv[-1] and ",virtio-rnd" in argv[-1] and
              ",virtio-net,tap=tap7c3d2e1f-0a,mac=fa:16:3e:12:34:56" in argv[-1],
              "acrn-dm got the initrd, the tap and virtio-rnd: %s" % argv)

        # Nova finds the console through the live XML's pty <console> (its
        # <log> file was dropped) and copies what it reads to console.log
        privsep.sys_admin_pctxt.set_client_mode(False)  # root, no privsep daemon
        out = drv.get_console_output(ctx, inst)
        check(isinstance(out, (str, bytes)), "console output: %r" % (out,))
        check(os.path.exists(os.path.join(inst_dir, "console.log")), "console.log")

        drv.power_off(inst, timeout=10, retry_interval=2)
        check(drv.get_info(inst).state == power_state.SHUTDOWN, "powered off")
        drv.power_on(ctx, inst, nwinfo)
        check(drv.get_info(inst).state == power_state.RUNNING, "powered on")

        # soft reboot: Nova shuts the guest down (ACPI) and creates it again
        drv.reboot(ctx, inst, nwinfo, "SOFT")
        check(drv.get_info(inst).state == power_state.RUNNING, "running after soft reboot")
        drv.reboot(ctx, inst, nwinfo, "HARD")
        check(drv.get_info(inst).state == power_state.RUNNING, "running after hard reboot")

        drv.destroy(ctx, inst, nwinfo, destroy_disks=True)
        check(drv.list_instances() == [], "destroyed and undefined: %s" % drv.list_instances())
        check(s.virsh("list", "--all", "--name").stdout.strip() == "", "virsh lists nothing")
        check(acrnd_vm_count(s) == 0, "acrnd holds no VM after delete")
        check(not acrnd_files(s, INSTANCE_UUID),
              "acrnd keeps no file of the instance: %s" % acrnd_files(s, INSTANCE_UUID))
        check(not os.path.exists(inst_dir), "Nova removed the instance directory")

        # A qcow2 root disk (images_type=qcow2) cannot run on acrn-dm: the
        # define is refused with a libvirt error that names the format.
        nova.conf.CONF.set_override("images_type", "qcow2", group="libvirt")
        defined.clear()
        qinst = instance(QCOW_UUID, 2)
        try:
            drv.spawn(ctx, qinst, image_meta, injected_files=[], admin_password=None,
                      allocations={}, network_info=network_model.NetworkInfo([]),
                      block_device_info=None)
            check(False, "a qcow2 disk was accepted")
        except Exception as e:  # libvirt.libvirtError, maybe wrapped by Nova
            msg = str(e)
            print("qcow2 spawn refused:", msg)
            check("qcow2" in msg, "the error names the format: " + msg)
        check(len(defined) == 1 and "type=\"qcow2\"" in defined[0],
              "Nova really sent a qcow2 disk")
        check(acrnd_vm_count(s) == 0, "nothing defined in acrnd for the qcow2 instance")
        del exception
    finally:
        for p in reversed(patches):
            p.stop()


def tcp_stack(s):
    """Makes the stack's virtacrnd listen on TCP too, and Nova use it
    (test-nova-tcp.py: the same spawn over acrn+tcp://)."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = s.write_file("tcp.conf", '[server]\nlisten_tcp = 1\nlisten_addr = "127.0.0.1"\n'
                        'tcp_port = "%d"\nauth_tcp = "none"\n' % port)
    s.start_virtacrnd(["--config", conf])
    s.nova_uri = "acrn+tcp://127.0.0.1:%d/system" % port


if os.environ.get("NOVA_SPAWN_OVER_TCP") == "1":
    def test_over_tcp(s):
        tcp_stack(s)
        test(s)
        check("connected over TCP from 127.0.0.1" in s.log("virtacrnd"),
              "Nova did not use the TCP listener")
    run(test_over_tcp, start_virtacrnd=False)
else:
    run(test)
