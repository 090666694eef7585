"""The ACRN Bochs test platform: kernel fetch, Service VM initramfs, GRUB ISO
and the Bochs runner that turns a boot into TAP results."""
