// SPDX-License-Identifier: BSD-3-Clause
/*
 * The Service VM's power and reset traps and the hidden hypervisor UART,
 * registered as port handlers.  Its other ports pass through.
 */
#include "hv.h"
#include "service_vm.h"
#include "io_emul.h"
#include "power.h"
#include "vm.h"
#include "vmexit.h"

#define PORT_RESET_CONTROL 0xcf9
#define RESET_CONTROL_RST  (1U << 2)
#define PORT_I8042_CMD	   0x64
#define I8042_PULSE_RESET  0xfe
#define COM1_PORT	   0x3f8
#define UART_PORTS	   8

static void service_vm_reset(void)
{
	hv_printf("ACRN-HV: platform reset\n");
	platform_reset();
}

/* PM1a_CNT (2 ports): SLP_EN with \_S5's SLP_TYP powers the platform off. */
static int pm1a_cnt(struct vcpu *v, struct io_access *a, void *ctx)
{
	if (a->write && (a->addr == hv.acpi.pm1a_cnt || a->size == 1)) {
		u32 cnt = a->addr == hv.acpi.pm1a_cnt ? (u32)a->value : (u32)a->value << 8;

		if (pm1a_write_is_s5(cnt)) {
			print_exit_stats(v->vm);
			hv_printf("ACRN-HV: platform poweroff\n");
			platform_poweroff();
		}
	}
	return pio_passthrough(v, a, ctx);
}

/* 0xCF9 (bit 2 resets) and the FADT reset register (its reset value resets). */
static int reset_port(struct vcpu *v, struct io_access *a, void *ctx)
{
	if (a->write && ((a->addr == PORT_RESET_CONTROL && (a->value & RESET_CONTROL_RST)) ||
			 (a->addr != PORT_RESET_CONTROL && a->value == hv.acpi.reset_value)))
		service_vm_reset();
	return pio_passthrough(v, a, ctx);
}

/* i8042 pulse-reset: Linux's second reboot method after ACPI. */
static int i8042_cmd(struct vcpu *v, struct io_access *a, void *ctx)
{
	if (a->write && (a->value & 0xff) == I8042_PULSE_RESET)
		service_vm_reset();
	return pio_passthrough(v, a, ctx);
}

/* The hypervisor's own UART: reads as nothing there, writes dropped. */
static int hidden_uart(struct vcpu *v, struct io_access *a, void *ctx)
{
	(void)v;
	(void)ctx;
	if (!a->write)
		a->value = ~0ULL;
	return 0;
}

int service_vm_register_io(struct vm *vm)
{
	u16 uart = console_port();
	int ret = 0;

	vm->pio_default = pio_passthrough;
	if (hv.acpi.pm1a_cnt)
		ret = pio_register(vm, hv.acpi.pm1a_cnt, 2, pm1a_cnt, NULL);
	/* seen, passed through */
	if (!ret && hv.acpi.pm1b_cnt)
		ret = pio_register(vm, hv.acpi.pm1b_cnt, 2, pio_passthrough, NULL);
	if (!ret)
		ret = pio_register(vm, PORT_RESET_CONTROL, 1, reset_port, NULL);
	if (!ret)
		ret = pio_register(vm, PORT_I8042_CMD, 1, i8042_cmd, NULL);
	if (!ret && hv.acpi.reset_supported && hv.acpi.reset_space == ACPI_SPACE_IO &&
	    hv.acpi.reset_addr != PORT_RESET_CONTROL)
		ret = pio_register(vm, (u32)hv.acpi.reset_addr, 1, reset_port, NULL);
	/* COM1 is shared with the Service VM; any other hypervisor UART is hidden */
	if (!ret && uart && uart != COM1_PORT)
		ret = pio_register(vm, uart, UART_PORTS, hidden_uart, NULL);
	return ret;
}
