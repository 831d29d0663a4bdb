// dashboard.js: the /dashboard page (SPEC 7): the timeline to brush a time
// range, the top hosts as stacked protocol bars, traffic per bucket stacked
// by protocol, and the host and port donuts, all over the brushed range.
// mountDashboard is shared with /flow-details (the same plus the filter
// sidebar). Page options in the URL: hosts (how many top hosts, default 10).

import {formatAddress} from '../lib/format.js';
import {hasFilters} from '../lib/urlstate.js';
import {el} from '../lib/dom.js';

export const title = 'Dashboard';

// Builds the dashboard in root; withSidebar adds the filter sidebar.
export function mountDashboard(root, ctx, {withSidebar = false} = {})
{
	const W = ctx.widgets;
	const frame = W.pageScaffold(root, ctx, {main: 'fi-dashboard', filters: withSidebar});
	const grid = el('div', 'fi-grid');
	frame.main.appendChild(grid);
	const hostsSel = el('select', 'fi-hosts-count', [10, 20, 50, 100].map(n =>
		el('option', null, `top ${n}`, {value: String(n)})), {title: 'how many hosts'});
	hostsSel.addEventListener('change', () => {
		const n = Number(hostsSel.value);
		// the default count stays out of the URL
		ctx.setState({opts: {hosts: n === W.hostsOption({}) ? null : n}});
	});
	const hostsBody = W.panel(grid, 'Top hosts', 'fi-tophosts', {head: [hostsSel]});
	const protoBody = W.panel(grid, 'Traffic by protocol', 'fi-protocols');
	const data = {nodes: null, ports: null, buckets: null};
	const donuts = W.createDonutRow(grid, {
		onHost: r => top.showHost(r.id),
		onPort: port => ctx.navigate('/flow-details', {filters: {include_ports: [port]}}),
	});
	const top = W.createTopHosts(ctx, hostsBody, donuts,
		{index: '/api/dynamic/index', params: () => ctx.apiParams(), data});
	const traffic = W.createTraffic(ctx, protoBody, {
		key: 'buckets',
		params: (s) => {
			const params = ctx.apiParams();
			if (!params.bucket_size)
				params.resolution = Math.floor(Math.max(300, protoBody.clientWidth) / 4);
			if (hasFilters(s))
				params.aggregate = 'bucket';
			return params;
		},
		chart: (s) => ({height: 220, from: s.from ?? undefined, to: s.to ?? undefined}),
		data,
	});

	return {
		update(s) {
			hostsSel.value = String(W.hostsOption(s.opts));
			frame.update(s);
			top.load(s);
			traffic.load(s);
		},
		destroy() {
			frame.destroy();
		},
		exportData() {
			if (!data.nodes)
				return null;
			const f = (r, c, k) => (r[c] ? r[c][k] : 0);
			return {
				name: 'hosts',
				columns: [
					{label: 'address', value: r => formatAddress(r.id)},
					'flows', 'packetDeltaCount', 'octetDeltaCount',
					...['tcp', 'udp', 'icmp', 'other'].flatMap(c => ['flows', 'packetDeltaCount', 'octetDeltaCount']
						.map(k => ({label: `${c}_${k}`, value: r => f(r, c, k)}))),
				],
				rows: data.nodes.results,
			};
		},
		data,
	};
}

export function mount(root, ctx)
{
	return mountDashboard(root, ctx);
}
