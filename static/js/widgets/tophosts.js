// tophosts.js: the top hosts as the overview and the dashboard show them:
// the first `hosts` rows of a node index answer as stacked protocol bars
// (the URL option hosts: 10 unless 1-100 is asked for), and the host and
// port donuts (donutrow.js) of the same node answer and of the port index.
// A click on a bar opens the host's flow details. When the responder has a
// country or AS database (/api/meta's geo.databases), the bars' tooltips
// also give each host's country and AS, from /api/geo?by=host over the same
// range (the node index's rows carry neither).

import {VALUE_FIELD, formatAddress} from '../lib/format.js';
import {countryName} from '../lib/countries.js';
import {createStatus} from './status.js';
import {hostBars} from './hostbars.js';
import {putChart} from './panel.js';

export const DEFAULT_HOSTS = 10;
const MAX_HOSTS = 100;
// /api/geo takes no address or port filters: with such filters the top
// hosts drawn need not be the range's top hosts, so this many of those are
// asked for (a host beyond them shows no country)
const GEO_WIDE = 1000;

// The tooltip rows of a host's /api/geo row (by=host): country and AS.
export function geoRows(g)
{
	if (!g)
		return [];
	const rows = [];
	if (g.country === 'local')
		rows.push(['country', `local (${g.range || 'special-purpose'})`]);
	else if (g.country === 'unknown')
		rows.push(['country', 'unknown']);
	else
		rows.push(['country', `${countryName(g.country) || g.country} (${g.country})`]);
	if (g.asn)
		rows.push(['AS', `AS${g.asn}${g.as_name ? ` ${g.as_name}` : ''}`]);
	return rows;
}

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
	let geo = new Map(); // host text -> its /api/geo row

	// The country and AS of the top hosts, for their tooltips; nothing
	// when no geo database is loaded or the call fails (the bars stay).
	async function loadGeo(state, n)
	{
		const meta = ctx.metaNow;
		const dbs = meta && meta.geo && meta.geo.databases;
		geo = new Map();
		if (!dbs || (!dbs.country && !dbs.asn))
			return;
		const p = index === '/api/index' ? {} : ctx.apiParams({filters: false});
		for (const k of ['include_protos', 'exclude_protos'])
			if (state.filters[k].length)
				p[k] = state.filters[k].join(',');
		const narrowed = ['include_ips', 'exclude_ips', 'include_ports', 'exclude_ports']
			.some(k => state.filters[k].length);
		try {
			// the same order as the node index's (a host's src + dst), with
			// room for ties at the last place
			const res = await ctx.fetchLatest('geo-hosts', '/api/geo',
				{...p, by: 'host', value: state.value, limit: narrowed ? GEO_WIDE : 2 * n + 20});
			geo = new Map(res.results.map(r => [formatAddress(r.id), r]));
		} catch (e) {
			if (!ctx.isAbort(e))
				console.warn(`the top hosts' countries: ${e.message}`);
		}
	}

	async function loadNodes(state)
	{
		const field = VALUE_FIELD[state.value];
		const n = hostsOption(state.opts);
		const req = ctx.fetchLatest('nodes', `${index}/nodes`,
			{...params(), limit: Math.max(n, 8), sort: `${field} desc`});
		const [res] = await Promise.all([status.run(req), donuts.nodes.run(req)]);
		if (!res)
			return;
		data.nodes = res;
		putChart(hostsBody, hostBars(res.results.slice(0, n), {
			value: state.value, width: Math.max(300, hostsBody.clientWidth - 8),
			label: r => formatAddress(r.id), onClick: r => showHost(r.id),
			extra: r => geoRows(geo.get(formatAddress(r.id))),
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
			loadGeo(state, hostsOption(state.opts));
		},
		showHost,
	};
}
