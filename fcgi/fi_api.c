/*
 * fi_api.c: the API's per-worker state (fi_api.h): its creation, its
 * database connection's presence, and the large-query gate it enters. A
 * request is answered by fi_api_handle (fi_api_route.c) through the route
 * files fi_api_bucket.c, fi_api_index.c, fi_api_hilbert.c and fi_api_meta.c.
 */
#include <stdlib.h>

#include "fi_api_int.h"

void
fi_api_set_gate(struct fi_api *api, struct fi_gate *gate, unsigned slot)
{
	api->gate = gate;
	api->gate_slot = slot;
}

struct fi_api *
fi_api_new(const struct fi_config *cfg)
{
	struct fi_api *api = calloc(1, sizeof(*api));

	if (api == NULL)
		return NULL;
	api->cfg = cfg;
	api->last_attempt_ms = INT64_MIN / 2;
	api->q = calloc(1, sizeof(*api->q));
	api->rl = (struct fi_ratelimit){.period = 10, .burst = 5};
	api->geo = fi_geo_open(cfg->geo_country_db, cfg->geo_asn_db);
	if (fi_sqlb_init(&api->sb, FI_API_SQL_MAX, FI_API_PARAMS_MAX) != 0 ||
	    api->q == NULL || api->geo == NULL) {
		fi_api_free(api);
		return NULL;
	}
	return api;
}

void
fi_api_free(struct fi_api *api)
{
	if (api == NULL)
		return;
	fi_api_db_disconnect(api);
	fi_sqlb_fini(&api->sb);
	fi_geo_close(api->geo);
	free(api->q);
	free(api);
}

int
fi_api_connected(const struct fi_api *api)
{
	return api->db != NULL;
}
