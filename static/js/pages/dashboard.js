// dashboard.js: the /dashboard page (SPEC 7): the timeline to brush a time
// range, the top hosts as stacked protocol bars, traffic per bucket stacked
// by protocol, and the host and port donuts, all over the brushed range.
// mountDashboard is shared with /flow-details (the same plus the filter
// sidebar). Page options in the URL: hosts (how many top hosts, default 10).

import {VALUE_FIELD, formatAddress} from '../lib/format.js';
import {hasFilters} from '../lib/urlstate.js';
import {el} from '../lib/dom.js';

export const title = 'Dashboard';

const DEFAULT_HOSTS = 10;
const MAX_HOSTS = 100;

function hostsOpt(state)
{
	const n = Number(state.opts.hosts);
	return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_HOSTS) : DEFAULT_HOSTS;
}

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
		ctx.setState({opts: {hosts: n === DEFAULT_HOSTS ? null : n}});
	});
	const hostsBody = W.panel(grid, 'Top hosts', 'fi-tophosts', {head: [hostsSel]});
	const protoBody = W.panel(grid, 'Traffic by protocol', 'fi-protocols');
	const donuts = W.createDonutRow(grid, {
		onHost: r => showHost(r.id),
		onPort: port => ctx.navigate('/flow-details', {filters: {include_ports: [port]}}),
	});
	const st = {
		hosts: W.createStatus(hostsBody),
		proto: W.createStatus(protoBody),
		nodes: donuts.nodes,
		ports: donuts.ports,
	};
	const data = {nodes: null, ports: null, buckets: null};
	let state = null;

	function showHost(id)
	{
		ctx.navigate('/flow-details', {filters: {include_ips: [formatAddress(id)]}});
	}

	async function loadNodes()
	{
		const field = VALUE_FIELD[state.value];
		const n = hostsOpt(state);
		const params = {...ctx.apiParams(), limit: Math.max(n, 8), sort: `${field} desc`};
		const req = ctx.fetchLatest('nodes', '/api/dynamic/index/nodes', params);
		const [res] = await Promise.all([st.hosts.run(req), st.nodes.run(req)]);
		if (!res)
			return;
		data.nodes = res;
		const w = Math.max(300, hostsBody.clientWidth - 8);
		W.putChart(hostsBody, W.hostBars(res.results.slice(0, n), {
			value: state.value, width: w, label: r => formatAddress(r.id), onClick: r => showHost(r.id),
		}));
		donuts.showNodes(res, state.value);
		if (!res.results.length)
			st.hosts.empty();
	}

	async function loadPorts()
	{
		const field = VALUE_FIELD[state.value];
		const params = {...ctx.apiParams(), limit: 8, sort: `${field} desc`};
		const res = await st.ports.run(ctx.fetchLatest('ports', '/api/dynamic/index/ports', params));
		if (!res)
			return;
		data.ports = res;
		donuts.showPorts(res, state.value);
	}

	async function loadBuckets()
	{
		const params = ctx.apiParams();
		if (!params.bucket_size)
			params.resolution = Math.floor(Math.max(300, protoBody.clientWidth) / 4);
		if (hasFilters(state))
			params.aggregate = 'bucket';
		const res = await st.proto.run(ctx.fetchLatest('buckets', '/api/bucket/query', params));
		if (!res)
			return;
		const rows = [...res.results].sort((a, b) => a.bucket - b.bucket);
		data.buckets = {bucket_size: res.bucket_size, rows};
		W.putChart(protoBody, W.protocolChart(rows, {
			value: state.value, bucketSize: res.bucket_size,
			width: Math.max(300, protoBody.clientWidth - 8), height: 220,
			from: state.from ?? undefined, to: state.to ?? undefined,
		}));
		if (!rows.length)
			st.proto.empty();
	}

	return {
		update(s) {
			state = s;
			hostsSel.value = String(hostsOpt(s));
			frame.update(s);
			loadNodes();
			loadPorts();
			loadBuckets();
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
