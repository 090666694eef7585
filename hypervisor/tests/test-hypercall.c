// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the hypercall entry's parameter checks.  The "guest RAM" is
 * a buffer of this process: the Service VM is identity-mapped, so its e820
 * here simply lists the buffer's address as RAM.  The hypervisor's logging
 * is a test double that drops messages.
 */
#include <glib.h>
#include <stdlib.h>
#include "hv.h"
#include "hc_vm.h"
#include "hc_user_vm.h"
#include "hypercall.h"
#include "vm.h"

struct hv_state hv;
static struct vm sos;
int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

/* the VM lifecycle has its own test (test-vm-lifecycle): stand-ins here */
s64 hc_create_vm(struct vcpu *v, u64 p1, u64 p2)
{
	(void)v;
	(void)p1;
	(void)p2;
	return -HV_EIO;
}

s64 hc_destroy_vm(struct vcpu *v, u64 p1, u64 p2)
{
	(void)v;
	(void)p1;
	(void)p2;
	return -HV_EIO;
}

s64 hc_pause_vm(struct vcpu *v, u64 p1, u64 p2)
{
	(void)v;
	(void)p1;
	(void)p2;
	return -HV_EIO;
}

s64 hc_reset_vm(struct vcpu *v, u64 p1, u64 p2)
{
	(void)v;
	(void)p1;
	(void)p2;
	return -HV_EIO;
}

/* ... and so have the User VM hypercalls */
#define STAND_IN(name)                                                                             \
	s64 name(struct vcpu *v, u64 p1, u64 p2)                                                   \
	{                                                                                          \
		(void)v;                                                                           \
		(void)p1;                                                                          \
		(void)p2;                                                                          \
		return -HV_EIO;                                                                    \
	}
STAND_IN(hc_start_vm)
STAND_IN(hc_set_vcpu_regs)
STAND_IN(hc_set_memory_regions)
STAND_IN(hc_gpa2hpa)
STAND_IN(hc_set_ioreq_buffer)
STAND_IN(hc_notify_request_finish)
STAND_IN(hc_set_irqline)
STAND_IN(hc_inject_msi)
STAND_IN(hc_pm_get_cpu_state)
STAND_IN(hc_service_vm_offline_cpu)

#define HC_GET_API_VERSION 0x80000000ULL
#define RAM_SIZE	   0x4000

static u8 *ram;	  /* Service VM RAM */
static u8 *hvmem; /* stands for the hypervisor's range */

static void setup(void)
{
	ram = aligned_alloc(4096, RAM_SIZE);
	hvmem = aligned_alloc(4096, 4096);
	memset(ram, 0xaa, RAM_SIZE);
	memset(hvmem, 0xbb, 4096);
	memset(&hv, 0, sizeof(hv));
	hv.hv_start = (u64)(uintptr_t)hvmem;
	hv.hv_end = hv.hv_start + 4096;
	memset(&sos, 0, sizeof(sos));
	e820_add(&sos.mmap, (u64)(uintptr_t)ram, RAM_SIZE, E820_RAM);
	e820_add(&sos.mmap, hv.hv_start, 4096, E820_RESERVED);
	e820_normalize(&sos.mmap);
	sos.type = VM_SERVICE;
	sos.flags = VM_FLAG_PRIVILEGED | VM_FLAG_HYPERCALLS;
	sos.nr_vcpus = 1;
	sos.vcpu[0].vm = &sos;
}

static s64 call(u64 id, u64 p1)
{
	return hypercall_dispatch(&sos.vcpu[0], id, p1, 0);
}

static bool untouched(const u8 *p, u8 fill, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != fill)
			return false;
	return true;
}

static void test_api_version(void)
{
	u64 gpa = (u64)(uintptr_t)ram + 0x100;
	u32 ver[2];

	g_assert_cmpint(call(HC_GET_API_VERSION, gpa), ==, 0);
	memcpy(ver, ram + 0x100, sizeof(ver));
	g_assert_cmpuint(ver[0], ==, 1);
	g_assert_cmpuint(ver[1], ==, 0);
	/* the last 8 bytes of RAM are fine too */
	g_assert_cmpint(call(HC_GET_API_VERSION, (u64)(uintptr_t)ram + RAM_SIZE - 8), ==, 0);
}

static void test_bad_pointers(void)
{
	u64 base = (u64)(uintptr_t)ram;

	memset(ram, 0xaa, RAM_SIZE);
	/* unaligned */
	g_assert_cmpint(call(HC_GET_API_VERSION, base + 0x101), ==, -HV_EINVAL);
	g_assert_cmpint(call(HC_GET_API_VERSION, base + 0x104), ==, -HV_EINVAL);
	/* straddling the end of RAM, past it, null, far out of range, wrapping */
	g_assert_cmpint(call(HC_GET_API_VERSION, base + RAM_SIZE - 4), ==, -HV_EINVAL);
	g_assert_cmpint(call(HC_GET_API_VERSION, base + RAM_SIZE), ==, -HV_EINVAL);
	g_assert_cmpint(call(HC_GET_API_VERSION, 0), ==, -HV_EINVAL);
	g_assert_cmpint(call(HC_GET_API_VERSION, 1ULL << 52), ==, -HV_EINVAL);
	g_assert_cmpint(call(HC_GET_API_VERSION, ~7ULL), ==, -HV_EINVAL);
	g_assert_true(untouched(ram, 0xaa, RAM_SIZE));
	/* the hypervisor's memory, even if the e820 wrongly called it RAM */
	g_assert_cmpint(call(HC_GET_API_VERSION, hv.hv_start), ==, -HV_EINVAL);
	e820_set_type(&sos.mmap, hv.hv_start, hv.hv_end, E820_RAM);
	g_assert_cmpint(call(HC_GET_API_VERSION, hv.hv_start + 8), ==, -HV_EINVAL);
	e820_set_type(&sos.mmap, hv.hv_start, hv.hv_end, E820_RESERVED);
	g_assert_true(untouched(hvmem, 0xbb, 4096));
}

static void test_bad_ids(void)
{
	u64 gpa = (u64)(uintptr_t)ram;

	g_assert_cmpint(call(0x800000ee, gpa), ==, -HV_ENOTTY);
	g_assert_cmpint(call(0x81000000, gpa), ==, -HV_ENOTTY);
	g_assert_cmpint(call(0x80000100, gpa), ==, -HV_ENOTTY);
	g_assert_cmpint(call(0x180000000ULL, gpa), ==, -HV_ENOTTY);
	g_assert_cmpint(call(0, gpa), ==, -HV_ENOTTY);
	g_assert_cmpint(call(~0ULL, gpa), ==, -HV_ENOTTY);
	/* a VM without the hypercall ABI may not call at all */
	sos.flags = VM_FLAG_PRIVILEGED;
	g_assert_cmpint(call(HC_GET_API_VERSION, gpa), ==, -HV_EPERM);
	sos.flags = VM_FLAG_PRIVILEGED | VM_FLAG_HYPERCALLS;
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	setup();
	g_test_add_func("/hypercall/api-version", test_api_version);
	g_test_add_func("/hypercall/bad-pointers", test_bad_pointers);
	g_test_add_func("/hypercall/bad-ids", test_bad_ids);
	return g_test_run();
}
