#!/usr/bin/env python3
"""OpenStack Nova's own LibvirtDriver on the build host spawns, powers off
and deletes an instance that runs as a real User VM in the Bochs Service VM,
over acrn+tcp://127.0.0.1:PORT/system (the second part of uvm-chain.test's
host hook, after uvm-tcp-host.py; the scenario is uvm-tcp-nova).

Glance is replaced by GlanceDouble (a test double): local files stand in for
the image service's kernel (tests/guests' pm-guest) and raw root disk
images, as in libvirt-driver/tests/test-nova-spawn.py.

The path trick: Nova writes the instance's kernel and disk into
instances_path on THIS host and names them in the domain XML, but acrn-dm
opens them in the Service VM. uvm-chain.test therefore puts the very files
Nova will write (same contents, same absolute paths under $ACRN_NOVA_DIR)
into the Service VM's disk image before boot (acrn-platform --seed).

The Service VM hands over through a domain definition (mark-nova: it saw
the instance's guest tick on its console); the waits are bounds against a
hang, not expectations of speed."""
import os
import shutil
import sys
import time

if __name__ == "__main__" and sys.argv[1:2] != ["--seed"]:
    import nova.monkey_patch  # noqa: F401  (eventlet first, as nova-compute)

INSTANCE_UUID = "0d6b3c1a-2f4e-4a5b-9c8d-7e6f5a4b3c2d"
IMAGE_ID = "1f0e2d3c-0000-4000-8000-000000000001"
KERNEL_ID = "1f0e2d3c-0000-4000-8000-00000000000a"
NAME = "instance-00000001"
# pm-guest presses nothing itself: on the ACPI power button it powers off
CMDLINE = "pm_guest.mode=button"
HANG = 1800
failed = 0


def ok(cond, text):
    global failed
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " - nova: " + text, flush=True)
    return cond


def note(text):
    for line in str(text).splitlines():
        print("# nova: " + line, flush=True)


def seed(tree, nova_dir, kernel):
    """The files Nova's spawn will write into the instance directory, at
    tree + their absolute path: acrn-platform --seed tree puts them at that
    path in the Service VM (called by uvm-chain.test before the boot)."""
    inst = os.path.join(tree + nova_dir, "instances", INSTANCE_UUID)
    os.makedirs(inst, exist_ok=True)
    shutil.copyfile(kernel, os.path.join(inst, "kernel"))
    for name, size in (("disk", 1 << 20),):
        with open(os.path.join(inst, name), "wb") as f:
            f.truncate(size)


