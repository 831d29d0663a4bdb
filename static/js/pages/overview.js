// overview.js: the / page (SPEC 7): all-time top hosts as stacked protocol
// bars, the host and port donuts, and traffic over all time by protocol.
// It shows everything in the database: the time range and filters of the
// URL are kept for the other pages but not applied here. Page option:
// hosts (how many top hosts, default 10).

import {VALUE_FIELD, formatAddress} from '../lib/format.js';
import {el} from '../lib/dom.js';

export const title = 'Overview';

export function mount(root, ctx)
{
	const W = ctx.widgets;
	const grid = el('div', 'fi-grid');
	root.appendChild(el('div', 'fi-main fi-overview', [grid]));
	const trafficBody = W.panel(grid, 'Traffic over time', 'fi-traffic fi-wide');
	const hostsBody = W.panel(grid, 'Top hosts (all time)', 'fi-tophosts fi-wide');
	const donuts = W.createDonutRow(grid, {empty: 'No data yet.'});
	const st = {
		traffic: W.createStatus(trafficBody),
		hosts: W.createStatus(hostsBody),
		nodes: donuts.nodes,
		ports: donuts.ports,
	};
	const data = {nodes: null, ports: null, buckets: null};
	let state = null;

	function hostCount()
	{
		const n = Number(state.opts.hosts);
		return Number.isInteger(n) && n > 0 ? Math.min(n, 100) : 10;
	}

	function showHost(id)
	{
		ctx.navigate('/flow-details', {filters: {include_ips: [formatAddress(id)]}});
	}

	async function loadNodes()
	{
		const field = VALUE_FIELD[state.value];
		const n = hostCount();
		const req = ctx.fetchLatest('nodes', '/api/index/nodes', {limit: Math.max(n, 8), sort: `${field} desc`});
		const [res] = await Promise.all([st.hosts.run(req), st.nodes.run(req)]);
		if (!res)
			return;
		data.nodes = res;
		W.putChart(hostsBody, W.hostBars(res.results.slice(0, n), {
			value: state.value, width: Math.max(300, hostsBody.clientWidth - 8),
			label: r => formatAddress(r.id), onClick: r => showHost(r.id),
		}));
		donuts.showNodes(res, state.value);
		if (!res.results.length)
			st.hosts.empty('No data yet.');
	}

	async function loadPorts()
	{
		const field = VALUE_FIELD[state.value];
		const res = await st.ports.run(ctx.fetchLatest('ports', '/api/index/ports', {limit: 8, sort: `${field} desc`}));
		if (!res)
			return;
		data.ports = res;
		donuts.showPorts(res, state.value);
	}

	async function loadTraffic()
	{
		const params = {resolution: Math.floor(Math.max(300, trafficBody.clientWidth) / 5)};
		const res = await st.traffic.run(ctx.fetchLatest('traffic', '/api/bucket/query', params));
		if (!res)
			return;
		const rows = [...res.results].sort((a, b) => a.bucket - b.bucket);
		data.buckets = {bucket_size: res.bucket_size, rows};
		W.putChart(trafficBody, W.protocolChart(rows, {
			value: state.value, bucketSize: res.bucket_size,
			width: Math.max(300, trafficBody.clientWidth - 8), height: 200,
		}));
		if (!rows.length)
			st.traffic.empty('No data yet.');
	}

	return {
		update(s) {
			state = s;
			loadTraffic();
			loadNodes();
			loadPorts();
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
