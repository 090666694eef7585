#include "config.h"

#include "state-cache.h"

#include <string.h>

#include "acrnd-client.h"

struct StateCache {
	GHashTable *states; /* 16-byte UUID (GBytes) -> "state\0reason" */
	gint64 taken;	    /* monotonic time of the snapshot, 0 = none */
};

StateCache *state_cache_new(void)
{
	StateCache *cache = g_new0(StateCache, 1);

	cache->states = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
					      (GDestroyNotify)g_bytes_unref, g_free);
	return cache;
}

void state_cache_free(StateCache *cache)
{
	if (!cache)
		return;
	g_hash_table_unref(cache->states);
	g_free(cache);
}

void state_cache_invalidate(StateCache *cache)
{
	if (!cache->taken)
		return;
	g_hash_table_remove_all(cache->states);
	cache->taken = 0;
}

void state_cache_fill(StateCache *cache, GPtrArray *vms)
{
	g_hash_table_remove_all(cache->states);
	for (guint i = 0; i < vms->len; i++) {
		const AcrndVm *vm = vms->pdata[i];

		GString *v = g_string_new(vm->state);

		/* The reason matters to clients (virsh domstate --reason). */
		g_string_append_c(v, '\0');
		g_string_append(v, vm->state_reason ? vm->state_reason : "");
		g_hash_table_insert(cache->states, g_bytes_new(vm->uuid_bytes, 16),
				    g_string_free(v, FALSE));
	}
	cache->taken = g_get_monotonic_time();
}

const char *state_cache_lookup(StateCache *cache, const guint8 uuid[16], const char **reason)
{
	g_autoptr(GBytes) key = NULL;
	const char *state;

	if (!cache->taken)
		return NULL;
	if (g_get_monotonic_time() - cache->taken > STATE_CACHE_MAX_AGE_USEC) {
		state_cache_invalidate(cache);
		return NULL;
	}
	key = g_bytes_new_static(uuid, 16);
	state = g_hash_table_lookup(cache->states, key);
	if (state && reason)
		*reason = state + strlen(state) + 1;
	return state;
}
