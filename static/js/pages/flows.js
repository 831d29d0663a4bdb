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

import {formatAddress, formatBucket, formatCount, formatBytes, formatExact, protoName, rowSource,
	rowDestination} from '../lib/format.js';
import {el} from '../lib/dom.js';

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
	const table = el('table', 'fi-table');
	const hrow = table.createTHead().insertRow();
	hrow.append(...COLUMNS.map(c => el('th', c.num ? 'fi-num' : '', c.label,
		{tabIndex: 0, title: 'sort by this column', dataset: {key: c.key}})));
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
		if (th)
			sortBy(th.dataset.key);
	});
	hrow.addEventListener('keydown', (ev) => {
		const th = ev.target.closest('th');
		if (th && (ev.key === 'Enter' || ev.key === ' ')) {
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
			for (const c of COLUMNS) {
				const td = tr.insertCell();
				td.textContent = c.text(r, bucketSize);
				if (c.num)
					td.className = 'fi-num';
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
			{...base, sort, limit: o.per, offset: (o.page - 1) * o.per});
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
					'sourceTransportPort',
					{label: 'destination', value: r => formatAddress(rowDestination(r))},
					'destinationTransportPort', 'protocolIdentifier',
					{label: 'protocol', value: r => protoName(r.protocolIdentifier)},
					'flows', 'packetDeltaCount', 'octetDeltaCount',
				],
				rows,
			};
		},
	};
}
