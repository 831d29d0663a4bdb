// geo.js: the /geo page (issue 18): traffic by country on a world map.
// Each country (world-atlas's 110m shapes, vendored by deploy/vendor.sh,
// read with topojson-client; Antarctica left out) is coloured by the
// chosen value of /api/geo?by=country on a log scale; hovering shows the
// country's name, code, flows, packets, bytes and hosts; a click opens a
// side panel with its top hosts and top ASes (/api/geo?country=XX,
// by=asn&country=XX) and a button that puts its hosts into the other
// pages' include_ips. Countries without a shape on the map or too small
// to point at, and the local and unknown groups, are listed beside it,
// largest first. The timeline brushes the range as on every page; the
// databases in use and the sources' credit are shown under the map.
// Page options in the URL: direction (both|src|dst), country (the open
// panel: a code, local or unknown).

import {featureCode, countryName} from '../lib/countries.js';
import * as G from '../lib/geomap.js';
import {formatExact, formatAddress, formatDuration, valueLabel, formatValue, VALUE_FIELD} from '../lib/format.js';
import {el, stylesheet} from '../lib/dom.js';
import {d3} from '../lib/d3.js';
import {topojson} from '../lib/topojson.js';

export const title = 'World map';

const ATLAS = '/vendor/countries-110m.json';
const DIRECTIONS = ['both', 'src', 'dst'];
const DIRECTION_LABEL = {both: 'source + destination', src: 'source', dst: 'destination'};
const EMPTY_FILL = '#e3e6ea'; // a country without traffic
const LEGEND_W = 300;
const LEGEND_H = 40;
const CREDIT_H = 18;
const PANEL_ROWS = 10; // top hosts and ASes of the side panel
const COUNTERS = [['flows', 'flows'], ['packets', 'packetDeltaCount'], ['bytes', 'octetDeltaCount']];

// The colour of share t (0-1) of the log scale: pale orange to dark red.
function colour(t)
{
	return d3.rgb(d3.interpolateYlOrRd(0.15 + 0.85 * t)).formatHex();
}

// The country shapes, loaded once per page load: [{code, name, feature}].
let atlasPromise = null;
function loadAtlas()
{
	if (!atlasPromise) {
		atlasPromise = (async () => {
			if (!topojson)
				throw new Error('topojson-client did not load (/vendor/topojson-client.min.js: deploy/vendor.sh)');
			const res = await fetch(ATLAS);
			if (!res.ok)
				throw new Error(`${ATLAS}: HTTP ${res.status} (deploy/vendor.sh puts it there)`);
			const topo = await res.json();
			return topojson.feature(topo, topo.objects.countries).features
				.map(f => ({code: featureCode(f), name: f.properties.name, feature: f}))
				.filter(c => c.code !== 'AQ');
		})();
		atlasPromise.catch(() => {
			atlasPromise = null;
		});
	}
	return atlasPromise;
}

// The country option of a state: a code (upper case), local, unknown, or null.
function stateCountry(st)
{
	const c = String(st.opts.country || '');
	if (/^[A-Za-z]{2}$/.test(c))
		return c.toUpperCase();
	return c === 'local' || c === 'unknown' ? c : null;
}

function direction(st)
{
	return DIRECTIONS.includes(st.opts.direction) ? st.opts.direction : 'both';
}

// A table of rows under a header; cells(row) gives [text or node, numeric?].
function table(cls, head, rows, cells)
{
	const t = el('table', `fi-table ${cls}`);
	t.appendChild(el('thead', null, el('tr', null, head.map(([h, num]) => el('th', num ? 'fi-num' : '', h)))));
	t.appendChild(el('tbody', null, rows.map(r => el('tr', null,
		cells(r).map(([v, num]) => el('td', num ? 'fi-num' : '', v))))));
	return t;
}

