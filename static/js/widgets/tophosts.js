// tophosts.js: the top hosts as the overview and the dashboard show them:
// the first `hosts` rows of a node index answer as stacked protocol bars
// (the URL option hosts: 10 unless 1-100 is asked for), and the host and
// port donuts (donutrow.js) of the same node answer and of the port index.
// A click on a bar opens the host's flow details. When the responder has a
// country or AS database (/api/meta's geo.databases), the node index is
// asked with geo=1 and the bars' tooltips also give each host's country
// and AS from its row.

import {VALUE_FIELD, formatAddress} from '../lib/format.js';
import {geoDatabases, geoRows} from '../lib/countries.js';
import {createStatus} from './status.js';
import {hostBars} from './hostbars.js';
import {putChart} from './panel.js';

export const DEFAULT_HOSTS = 10;
const MAX_HOSTS = 100;

// How many top hosts the page options ask for, bounded.
export function hostsOption(opts)
{
	const n = Number(opts.hosts);
	return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_HOSTS) : DEFAULT_HOSTS;
}

// Draws the bars into hostsBody (a panel's body, given a status here) and
// the donuts into donuts (createDonutRow's). opts: index, the API's
// index path ('/api/index' all time, '/api/dynamic/index' over the range);
// params(), more API parameters (the range and filters); empty, the text
// for an answer without rows (default the status's); data, an object
// that gets the answers as data.nodes and data.ports. Returns
// {load(state)}: asks both indexes, each newer call aborting the older.
export function createTopHosts(ctx, hostsBody, donuts, {index, params = () => ({}), empty, data})
{
	const status = createStatus(hostsBody);
	const showHost = (id) => ctx.navigate('/flow-details', {filters: {include_ips: [formatAddress(id)]}});

	async function loadNodes(state)
	{
		const field = VALUE_FIELD[state.value];
		const n = hostsOption(state.opts);
		const geo = geoDatabases(ctx.metaNow) ? {geo: 1} : {};
		const req = ctx.fetchLatest('nodes', `${index}/nodes`,
			{...params(), ...geo, limit: Math.max(n, 8), sort: `${field} desc`});
		const [res] = await Promise.all([status.run(req), donuts.nodes.run(req)]);
		if (!res)
			return;
		data.nodes = res;
		putChart(hostsBody, hostBars(res.results.slice(0, n), {
			value: state.value, width: Math.max(300, hostsBody.clientWidth - 8),
			label: r => formatAddress(r.id), onClick: r => showHost(r.id),
			extra: r => geoRows(r),
		}));
		donuts.showNodes(res, state.value);
		if (!res.results.length)
			status.empty(...(empty === undefined ? [] : [empty]));
	}

	async function loadPorts(state)
	{
		const field = VALUE_FIELD[state.value];
		const res = await donuts.ports.run(ctx.fetchLatest('ports', `${index}/ports`,
			{...params(), limit: 8, sort: `${field} desc`}));
		if (!res)
			return;
		data.ports = res;
		donuts.showPorts(res, state.value);
	}

	return {
		load(state) {
			loadNodes(state);
			loadPorts(state);
		},
		showHost,
	};
}
