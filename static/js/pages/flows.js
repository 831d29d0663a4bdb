// flows.js: the /flows page, the flow table (the original's unfinished
// query page, made to work): the stored flow rows matching the filters in
// the brushed time range, one row per bucket and 5-tuple, sortable by any
// column, paged. Page options in the URL: sort (a column key), dir (asc |
// desc), page (1-based), rows (rows per page).
//
// Paging: page p of r rows asks for limit = r and offset = (p - 1) * r in
// the chosen order (the API ends every order in a unique key, so pages
// neither overlap nor leave gaps), and a second request with `count` gives
// the number of matching rows (the page count).
//
// Countries: when /api/meta reports a country database, the rows are asked
// with geo=1 and a column after the source and one after the destination
// give the address's country code (`local`, `unknown`) and AS number, the
// country's and AS's names (or the special-purpose range's) in the cell's
// tooltip; the CSV gets the rows' geo fields. These columns do not sort
// (the API sorts by stored fields only). Without one, the table as before.

import {formatAddress, formatBucket, formatCount, formatBytes, formatExact, protoName, rowSource,
	rowDestination} from '../lib/format.js';
import {el} from '../lib/dom.js';
import {geoDatabases, flowGeo, geoText} from '../lib/countries.js';

export const title = 'Flows';

// The columns: key (the URL's sort name), the API field, header, cell text.
export const COLUMNS = [
	{key: 'bucket', field: 'bucket', label: 'bucket (UTC)', text: (r, size) => formatBucket(r.bucket, size)},
	{key: 'src', field: 'sourceIPv4Address', label: 'source', text: r => formatAddress(rowSource(r))},
	{key: 'sport', field: 'sourceTransportPort', label: 'src port', text: r => String(r.sourceTransportPort), num: true},
	{key: 'dst', field: 'destinationIPv4Address', label: 'destination', text: r => formatAddress(rowDestination(r))},
	{key: 'dport', field: 'destinationTransportPort', label: 'dst port', text: r => String(r.destinationTransportPort), num: true},
	{key: 'proto', field: 'protocolIdentifier', label: 'protocol', text: r => protoName(r.protocolIdentifier)},
	{key: 'flows', field: 'flows', label: 'flows', text: r => formatCount(r.flows), num: true},
	{key: 'packets', field: 'packetDeltaCount', label: 'packets', text: r => formatCount(r.packetDeltaCount), num: true},
	{key: 'bytes', field: 'octetDeltaCount', label: 'bytes', text: r => formatBytes(r.octetDeltaCount), num: true},
];

// The country cell of one side ('source', 'destination') of a flow row
// asked with geo=1: "DE AS3320", "local", "unknown".
function geoCell(r, side)
{
	const g = flowGeo(r, side);
	return g ? `${g.country}${g.asn ? ` AS${g.asn}` : ''}` : '';
}

// The country columns (with a country database), each after the column
// after names; they have no sort key.
export const GEO_COLUMNS = [
	{after: 'src', label: 'src country', geo: true, text: r => geoCell(r, 'source'),
		title: r => geoText(flowGeo(r, 'source'))},
	{after: 'dst', label: 'dst country', geo: true, text: r => geoCell(r, 'destination'),
		title: r => geoText(flowGeo(r, 'destination'))},
];

// The table's columns: COLUMNS, with GEO_COLUMNS when geo.
export function tableColumns(geo)
{
	return geo ? COLUMNS.flatMap(c => [c, ...GEO_COLUMNS.filter(g => g.after === c.key)]) : COLUMNS;
}

// The CSV columns of the geo fields of one side of a flow row.
function geoExport(side)
{
	return ['Country', 'Asn', 'AsName', 'Range'].map(k => `${side}${k}`);
}

const FIELDS = 'sourceIPv4Address,sourceTransportPort,destinationIPv4Address,destinationTransportPort,' +
	'protocolIdentifier,flows,packetDeltaCount,octetDeltaCount';
const DEFAULT_ROWS = 50;
const MAX_ROWS_PER_PAGE = 1000;

// The table's options from the URL state, with defaults and bounds.
export function tableOptions(opts)
{
	const col = COLUMNS.find(c => c.key === opts.sort) || COLUMNS.find(c => c.key === 'bytes');
	const dir = opts.dir === 'asc' ? 'asc' : 'desc';
	const rows = Number(opts.rows);
	const per = Number.isInteger(rows) && rows > 0 ? Math.min(rows, MAX_ROWS_PER_PAGE) : DEFAULT_ROWS;
	const p = Number(opts.page);
	const page = Number.isInteger(p) && p > 0 ? p : 1;
	return {col, dir, per, page};
}

