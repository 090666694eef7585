#include "config.h"

#include "state-cache.h"

#include <string.h>

#include "acrnd-client.h"

struct StateCache {
	GHashTable *states; /* 16-byte UUID (GBytes) -> state string */
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

		g_hash_table_insert(cache->states, g_bytes_new(vm->uuid_bytes, 16),
				    g_strdup(vm->state));
	}
	cache->taken = g_get_monotonic_time();
}

const char *state_cache_lookup(StateCache *cache, const guint8 uuid[16])
{
	g_autoptr(GBytes) key = NULL;

	if (!cache->taken)
		return NULL;
	if (g_get_monotonic_time() - cache->taken > STATE_CACHE_MAX_AGE_USEC) {
		state_cache_invalidate(cache);
		return NULL;
	}
	key = g_bytes_new_static(uuid, 16);
	return g_hash_table_lookup(cache->states, key);
}
