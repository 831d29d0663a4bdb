// traffic.js: the traffic by protocol over time as the overview and the
// dashboard show it: the buckets of /api/bucket/query, in time order, as a
// protocol chart (protochart.js) in a panel's body, with its status.

import {createStatus} from './status.js';
import {protocolChart} from './protochart.js';
import {putChart} from './panel.js';

// Draws into body (a panel's body, given a status here). opts: key, the
// request's name for ctx.fetchLatest; params(state), the API parameters;
// chart(state), more protocolChart options (height, from, to); empty, the
// text for an answer without rows (default the status's); data, an object
// that gets the answer as data.buckets ({bucket_size, rows}). Returns
// {load(state)}: each newer call aborts the older.
export function createTraffic(ctx, body, {key, params, chart = () => ({}), empty, data})
{
	const status = createStatus(body);

	async function load(state)
	{
		const res = await status.run(ctx.fetchLatest(key, '/api/bucket/query', params(state)));
		if (!res)
			return;
		const rows = [...res.results].sort((a, b) => a.bucket - b.bucket);
		data.buckets = {bucket_size: res.bucket_size, rows};
		putChart(body, protocolChart(rows, {
			value: state.value, bucketSize: res.bucket_size,
			width: Math.max(300, body.clientWidth - 8), ...chart(state),
		}));
		if (!rows.length)
			status.empty(...(empty === undefined ? [] : [empty]));
	}

	return {load};
}
