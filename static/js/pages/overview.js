// overview.js: the / page (SPEC 7): all-time top hosts as stacked protocol
// bars, the host and port donuts, and traffic over all time by protocol.
// It shows everything in the database: the time range and filters of the
// URL are kept for the other pages but not applied here. Page option:
// hosts (how many top hosts, default 10).

import {el} from '../lib/dom.js';

export const title = 'Overview';

export function mount(root, ctx)
{
	const W = ctx.widgets;
	const grid = el('div', 'fi-grid');
	root.appendChild(el('div', 'fi-main fi-overview', [grid]));
	const trafficBody = W.panel(grid, 'Traffic over time', 'fi-traffic fi-wide');
	const hostsBody = W.panel(grid, 'Top hosts (all time)', 'fi-tophosts fi-wide');
	const data = {nodes: null, ports: null, buckets: null};
	const top = W.createTopHosts(ctx, hostsBody, W.createDonutRow(grid, {empty: 'No data yet.'}),
		{index: '/api/index', empty: 'No data yet.', data});
	const traffic = W.createTraffic(ctx, trafficBody, {
		key: 'traffic',
		params: () => ({resolution: Math.floor(Math.max(300, trafficBody.clientWidth) / 5)}),
		chart: () => ({height: 200}),
		empty: 'No data yet.',
		data,
	});

	return {
		update(s) {
			traffic.load(s);
			top.load(s);
		},
		destroy() {},
		exportData() {
			if (!data.buckets)
				return null;
			return {
				name: 'traffic',
				columns: ['bucket', 'flows', 'packetDeltaCount', 'octetDeltaCount'],
				rows: data.buckets.rows,
			};
		},
	};
}