export function mount(root, ctx)
{
	const W = ctx.widgets;
	const frame = W.pageScaffold(root, ctx, {filters: true});
	const info = el('span', 'fi-table-info fi-widget-summary');
	const body = W.panel(frame.main, 'Flows', 'fi-flowtable', {head: [info]});
	const status = W.createStatus(body);
	const dbs = geoDatabases(ctx.metaNow);
	const geo = Boolean(dbs && dbs.country);
	const columns = tableColumns(geo);
	const table = el('table', 'fi-table');
	const hrow = table.createTHead().insertRow();
	hrow.append(...columns.map(c => (c.geo
		? el('th', 'fi-geo-col', c.label, {title: 'country code and AS number (names on hover)'})
		: el('th', c.num ? 'fi-num' : '', c.label,
			{tabIndex: 0, title: 'sort by this column', dataset: {key: c.key}}))));
	const tbody = table.createTBody();
	body.appendChild(table);
	const prev = el('button', 'fi-prev', '‹ previous', {type: 'button'});
	const pageText = el('span', 'fi-page-text');
	const next = el('button', 'fi-next', 'next ›', {type: 'button'});
	const perSel = el('select', 'fi-per-page', [25, 50, 100, 250, 1000].map(n =>
		el('option', null, `${n} rows`, {value: String(n)})));
	body.parentElement.appendChild(el('div', 'fi-pager', [prev, pageText, next, perSel]));

	let state = null;
	let rows = [];
	let total = null;
	let bucketSize = 0;

	function sortBy(key)
	{
		const o = tableOptions(state.opts);
		const dir = o.col.key === key ? (o.dir === 'desc' ? 'asc' : 'desc') : (key === 'bucket' ? 'asc' : 'desc');
		ctx.setState({opts: {sort: key, dir, page: null}});
	}
	hrow.addEventListener('click', (ev) => {
		const th = ev.target.closest('th');
		if (th && th.dataset.key)
			sortBy(th.dataset.key);
	});
	hrow.addEventListener('keydown', (ev) => {
		const th = ev.target.closest('th');
		if (th && th.dataset.key && (ev.key === 'Enter' || ev.key === ' ')) {
			ev.preventDefault();
			sortBy(th.dataset.key);
		}
	});
	prev.addEventListener('click', () => {
		const o = tableOptions(state.opts);
		ctx.setState({opts: {page: o.page > 2 ? o.page - 1 : null}});
	});
	next.addEventListener('click', () => {
		const o = tableOptions(state.opts);
		ctx.setState({opts: {page: o.page + 1}});
	});
	perSel.addEventListener('change', () => {
		ctx.setState({opts: {rows: perSel.value === String(DEFAULT_ROWS) ? null : perSel.value, page: null}});
	});

	function renderTable(o)
	{
		tbody.textContent = '';
		for (const r of rows) {
			const tr = tbody.insertRow();
			for (const c of columns) {
				const td = tr.insertCell();
				td.textContent = c.text(r, bucketSize);
				if (c.num)
					td.className = 'fi-num';
				if (c.geo) {
					td.className = 'fi-geo-col';
					td.title = c.title(r);
				}
				if (c.key === 'flows' || c.key === 'packets' || c.key === 'bytes')
					td.title = formatExact(r[c.field]);
			}
		}
		for (const th of hrow.children) {
			const on = th.dataset.key === o.col.key;
			th.classList.toggle('fi-sorted', on);
			th.setAttribute('aria-sort', on ? (o.dir === 'asc' ? 'ascending' : 'descending') : 'none');
			th.dataset.dir = on ? o.dir : '';
		}
		const pages = total === null ? null : Math.max(1, Math.ceil(total / o.per));
		const first = (o.page - 1) * o.per;
		info.textContent = total === null ? '' :
			`${formatExact(total)} rows${total ? `, showing ${formatExact(rows.length ? first + 1 : 0)}–${formatExact(first + rows.length)}` : ''}`;
		pageText.textContent = pages === null ? `page ${o.page}` : `page ${o.page} of ${pages}`;
		prev.disabled = o.page <= 1;
		next.disabled = pages !== null && o.page >= pages;
		if (!rows.length)
			status.empty(total === 0 ? 'No flows match.' : 'No rows on this page.');
	}

	async function load()
	{
		const o = tableOptions(state.opts);
		perSel.value = String(o.per);
		const base = {...ctx.apiParams(), fields: FIELDS};
		const sort = `${o.col.field} ${o.dir}` + (o.col.key === 'bucket' ? '' : ', bucket asc');
		const rowReq = ctx.fetchLatest('rows', '/api/bucket/query',
			{...base, ...(geo ? {geo: 1} : {}), sort, limit: o.per, offset: (o.page - 1) * o.per});
		const countReq = ctx.fetchLatest('count', '/api/bucket/query', {...base, count: 1});
		const res = await status.run(ctx.allRequests([rowReq, countReq]));
		if (!res)
			return;
		const [r, c] = res;
		rows = r.results;
		total = c.count;
		bucketSize = r.bucket_size || c.bucket_size;
		renderTable(o);
	}

	return {
		update(s) {
			state = s;
			frame.update(s);
			load();
		},
		destroy() {
			frame.destroy();
		},
		exportView() {
			return root.querySelector('.fi-timeline svg');
		},
		exportData() {
			return {
				name: 'flows',
				columns: [
					'bucket',
					{label: 'source', value: r => formatAddress(rowSource(r))},
					...(geo ? geoExport('source') : []),
					'sourceTransportPort',
					{label: 'destination', value: r => formatAddress(rowDestination(r))},
					...(geo ? geoExport('destination') : []),
					'destinationTransportPort', 'protocolIdentifier',
					{label: 'protocol', value: r => protoName(r.protocolIdentifier)},
					'flows', 'packetDeltaCount', 'octetDeltaCount',
				],
				rows,
			};
		},
	};
}