class GlanceDouble:
    """Test double for Nova's image API: metadata and contents from local
    files instead of the Glance service."""

    def __init__(self, directory, kernel):
        self.images = {}
        os.makedirs(directory, exist_ok=True)
        # No ramdisk image: pm-guest's boot header takes no initramfs
        # (acrn-dm refuses one: "does not fit between the kernel and the
        # end of low RAM"), and Nova boots kernel_id without ramdisk_id.
        for image_id, name, fmt, props in (
                (KERNEL_ID, "vmlinuz", "aki", {}),
                (IMAGE_ID, "root.raw", "raw", {"kernel_id": KERNEL_ID,
                                               "os_command_line": CMDLINE})):
            path = os.path.join(directory, name)
            if image_id == KERNEL_ID:
                shutil.copyfile(kernel, path)
            else:
                with open(path, "wb") as f:
                    f.truncate(4096 if fmt == "ari" else 1 << 20)
            self.images[image_id] = (path, {
                "id": image_id, "name": name, "status": "active", "disk_format": fmt,
                "container_format": {"aki": "aki", "ari": "ari"}.get(fmt, "bare"),
                "size": os.path.getsize(path), "min_disk": 0, "min_ram": 0, "properties": props,
                "created_at": None, "updated_at": None, "deleted_at": None,
                "deleted": False, "is_public": True, "owner": "p", "checksum": None})

    def get(self, context, image_id, include_locations=False, show_deleted=True):
        return dict(self.images[image_id][1])

    def download(self, context, image_id, data=None, dest_path=None, trusted_certs=None):
        shutil.copyfile(self.images[image_id][0], dest_path)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--seed":
        seed(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]), sys.argv[4])
        return 0
    port = os.environ["ACRN_PLATFORM_HOSTFWD_16509"]
    nova_dir = os.environ["ACRN_NOVA_DIR"]
    kernel = os.environ["ACRN_NOVA_KERNEL"]
    rundir = os.environ.get("ACRN_PLATFORM_RUNDIR", ".")
    uri = f"acrn+tcp://127.0.0.1:{port}/system"
    work = os.path.join(rundir, "nova")
    for sub in ("state", "lock"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    conf = os.path.join(work, "nova.conf")
    with open(conf, "w") as f:
        f.write(f"""[DEFAULT]
compute_driver = libvirt.LibvirtDriver
instances_path = {nova_dir}/instances
state_path = {work}/state
my_ip = 127.0.0.1
host = acrn-host
[libvirt]
virt_type = kvm
connection_uri = {uri}
images_type = raw
use_cow_images = False
cpu_mode = none
pointer_model = ps2mouse
[compute]
# the Service VM's CPU 1 is the one acrn-dm gives to User VMs
cpu_shared_set = 1
[vnc]
enabled = False
[oslo_concurrency]
lock_path = {work}/lock
[database]
connection = sqlite:///{work}/nova.sqlite
[api_database]
connection = sqlite:///{work}/nova_api.sqlite
""")
    from unittest import mock

    import libvirt
    import nova.config
    from nova import context as nova_context
    from nova import objects
    from nova.compute import power_state
    from nova.db import migration
    from nova.image import glance
    from nova.network import model as network_model
    from nova.virt import fake
    from nova.virt.libvirt import driver as libvirt_driver

    nova.config.parse_args(["nova-compute", "--config-file", conf])
    objects.register_all()
    migration.db_sync(database="api")
    migration.db_sync(database="main")
    glance_double = GlanceDouble(os.path.join(work, "glance-double"), kernel)
    note(f"connection_uri {uri}, instances_path {nova_dir}/instances")

    drv = libvirt_driver.LibvirtDriver(fake.FakeVirtAPI(), read_only=False)
    # Nova checks cpu_shared_set against the CPUs online in the host's CPU
    # map. In the Service VM, CPU 1 is offline exactly because acrn-dm gave
    # it to the hypervisor for User VMs, so virtacrnd's map (the Service
    # VM's online CPUs) says [0] and Nova would refuse: Nova's view is
    # stubbed to the CPUs User VMs can use. (A gap of virtacrnd's
    # NODE_GET_CPU_MAP, not of the transport.)
    online = mock.patch.object(drv._host, "get_online_cpus", return_value={0, 1})
    online.start()
    with mock.patch.object(objects.InstanceList, "get_by_host", return_value=[]):
        drv.init_host("acrn-host")
    ok(NAME not in drv.list_instances(), "init_host over TCP; no instance yet")
    ctx = nova_context.get_admin_context()
    flavor = objects.Flavor(id=1, flavorid="1", name="m1.acrn", memory_mb=128, vcpus=1,
                            root_gb=1, ephemeral_gb=0, swap=0, extra_specs={},
                            rxtx_factor=1.0, vcpu_weight=None, is_public=True, disabled=False)
    inst = objects.Instance(
        context=ctx, uuid=INSTANCE_UUID, id=1, host="acrn-host", node="acrn-host",
        project_id="p", user_id="u", flavor=flavor, memory_mb=128, vcpus=1, root_gb=1,
        ephemeral_gb=0, kernel_id=KERNEL_ID, ramdisk_id="", image_ref=IMAGE_ID,
        system_metadata={"image_disk_format": "raw", "image_kernel_id": KERNEL_ID,
                         "image_os_command_line": CMDLINE},
        numa_topology=None, pci_requests=None, pci_devices=objects.PciDeviceList(),
        resources=None, config_drive="", os_type=None, vm_mode=None, metadata={},
        info_cache=objects.InstanceInfoCache(network_info=network_model.NetworkInfo([])),
        trusted_certs=None, device_metadata=None, migration_context=None,
        vcpu_model=None, key_data=None, user_data=None, display_name="vm1",
        hostname="vm1", launched_at=None, root_device_name=None,
        ephemeral_key_uuid=None, task_state=None, vm_state="building",
        power_state=power_state.NOSTATE, new_flavor=None, old_flavor=None,
        security_groups=objects.SecurityGroupList(), tags=objects.TagList(),
        availability_zone=None)
    image_meta = objects.ImageMeta.from_dict(glance_double.get(ctx, IMAGE_ID))
    patches = [mock.patch.object(glance.API, "get", glance_double.get),
               mock.patch.object(glance.API, "download", glance_double.download),
               mock.patch.object(objects.Instance, "save"),
               mock.patch.object(drv, "_get_all_assigned_mediated_devices", return_value={})]
    for p in patches:
        p.start()
    conn = libvirt.open(uri)
    try:
        t0 = time.monotonic()
        drv.spawn(ctx, inst, image_meta, injected_files=[], admin_password=None,
                  allocations={}, network_info=network_model.NetworkInfo([]),
                  block_device_info=None)
        note(f"bench: driver.spawn over TCP: {time.monotonic() - t0:.1f} s wall")
        ok(drv.get_info(inst).state == power_state.RUNNING,
           f"driver.spawn: {NAME} runs in the Service VM")
        xml = conn.lookupByName(NAME).XMLDesc(0)
        inst_dir = os.path.join(nova_dir, "instances", INSTANCE_UUID)
        ok(f"<kernel>{inst_dir}/kernel</kernel>" in xml,
           "the live XML boots the kernel Nova wrote (seeded at the same path)")
        # the Service VM read the guest's ticks on its console
        end = time.monotonic() + HANG
        while time.monotonic() < end:
            try:
                conn.lookupByName("mark-nova")
                break
            except libvirt.libvirtError:
                time.sleep(2)
        ok(time.monotonic() < end, "the Service VM says the instance's guest runs (mark-nova)")

        t0 = time.monotonic()
        drv.power_off(inst, timeout=HANG, retry_interval=HANG)
        note(f"bench: driver.power_off (ACPI, graceful) over TCP: {time.monotonic() - t0:.1f} s wall")
        ok(drv.get_info(inst).state == power_state.SHUTDOWN, "driver.power_off: shut down")
        state, reason = conn.lookupByName(NAME).state()
        ok((state, reason) == (libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN),
           f"domain state shut off (shutdown): {(state, reason)}")
        drv.destroy(ctx, inst, network_model.NetworkInfo([]), destroy_disks=True)
        ok(NAME not in drv.list_instances(), "driver.destroy: the instance is gone")
        ok(not os.path.exists(inst_dir), "Nova removed the instance directory on the host")
    finally:
        for p in reversed(patches):
            p.stop()
        conn.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
