/* A short-lived snapshot of VM states taken when a client lists domains,
 * so that the per-domain GET_STATE calls clients send right after a
 * listing (virsh list: one per domain) need no D-Bus round trip each.
 *
 * virtacrnd still holds no VM state of its own: the snapshot is dropped on
 * every acrnd VMEvent (acrnd emits one for every state change), on every
 * state-changing call through virtacrnd, and after STATE_CACHE_MAX_AGE. */
#pragma once

#include <glib.h>

#define STATE_CACHE_MAX_AGE_USEC (2 * G_USEC_PER_SEC)

typedef struct StateCache StateCache;

StateCache *state_cache_new(void);
void state_cache_free(StateCache *cache);
/* Replaces the snapshot with the states and reasons of `vms` (AcrndVm*). */
void state_cache_fill(StateCache *cache, GPtrArray *vms);
void state_cache_invalidate(StateCache *cache);
/* The state acrnd reported for the VM, or NULL when not in a valid
 * snapshot; *reason (if given) is its StateReason ("" if unknown). */
const char *state_cache_lookup(StateCache *cache, const guint8 uuid[16], const char **reason);
