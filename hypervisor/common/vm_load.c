// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loading the Service VM: its Linux kernel (module 0) and initrd (module 1)
 * are placed in its RAM, boot_params and the boot GDT and page tables are
 * built in low memory.
 */
#include "hv.h"
#include "cmdline.h"
#include "vm_load.h"
#include "linux_boot.h"
#include "prelaunch.h"

void build_guest_lowmem_at(u64 ram_base, bool rsdp_copy)
{
	u64 *gdt = phys_to_virt(ram_base + GUEST_GDT), *pml4 = phys_to_virt(ram_base + GUEST_PML4);
	u64 *pdpt = pml4 + 512, *pd = pml4 + 1024;
	u32 i;

	memset(gdt, 0, GUEST_LOWMEM_END - GUEST_GDT);
	gdt[2] = 0x00af9a000000ffffULL; /* __BOOT_CS */
	gdt[3] = 0x00cf92000000ffffULL; /* __BOOT_DS */
	/* lgdt operand for the native jump */
	*(u16 *)phys_to_virt(ram_base + GUEST_GDT_DESC) = 0x1f;
	*(u64 *)phys_to_virt(ram_base + GUEST_GDT_DESC + 2) = GUEST_GDT;
	/* a copy of the RSDP Linux can be pointed at */
	if (rsdp_copy)
		memcpy(phys_to_virt(ram_base + GUEST_RSDP_COPY), hv.boot.rsdp, hv.boot.rsdp_len);
	/* guest-physical addresses: the tables are the guest's */
	pml4[0] = (GUEST_PML4 + 4096) | 3;
	for (i = 0; i < 4; i++)
		pdpt[i] = (GUEST_PML4 + 8192 + i * 4096) | 3;
	for (i = 0; i < 2048; i++)
		pd[i] = ((u64)i << 21) | 0x83;
}

void build_guest_lowmem(void)
{
	build_guest_lowmem_at(0, true);
}

int sos_prepare(const struct e820_map *mmap, u64 *ret_entry)
{
	struct boot_info *bi = &hv.boot;
	struct boot_module *km = &bi->mods[0];
	struct linux_image li;
	u64 initrd = 0, initrd_size = 0, rsdp_pa = 0;
	char *cmd = phys_to_virt(GUEST_CMDLINE);
	int ret, n;
	u32 i;
	static const char *const fmt_names[] = {"bzImage", "ELF vmlinux", "flat binary"};

	if (bi->nr_modules < 1) {
		pr_err("no Service VM kernel: add 'module2 /boot/<kernel> <cmdline>' to GRUB\n");
		return -HV_ENOENT;
	}
	if (!e820_is_ram(mmap, GUEST_SELFTEST_CODE, GUEST_LOWMEM_END)) {
		pr_err("low memory 0x%llx-0x%llx is not RAM\n",
		       (unsigned long long)GUEST_SELFTEST_CODE,
		       (unsigned long long)GUEST_LOWMEM_END);
		return -HV_ENOMEM;
	}
	ret = linux_inspect(phys_to_virt(km->start), km->end - km->start, &li);
	if (ret) {
		pr_err("module 0 is not a usable Linux kernel (%d)\n", ret);
		return ret;
	}
	pr_info("Service VM kernel: %s, %llu bytes, load %llx (+%llx), entry %llx\n",
		fmt_names[li.format], (unsigned long long)li.image_len,
		(unsigned long long)li.load_addr, (unsigned long long)li.mem_size,
		(unsigned long long)li.entry);
	if (!e820_is_ram(mmap, li.load_addr, li.load_addr + li.mem_size)) {
		pr_err("kernel range %llx-%llx is not free RAM\n", (unsigned long long)li.load_addr,
		       (unsigned long long)(li.load_addr + li.mem_size));
		return -HV_ENOMEM;
	}
	/* module 1 is the initrd unless it is a pre-launched VM's kernel */
	if (bi->nr_modules >= 2 && !prelaunch_is_module(&bi->mods[1])) {
		struct boot_module *im = &bi->mods[1];
		u64 floor = MAX(li.load_addr + li.mem_size, km->end);
		u64 limit = MIN(li.initrd_max ? li.initrd_max + 1 : GiB(4), GiB(4));

		initrd_size = im->end - im->start;
		ret = e820_find_top(mmap, initrd_size, 4096, floor, limit, &initrd);
		if (ret) {
			pr_err("no room for the %llu-byte initrd\n",
			       (unsigned long long)initrd_size);
			return ret;
		}
		/* move it first: the kernel's destination may cover its source */
		memmove(phys_to_virt(initrd), phys_to_virt(im->start), initrd_size);
		pr_info("initrd: %llu bytes at %llx\n", (unsigned long long)initrd_size,
			(unsigned long long)initrd);
	}
	ret = linux_place(&li, phys_to_virt);
	if (ret)
		return ret;

	n = (int)hv_strlcpy(cmd, cmdline_skip_path(km->string), 2048);
	if (!hv.opt.native && n < 2000)
		n += hv_snprintf(cmd + n, 2048 - n, " acrn_hv_mem=0x%llx-0x%llx",
				 (unsigned long long)hv.hv_start, (unsigned long long)hv.hv_end);
	/* where the pre-launched VMs' RAM is (tests aim at it; the Service VM has none of it) */
	for (i = 0; i < hv.nr_hidden && n < 2000; i++)
		n += hv_snprintf(
		    cmd + n, 2048 - n, "%s0x%llx-0x%llx",
		    i ? "," : " acrn_prelaunched_mem=", (unsigned long long)hv.hidden[i].start,
		    (unsigned long long)hv.hidden[i].end);
	build_guest_lowmem();
	if (hv.boot.rsdp_len)
		rsdp_pa = GUEST_RSDP_COPY;
	ret = linux_build_boot_params(phys_to_virt(GUEST_BOOT_PARAMS), &li, mmap, GUEST_CMDLINE,
				      (u32)strlen(cmd), initrd, initrd_size, rsdp_pa);
	if (ret)
		return ret;
	pr_info("Service VM command line: %s\n", cmd);
	*ret_entry = li.entry;
	return 0;
}
