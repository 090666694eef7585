"""OpenStack Nova's own LibvirtDriver (Debian python3-nova 26, sqlite, no
other OpenStack service) against virtacrnd + acrnd: init_host,
get_available_resource, then pause/unpause/power_off/power_on/destroy of a
VM defined through virtacrnd, plus suspend/resume (managed save, whose
ACRN equivalent is guest S3)."""
import os
import sys

# Nova must be imported exactly like nova-compute does (eventlet first).
import nova.monkey_patch  # noqa: F401

from harness import check, nova_conf, run  # noqa: E402

INSTANCE_UUID = "6c1f2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f"




def test(s):
    d, conf = nova_conf(s)
    from unittest import mock

    import nova.conf
    import nova.config
    from nova import context as nova_context
    from nova import objects
    from nova.compute import power_state
    from nova.db import migration
    from nova.network import model as network_model
    from nova.virt import fake
    from nova.virt.libvirt import driver as libvirt_driver

    nova.config.parse_args(["nova-compute", "--config-file", conf])
    objects.register_all()
    migration.db_sync(database="api")
    migration.db_sync(database="main")

    drv = libvirt_driver.LibvirtDriver(fake.FakeVirtAPI(), read_only=False)
    with mock.patch.object(objects.InstanceList, "get_by_host", return_value=[]):
        drv.init_host("acrn-host")
    res = drv.get_available_resource("acrn-host")
    print("get_available_resource:", {k: res[k] for k in ("vcpus", "memory_mb", "hypervisor_type",
                                                          "hypervisor_version", "cpu_info")})
    check(res["vcpus"] >= 1 and res["memory_mb"] > 0, str(res))
    check(res["hypervisor_type"] == "ACRN", res["hypervisor_type"])
    check(res["hypervisor_version"] >= 4002000, str(res["hypervisor_version"]))
    check(drv.list_instances() == [], "no instances yet")

    # The instance's VM, defined through virtacrnd with a kernel Nova's
    # regenerated XML will also use (instance.kernel_id below).
    inst_dir = os.path.join(d, "instances", INSTANCE_UUID)
    os.makedirs(inst_dir)
    kernel = os.path.join(inst_dir, "kernel")
    with open(kernel, "wb") as f:
        f.write(b"\0" * 4096)
    with open(os.path.join(inst_dir, "disk"), "wb") as f:
        f.truncate(1 << 20)
    xml = s.vm_xml("instance-00000001", uuid=INSTANCE_UUID, domain_type="kvm",
                   kernel_args="standin.shutdown=delay:0.2").replace(s.kernel, kernel)
    s.virsh("define", s.write_file("inst.xml", xml))
    s.virsh("start", "instance-00000001")

    ctx = nova_context.get_admin_context()
    flavor = objects.Flavor(id=1, flavorid="1", name="m1.acrn", memory_mb=256, vcpus=1,
                            root_gb=1, ephemeral_gb=0, swap=0, extra_specs={},
                            rxtx_factor=1.0, vcpu_weight=None, is_public=True, disabled=False)
    inst = objects.Instance(
        context=ctx, uuid=INSTANCE_UUID, id=1, host="acrn-host", node="acrn-host",
        project_id="p", user_id="u", flavor=flavor, memory_mb=256, vcpus=1, root_gb=1,
        ephemeral_gb=0, kernel_id="k1", ramdisk_id="", image_ref="img",
        system_metadata={"image_disk_format": "raw", "image_os_command_line": "console=ttyS0 "
                         "standin.shutdown=delay:0.2"},
        numa_topology=None, pci_requests=None, pci_devices=objects.PciDeviceList(),
        resources=None, config_drive="", os_type=None, vm_mode=None, metadata={},
        info_cache=objects.InstanceInfoCache(network_info=network_model.NetworkInfo([])),
        trusted_certs=None, device_metadata=None, migration_context=None, vcpu_model=None,
        key_data=None, user_data=None, display_name="vm", hostname="vm", launched_at=None)
    check(drv.list_instances() == ["instance-00000001"], str(drv.list_instances()))
    check(drv.get_info(inst).state == power_state.RUNNING, "running")

    drv.pause(inst)
    check(drv.get_info(inst).state == power_state.PAUSED, "paused: %s %s" % (drv.get_info(inst).state, s.virsh("domstate", "instance-00000001").stdout))
    drv.unpause(inst)
    check(drv.get_info(inst).state == power_state.RUNNING, "unpaused")

    drv.power_off(inst, timeout=10, retry_interval=2)
    check(drv.get_info(inst).state == power_state.SHUTDOWN, "powered off")

    # power_on is Nova's hard reboot: undefine, regenerate XML, define, start
    with mock.patch.object(objects.Instance, "save"), \
            mock.patch.object(drv, "plug_vifs"), \
            mock.patch.object(drv, "_get_all_assigned_mediated_devices", return_value={}):
        drv.power_on(ctx, inst, network_model.NetworkInfo([]))
    check(drv.get_info(inst).state == power_state.RUNNING, "powered on")
    r = s.virsh("dumpxml", "instance-00000001")
    check("OpenStack" in r.stdout or "nova:" in r.stdout, "Nova's own XML is in use: " + r.stdout)

    # suspend is a managed save; on ACRN the guest sleeps in S3 inside its
    # device model, and libvirt clients see the domain shut off with an image
    with mock.patch.object(drv, "_detach_pci_devices"), \
            mock.patch.object(drv, "_detach_direct_passthrough_ports"), \
            mock.patch.object(drv, "_detach_mediated_devices"):
        drv.suspend(ctx, inst)
    check(drv.get_info(inst).state == power_state.SHUTDOWN, "saved: shut off, as with libvirt")
    check(s.virsh("domstate", "--reason", "instance-00000001").stdout.strip() ==
          "shut off (saved)", "managed save")
    # resume re-defines the XML it reads back (unchanged) and starts the domain
    with mock.patch.object(drv, "plug_vifs"), \
            mock.patch.object(drv, "_attach_pci_devices"), \
            mock.patch.object(drv, "_attach_direct_passthrough_ports"), \
            mock.patch.object(drv, "_attach_mediated_devices"):
        drv.resume(ctx, inst, network_model.NetworkInfo([]))
    check(drv.get_info(inst).state == power_state.RUNNING, "resumed")

    with mock.patch.object(objects.Instance, "save"):
        drv.destroy(ctx, inst, network_model.NetworkInfo([]), destroy_disks=False)
    check(drv.list_instances() == [], "destroyed and undefined: %s" % drv.list_instances())


run(test)
