"""The bootable GRUB ISO (BIOS, grub-mkrescue) holding the whole stack."""
import os
import shutil
import subprocess
import tempfile

from .util import PlatformError, log

SVM_CMDLINE = "console=ttyS0,115200 nokaslr quiet mitigations=off panic=-1"

# How the ISO boots:
#   hv     - GRUB multiboot2-loads the hypervisor; module 0 = kernel, module 1 = initrd
#   linux  - GRUB boots the bzImage itself (no hypervisor; slow xz decompression)
MODES = ("hv", "linux")


def grub_cfg(mode, hv_cmdline, svm_cmdline, kernel_name, with_modules=True, prelaunch=()):
	"""prelaunch: module option strings ("name=... mem=... [-- cmdline]") of
	pre-launched VMs, whose kernels are /boot/prelaunch<i> (hv mode only)."""
	lines = [
		"set timeout=0",
		"set default=0",
		"serial --unit=0 --speed=115200",
		"terminal_input serial",
		"terminal_output serial",
		'menuentry "ACRN" {',
	]
	if mode == "hv":
		lines.append(f"\tmultiboot2 /boot/acrn.elf {hv_cmdline}".rstrip())
		if with_modules:  # the selftest ISO carries only the hypervisor
			lines += [
				f"\tmodule2 /boot/{kernel_name} {svm_cmdline}".rstrip(),
				"\tmodule2 /boot/initrd",
			]
		lines += [f"\tmodule2 /boot/prelaunch{i} prelaunched_vm {opts}".rstrip()
			  for i, opts in enumerate(prelaunch)]
	elif mode == "linux":
		lines += [
			f"\tlinux /boot/{kernel_name} {svm_cmdline}".rstrip(),
			"\tinitrd /boot/initrd",
		]
	else:
		raise PlatformError(f"unknown ISO mode {mode}")
	lines += ["\tboot", "}", ""]
	return "\n".join(lines)


def _link_or_copy(src, dst):
	try:
		os.link(src, dst)
	except OSError:
		shutil.copy2(src, dst)


def build(out, kernel_file, initrd, mode="hv", hv_elf=None, hv_cmdline="",
	  svm_cmdline=SVM_CMDLINE, kernel_name=None, extra_trees=(), prelaunch=()):
	"""extra_trees: (directory, name in the ISO root) pairs, e.g. the user space
	that the Service VM mounts from the CD instead of GRUB loading it.
	prelaunch: (kernel file, module options) of pre-launched VMs."""
	if mode == "hv" and not (hv_elf and os.path.exists(hv_elf)):
		raise PlatformError(f"hypervisor ELF not found: {hv_elf} (build hypervisor/ first)")
	kernel_name = kernel_name or ("vmlinuz" if mode == "linux" else "vmlinux")
	with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(out))) as tmp:
		boot = os.path.join(tmp, "boot")
		os.makedirs(os.path.join(boot, "grub"))
		# Hard links keep the 37 MB kernel from being copied for every ISO.
		files = [(kernel_file, kernel_name), (initrd, "initrd"), (hv_elf, "acrn.elf")]
		files += [(src, f"prelaunch{i}") for i, (src, _) in enumerate(prelaunch)]
		for src, name in files:
			if src is None:
				continue
			dst = os.path.join(boot, name)
			try:
				os.link(src, dst)
			except OSError:
				shutil.copyfile(src, dst)
		for src, name in extra_trees:
			shutil.copytree(src, os.path.join(tmp, name), symlinks=True, copy_function=_link_or_copy)
		cfg = grub_cfg(mode, hv_cmdline, svm_cmdline, kernel_name, with_modules=kernel_file is not None,
			       prelaunch=[opts for _, opts in prelaunch])
		with open(os.path.join(boot, "grub", "grub.cfg"), "w") as f:
			f.write(cfg)
		res = subprocess.run(["grub-mkrescue", "-o", out + ".tmp", tmp],
				     capture_output=True, text=True)
		if res.returncode != 0:
			raise PlatformError(f"grub-mkrescue failed:\n{res.stderr}")
		os.rename(out + ".tmp", out)
	log(f"ISO {out}: {os.path.getsize(out) / 1e6:.1f} MB ({mode})")
	return cfg
