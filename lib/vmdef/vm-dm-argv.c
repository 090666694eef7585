/* The one place that turns a VM definition into an acrn-dm command line
 * (upstream acrn-dm's options; ours and the mapping are documented in
 * docs/vm-definition.md and docs/dm-control-protocol.md). */
#include "config.h"

#include <string.h>

#include "vm-definition.h"

#define HOSTBRIDGE_SLOT 0
#define LPC_SLOT	1
#define FIRST_AUTO_SLOT 2
#define LAST_SLOT	31

static void add(GPtrArray *argv, const char *a, const char *b)
{
	g_ptr_array_add(argv, g_strdup(a));
	if (b)
		g_ptr_array_add(argv, g_strdup(b));
}

static void add_take(GPtrArray *argv, const char *a, char *b)
{
	g_ptr_array_add(argv, g_strdup(a));
	g_ptr_array_add(argv, b);
}

/* Explicit <address slot> values are honoured; the remaining devices get the
 * lowest free slots in document order (disks, then interfaces, then the
 * random number device), so the slot of a disk stays stable as long as the
 * devices before it do. */
static gboolean assign_slots(const AcrnVmDef *def, int *disk_slots, int *net_slots, int *rng_slot,
			     GError **error)
{
	const char *owner[LAST_SLOT + 1] = {"the host bridge", "the LPC bridge"};
	int next = FIRST_AUTO_SLOT;

	for (guint i = 0; i < def->disks->len; i++) {
		const AcrnVmDisk *d = def->disks->pdata[i];

		disk_slots[i] = d->pci_slot;
		if (d->pci_slot < 0)
			continue;
		if (owner[d->pci_slot]) {
			g_set_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_INVALID,
				    "<disk> '%s' <address>: PCI slot %d is already used by %s",
				    d->target, d->pci_slot, owner[d->pci_slot]);
			return FALSE;
		}
		owner[d->pci_slot] = d->target;
	}
	for (guint i = 0; i < def->nets->len; i++) {
		const AcrnVmNet *n = def->nets->pdata[i];

		net_slots[i] = n->pci_slot;
		if (n->pci_slot < 0)
			continue;
		if (owner[n->pci_slot]) {
			g_set_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_INVALID,
				    "<interface> '%s' <address>: PCI slot %d is already used by %s",
				    n->tap, n->pci_slot, owner[n->pci_slot]);
			return FALSE;
		}
		owner[n->pci_slot] = n->tap;
	}
	*rng_slot = def->rng ? def->rng_pci_slot : -1;
	if (def->rng && def->rng_pci_slot >= 0) {
		if (owner[def->rng_pci_slot]) {
			g_set_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_INVALID,
				    "<rng> <address>: PCI slot %d is already used by %s",
				    def->rng_pci_slot, owner[def->rng_pci_slot]);
			return FALSE;
		}
		owner[def->rng_pci_slot] = "the random number device";
	}
	for (guint i = 0; i < def->disks->len + def->nets->len + (def->rng ? 1 : 0); i++) {
		int *slot = i < def->disks->len			   ? &disk_slots[i]
			    : i < def->disks->len + def->nets->len ? &net_slots[i - def->disks->len]
								   : rng_slot;

		if (*slot >= 0)
			continue;
		while (next <= LAST_SLOT && owner[next])
			next++;
		if (next > LAST_SLOT) {
			g_set_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_INVALID,
				    "<devices>: more devices than free PCI slots (%d..%d)",
				    FIRST_AUTO_SLOT, LAST_SLOT);
			return FALSE;
		}
		owner[next] = "auto";
		*slot = next;
	}
	return TRUE;
}

static char *console_backend(const AcrnVmConsole *c)
{
	switch (c->type) {
	case ACRN_VM_CONSOLE_PTY:
		return g_strdup("com1,pty");
	case ACRN_VM_CONSOLE_STDIO:
		return g_strdup("com1,stdio");
	case ACRN_VM_CONSOLE_FILE:
		return g_strdup_printf("com1,file:%s", c->path);
	case ACRN_VM_CONSOLE_TCP:
		return g_strdup_printf("com1,tcp:%u", c->port);
	case ACRN_VM_CONSOLE_NONE:
		break;
	}
	return NULL;
}

char **acrn_vm_def_to_dm_argv(const AcrnVmDef *def, const AcrnDmArgvOptions *opts, GError **error)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree int *disk_slots = g_new0(int, def->disks->len + 1);
	g_autofree int *net_slots = g_new0(int, def->nets->len + 1);
	int rng_slot = -1;

	g_return_val_if_fail(opts && opts->dm_path, NULL);

	if (!assign_slots(def, disk_slots, net_slots, &rng_slot, error))
		return NULL;

	add(argv, opts->dm_path, NULL);
	/* acrn-dm takes whole MiB; round up so the guest never gets less. */
	add_take(
	    argv, "-m",
	    g_strdup_printf("%" G_GUINT64_FORMAT "M", (def->memory_bytes + (1 << 20) - 1) >> 20));
	if (def->cpu_affinity->len) {
		GString *cpus = g_string_new(NULL);

		for (guint i = 0; i < def->cpu_affinity->len; i++)
			g_string_append_printf(cpus, "%s%u", i ? "," : "",
					       g_array_index(def->cpu_affinity, guint, i));
		add_take(argv, "--cpu_affinity", g_string_free(cpus, FALSE));
	}
	if (def->loader) {
		add(argv, "--ovmf", def->loader);
	} else {
		add(argv, "-k", def->kernel);
		if (def->initrd)
			add(argv, "-r", def->initrd);
		if (def->cmdline && *def->cmdline)
			add(argv, "-B", def->cmdline);
	}
	add_take(argv, "-s", g_strdup_printf("%d:0,hostbridge", HOSTBRIDGE_SLOT));
	add_take(argv, "-s", g_strdup_printf("%d:0,lpc", LPC_SLOT));
	if (def->console.type != ACRN_VM_CONSOLE_NONE)
		add_take(argv, "-l", console_backend(&def->console));
	for (guint i = 0; i < def->disks->len; i++) {
		const AcrnVmDisk *d = def->disks->pdata[i];

		add_take(argv, "-s",
			 g_strdup_printf("%d,virtio-blk,%s%s", disk_slots[i],
					 d->source ? d->source : "nodisk",
					 d->readonly ? ",ro" : ""));
	}
	for (guint i = 0; i < def->nets->len; i++) {
		const AcrnVmNet *n = def->nets->pdata[i];

		if (n->mac)
			add_take(argv, "-s",
				 g_strdup_printf("%d,virtio-net,tap=%s,mac=%s", net_slots[i],
						 n->tap, n->mac));
		else
			add_take(argv, "-s",
				 g_strdup_printf("%d,virtio-net,tap=%s", net_slots[i], n->tap));
	}
	if (def->rng)
		add_take(argv, "-s", g_strdup_printf("%d,virtio-rnd", rng_slot));
	if (opts->control_socket)
		add(argv, "--control-socket", opts->control_socket);
	g_ptr_array_add(argv, acrn_vm_def_dm_name(def));
	g_ptr_array_add(argv, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}
