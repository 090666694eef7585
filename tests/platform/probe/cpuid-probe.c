/*
 * cpuid-probe: prints what the CPU (or the hypervisor under it) reports in
 * the CPUID leaves the platform tests check, as shell-safe key=value lines
 * (scenarios `eval` them). Built -static so the initramfs needs no libc.
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

static void cpuid(unsigned int leaf, unsigned int r[4])
{
	__cpuid_count(leaf, 0, r[0], r[1], r[2], r[3]);
}

/* Non-printable signature bytes become '.', so the output is always eval-safe. */
static void signature(const unsigned int regs[3], char out[13])
{
	memcpy(out, regs, 12);
	for (int i = 0; i < 12; i++)
		if (out[i] < 0x21 || out[i] > 0x7e || out[i] == '\'')
			out[i] = '.';
	out[12] = '\0';
}

int main(void)
{
	unsigned int r[4], max_hv;
	char sig[13];

	cpuid(1, r);
	printf("leaf1_ecx=0x%08x\n", r[2]);
	printf("leaf1_vmx=%u\n", (r[2] >> 5) & 1);
	printf("leaf1_hypervisor=%u\n", (r[2] >> 31) & 1);

	cpuid(0x40000000, r);
	max_hv = r[0];
	signature(&r[1], sig);
	printf("hv_max_leaf=0x%08x\n", max_hv);
	printf("hv_signature='%s'\n", sig);

	/* Without a hypervisor these leaves alias the highest basic leaf: print anyway. */
	cpuid(0x40000001, r);
	printf("hv_features=0x%08x\n", r[0]);
	printf("hv_privileged=%u\n", r[0] & 1);

	cpuid(0x40000010, r);
	printf("hv_tsc_khz=%u\n", r[0]);
	return 0;
}
