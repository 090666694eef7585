/* SPDX-License-Identifier: BSD-3-Clause */
/* Physical memory map handling: the host map and the Service VM's view. */
#ifndef HV_E820_H
#define HV_E820_H

#include "lib.h"

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_UNUSABLE 5

#define E820_MAX 128

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __attribute__((packed));

struct e820_map {
	u32 nr;
	struct e820_entry e[E820_MAX];
};

/* Sort by address and merge adjacent entries of the same type; drop empty ones. */
void e820_normalize(struct e820_map *m);
/* Add a range (used while parsing); -ENOSPC if the table is full. */
int e820_add(struct e820_map *m, u64 addr, u64 size, u32 type);
/*
 * Give [start, end) the type @type, splitting and trimming entries as needed;
 * parts of the range not covered by the map stay uncovered.
 */
int e820_set_type(struct e820_map *m, u64 start, u64 end, u32 type);
/* Total bytes of E820_RAM. */
u64 e820_ram_total(const struct e820_map *m);
/* End of the highest entry of any type. */
u64 e820_max_addr(const struct e820_map *m);
/* True if [start, end) lies entirely inside RAM entries. */
bool e820_is_ram(const struct e820_map *m, u64 start, u64 end);
/*
 * Highest @align-aligned address where @size bytes of RAM fit below @limit
 * and above @floor; -ENOMEM if none.
 */
int e820_find_top(const struct e820_map *m, u64 size, u64 align, u64 floor, u64 limit,
		  u64 *ret_addr);

#endif