export function mount(root, ctx)
{
	const W = ctx.widgets;
	stylesheet('/css/geo.css');
	const frame = W.pageScaffold(root, ctx, {main: 'fi-geo'});

	const dirSel = el('select', 'fi-geo-direction', DIRECTIONS.map(d =>
		el('option', '', DIRECTION_LABEL[d], {value: d})),
	{title: 'count addresses as source, destination or both', attrs: {'aria-label': 'direction'}});
	const summary = el('span', 'fi-widget-summary');
	const grid = el('div', 'fi-geo-grid');
	const mapCol = el('div', 'fi-geo-mapcol');
	const sideCol = el('div', 'fi-geo-side');
	grid.append(mapCol, sideCol);
	frame.main.appendChild(grid);

	const mapBody = W.panel(mapCol, 'Traffic by country', 'fi-geo-panel', {head: [summary, dirSel],
		bodyCls: 'fi-geo-body'});
	const note = el('div', 'fi-geo-note');
	const info = el('div', 'fi-geo-info');
	const dbInfo = el('div', 'fi-geo-db');
	const link = (text, href) => el('a', null, text, {href, rel: 'noopener noreferrer'});
	const credit = el('p', 'fi-geo-credit', ['Country data: NRO (', link('nro.net', 'https://www.nro.net'),
		'), CC BY 4.0. AS data: RouteViews (', link('routeviews.org', 'https://www.routeviews.org'), '), ',
		link('DB-IP.com', G.CREDIT.dbipUrl), ', NRO, CC BY 4.0.']);
	mapBody.before(note);
	mapBody.after(el('div', 'fi-geo-about', [info, dbInfo, credit]));
	const mapStatus = W.createStatus(mapBody);

	// the side panel of one country
	const closeBtn = el('button', 'fi-geo-close', '×', {type: 'button', title: 'close',
		attrs: {'aria-label': 'close the country panel'}});
	const countryBody = W.panel(sideCol, 'Country', 'fi-geo-detail', {head: [closeBtn],
		bodyCls: 'fi-geo-detail-body'});
	const countryPanel = countryBody.parentElement;
	const countryTitle = countryPanel.querySelector('.fi-widget-title');
	const countryHead = el('div', 'fi-geo-detail-head');
	const filterBtn = el('button', 'fi-geo-filter', 'Filter pages by its hosts', {type: 'button',
		title: 'set include_ips to the hosts of this country seen in the range: at most 1,024 addresses, ' +
			'the busiest first (fewer when they do not fit the API\'s 8 KB query)'});
	const filterNote = el('div', 'fi-geo-filter-note fi-hint');
	const hostsBox = el('div', 'fi-geo-hosts');
	const asnBox = el('div', 'fi-geo-asns');
	countryBody.append(countryHead, el('div', 'fi-geo-filter-bar', [filterBtn]), filterNote,
		el('h3', null, 'Top hosts'), hostsBox, el('h3', null, 'Top autonomous systems'), asnBox);
	const countryStatus = W.createStatus(countryBody);
	countryPanel.hidden = true;

	const offBody = W.panel(sideCol, 'Not on the map', 'fi-geo-offmap', {head: [
		el('span', 'fi-hint', 'too small or no shape; local and unknown')]});

	let state = null;
	let atlas = null;
	let answer = null; // the last by=country answer
	let answerKey = '';
	let rowsByCode = new Map();
	let countryKey = '';
	let filterDone = null; // {code, text}: the last "filter by its hosts"
	let svgNode = null;

	// The API parameters of the state: range and bucket size, direction,
	// value, and the protocol filters (the node index knows addresses, not
	// the flows' address and port filters: those apply to the other pages).
	function params(st)
	{
		const p = ctx.apiParams({filters: false});
		const dir = direction(st);
		if (dir !== 'both')
			p.direction = dir;
		p.value = st.value;
		for (const k of ['include_protos', 'exclude_protos'])
			if (st.filters[k].length)
				p[k] = st.filters[k].join(',');
		return p;
	}

	function select(code)
	{
		ctx.setState({opts: {country: code}});
	}

	function tooltipRows(row, code)
	{
		const rows = [['code', code]];
		if (!row)
			return [...rows, ['traffic', 'none in this range']];
		for (const [label, field] of COUNTERS)
			rows.push([label, formatExact(row[field])]);
		rows.push(['hosts', formatExact(row.hosts)]);
		return rows;
	}

	// The map, its legend and the credit line in one SVG; the table of the
	// countries it does not show well.
	function draw()
	{
		if (!atlas || !answer)
			return;
		const field = VALUE_FIELD[state.value];
		const width = Math.max(320, Math.floor(mapBody.clientWidth) - 2);
		const fc = {type: 'FeatureCollection', features: atlas.map(c => c.feature)};
		const projection = d3.geoEqualEarth().fitWidth(width, fc);
		const path = d3.geoPath(projection);
		const mapH = Math.ceil(path.bounds(fc)[1][1]) + 4;
		const height = mapH + LEGEND_H;
		const max = d3.max(answer.results.filter(r => r.group.length === 2), r => r[field]) || 0;
		const sel = stateCountry(state);
		const svg = d3.create('svg').attr('class', 'fi-chart fi-geo-map')
			.attr('data-empty-fill', EMPTY_FILL).attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`)
			.attr('font-family', 'sans-serif');
		const drawn = new Map();
		const shapes = atlas.map((c) => {
			const area = path.area(c.feature);
			if (c.code)
				drawn.set(c.code, (drawn.get(c.code) || 0) + area);
			return {...c, d: path(c.feature)};
		}).filter(c => c.d);
		const chosen = c => sel !== null && c.code === sel;
		// the selected country last, so its outline is on top
		shapes.sort((a, b) => chosen(a) - chosen(b));
		svg.append('g').attr('class', 'fi-geo-countries').selectAll('path').data(shapes).join('path')
			.attr('class', c => (chosen(c) ? 'fi-geo-country fi-geo-selected' : 'fi-geo-country'))
			.attr('data-code', c => c.code || null)
			.attr('d', c => c.d)
			.attr('fill', (c) => {
				const row = c.code && rowsByCode.get(c.code);
				return row ? colour(G.logShare(row[field], max)) : EMPTY_FILL;
			})
			.attr('stroke', c => (chosen(c) ? '#1565c0' : '#fff'))
			.attr('stroke-width', c => (chosen(c) ? 1.5 : 0.5))
			.style('cursor', c => (c.code ? 'pointer' : null))
			.on('mouseenter', (ev, c) => {
				const code = c.code || 'none';
				W.showTooltip(ev, c.code ? countryName(c.code) || c.name : c.name,
					c.code ? tooltipRows(rowsByCode.get(c.code), code) : [['code', 'none (no registry code)']]);
			})
			.on('mousemove', ev => W.moveTooltip(ev))
			.on('mouseleave', () => W.hideTooltip())
			.on('click', (ev, c) => {
				if (!c.code)
					return;
				W.hideTooltip();
				select(c.code);
			});
		drawLegend(svg.append('g').attr('transform', `translate(8,${mapH + 4})`), max);
		if (svgNode)
			svgNode.remove();
		svgNode = svg.node();
		W.putChart(mapBody, svgNode);
		drawOffMap(G.offMapRows(answer.results, drawn, state.value));
	}

	// The log scale's colours with ticks at powers of ten (of 1024 for
	// bytes), at most five, and the largest value.
	function drawLegend(g, max)
	{
		const x0 = 4;
		const x1 = LEGEND_W - 20;
		const grad = g.append('defs').append('linearGradient').attr('id', 'fi-geo-grad');
		for (let k = 0; k <= 16; k++)
			grad.append('stop').attr('offset', `${(k / 16) * 100}%`).attr('stop-color', colour(k / 16));
		g.append('rect').attr('x', x0).attr('y', 0).attr('width', x1 - x0).attr('height', 10)
			.attr('fill', 'url(#fi-geo-grad)');
		g.append('rect').attr('x', x1 + 6).attr('y', 0).attr('width', 10).attr('height', 10)
			.attr('fill', EMPTY_FILL);
		const base = state.value === 'bytes' ? 1024 : 10;
		let ticks = [];
		for (let t = 1; t <= max; t *= base)
			ticks.push(t);
		while (ticks.length > 5)
			ticks = ticks.filter((_, k) => k % 2 === 0);
		const pos = v => x0 + (x1 - x0) * G.logShare(v, max);
		if (max > 0 && (!ticks.length || pos(max) - pos(ticks[ticks.length - 1]) > 40))
			ticks.push(max);
		const tick = g.append('g').attr('class', 'fi-axis').selectAll('g').data(ticks).join('g')
			.attr('transform', v => `translate(${pos(v)},10)`);
		tick.append('line').attr('y2', 4).attr('stroke', '#889');
		tick.append('text').attr('y', 14).attr('text-anchor', 'middle').attr('font-size', 10)
			.attr('fill', '#334').text(v => formatValue(v, state.value));
		g.append('text').attr('class', 'fi-geo-legend-title').attr('x', LEGEND_W + 4).attr('y', 9)
			.attr('font-size', 11).attr('fill', '#667')
			.text(`${valueLabel(state.value)} per country (log scale; grey: none)`);
	}

	function drawOffMap(rows)
	{
		offBody.textContent = '';
		if (!rows.length) {
			offBody.appendChild(el('p', 'fi-hint', 'Every country with traffic is on the map.'));
			return;
		}
		const field = VALUE_FIELD[state.value];
		offBody.appendChild(table('fi-geo-offmap-table',
			[['country'], ['code'], [valueLabel(state.value), true], ['hosts', true]], rows, r => [
				[el('a', null, G.groupName(r.group), {href: '#', on: {click: (ev) => {
					ev.preventDefault();
					select(r.group);
				}}})],
				[r.group.length === 2 ? r.group : '–'],
				[formatExact(r[field]), true],
				[formatExact(r.hosts), true],
			]));
		for (const [k, tr] of [...offBody.querySelectorAll('tbody tr')].entries())
			tr.dataset.group = rows[k].group;
	}

	function drawInfo()
	{
		const field = VALUE_FIELD[state.value];
		const countries = answer.results.filter(r => r.group.length === 2).length;
		summary.textContent = `${countries} ${countries === 1 ? 'country' : 'countries'}, ` +
			DIRECTION_LABEL[direction(state)];
		info.textContent = `${formatExact(answer.total.hosts)} hosts, ` +
			`${formatExact(answer.total[field])} ${valueLabel(state.value)} in all ` +
			`(each endpoint once per direction), bucket size ${formatDuration(answer.bucket_size)}. ` +
			'A country is where the address block is registered, not where the host is.';
		dbInfo.replaceChildren(...G.databaseLines(answer.databases).map(t => el('p', null, t)));
		dbInfo.classList.toggle('fi-geo-nodb', !answer.databases || !answer.databases.country);
	}

	async function load()
	{
		const q = {...params(state), by: 'country'};
		const key = JSON.stringify(q);
		dirSel.value = direction(state);
		if (key === answerKey && answer) {
			draw();
			return;
		}
		const res = await mapStatus.run(ctx.allRequests([loadAtlas(), ctx.fetchLatest('geo', '/api/geo', q)]));
		if (!res)
			return;
		[atlas, answer] = res;
		answerKey = key;
		rowsByCode = new Map(answer.results.map(r => [r.group, r]));
		draw();
		drawInfo();
		if (!answer.results.length)
			mapStatus.empty('No traffic in this range.');
	}

	// The side panel: the country's counters, its top hosts and ASes.
	async function loadCountry()
	{
		const code = stateCountry(state);
		countryPanel.hidden = code === null;
		if (code === null) {
			countryKey = '';
			return;
		}
		countryTitle.textContent = code.length === 2 ? `${countryName(code) || code} (${code})` : G.groupName(code);
		const base = {...params(state), country: code, limit: PANEL_ROWS};
		const key = JSON.stringify(base);
		filterNote.textContent = filterDone && filterDone.code === code ? filterDone.text : '';
		if (key === countryKey)
			return;
		const res = await countryStatus.run(ctx.allRequests([
			ctx.fetchLatest('hosts', '/api/geo', base),
			ctx.fetchLatest('asns', '/api/geo', {...base, by: 'asn'}),
		]));
		if (!res)
			return;
		countryKey = key;
		const [hosts, asns] = res;
		const field = VALUE_FIELD[state.value];
		countryHead.replaceChildren(el('p', null, `${formatExact(hosts.total.hosts)} hosts: ` +
			COUNTERS.map(([label, f]) => `${formatExact(hosts.total[f])} ${label}`).join(', ')));
		hostsBox.replaceChildren(hosts.results.length ? table('fi-geo-host-table',
			[['host'], ['AS'], [valueLabel(state.value), true]], hosts.results, r => [
				[el('a', null, formatAddress(r.id), {href: '#', title: 'open its flow details', on: {click: (ev) => {
					ev.preventDefault();
					ctx.navigate('/flow-details', {filters: {include_ips: [formatAddress(r.id)]}});
				}}})],
				[r.asn ? `AS${r.asn} ${r.as_name || ''}` : r.range || '–'],
				[formatExact(r[field]), true],
			]) : el('p', 'fi-hint', 'No hosts in this range.'));
		if (hosts.groups > hosts.results.length)
			hostsBox.appendChild(el('p', 'fi-hint', `the first ${hosts.results.length} of ${hosts.groups}`));
		asnBox.replaceChildren(asns.results.length ? table('fi-geo-asn-table',
			[['AS'], ['name'], ['hosts', true], [valueLabel(state.value), true]], asns.results, r => [
				[r.asn ? `AS${r.asn}` : r.group],
				[r.as_name || '–'],
				[formatExact(r.hosts), true],
				[formatExact(r[field]), true],
			]) : el('p', 'fi-hint', 'No AS in this range.'));
		filterBtn.disabled = !hosts.results.length;
	}

	// Puts the country's hosts (at most 1,024, as many as the API's query
	// takes) into include_ips.
	async function filterByHosts()
	{
		const code = stateCountry(state);
		if (code === null)
			return;
		const res = await countryStatus.run(ctx.api('/api/geo', {...params(state), country: code, limit: 1024}));
		if (!res)
			return;
		const {list} = G.hostFilter(res.results);
		const total = res.groups;
		let text = `include_ips: ${list.length} of the ${formatExact(total)} hosts of ${code} seen in this range` +
			(list.length < total ? ` (the busiest; ${formatExact(total - list.length)} left out: at most 1,024 ` +
				'addresses, and only what fits the API\'s 8 KB query)' : '') + '. The other pages show their traffic.';
		if (!list.length)
			text = 'No hosts in this range: include_ips unchanged.';
		filterDone = {code, text};
		if (list.length)
			ctx.setState({filters: {include_ips: list}});
		else
			filterNote.textContent = text;
	}

	closeBtn.addEventListener('click', () => select(null));
	filterBtn.addEventListener('click', () => filterByHosts());
	dirSel.addEventListener('change', () => {
		ctx.setState({opts: {direction: dirSel.value === 'both' ? null : dirSel.value}});
	});

	let lastWidth = 0;
	const ro = new ResizeObserver(() => {
		const w = mapBody.clientWidth;
		if (state && Math.abs(w - lastWidth) > 20) {
			lastWidth = w;
			draw();
		}
	});
	ro.observe(mapBody);

	return {
		update(st) {
			state = st;
			frame.update(st);
			const other = ['include_ips', 'exclude_ips', 'include_ports', 'exclude_ports']
				.filter(k => st.filters[k].length);
			note.textContent = other.length
				? `${other.join(', ')}: not applied to the map (the node index knows addresses, not the flows' filters)`
				: '';
			lastWidth = mapBody.clientWidth;
			load();
			loadCountry();
		},
		destroy() {
			ro.disconnect();
			W.hideTooltip();
			frame.destroy();
		},
		// the map under its panel's title and a line of its summary and the
		// caption, with the sources' credit under the legend (on screen it
		// is the line with the links under the map)
		exportView() {
			if (!svgNode)
				return null;
			const h = Number(svgNode.getAttribute('height'));
			const w = Number(svgNode.getAttribute('width'));
			const line = d3.select(svgNode).append('text').attr('class', 'fi-geo-credit-line')
				.attr('x', 8).attr('y', h + CREDIT_H - 5).attr('font-size', 10).attr('fill', '#667')
				.text(G.CREDIT_TEXT);
			svgNode.setAttribute('height', String(h + CREDIT_H));
			svgNode.setAttribute('viewBox', `0 0 ${w} ${h + CREDIT_H}`);
			try {
				return ctx.exporter.headedSvg(svgNode, {title, caption: ctx.exporter.exportCaption(state)});
			} finally {
				line.remove();
				svgNode.setAttribute('height', String(h));
				svgNode.setAttribute('viewBox', `0 0 ${w} ${h}`);
			}
		},
		exportData() {
			if (!answer)
				return null;
			return {
				name: 'countries',
				columns: [
					{label: 'group', value: r => r.group},
					{label: 'name', value: r => G.groupName(r.group)},
					'hosts', 'flows', 'packetDeltaCount', 'octetDeltaCount',
				],
				rows: answer.results,
			};
		},
	};
}
