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
	root.classList.add('fi-layout');
	const side = document.createElement('aside');
	side.className = 'fi-sidebar';
	root.appendChild(side);
	const sidebar = W.createFilterSidebar(side, ctx);
	const main = document.createElement('div');
	main.className = 'fi-main';
	root.appendChild(main);
	const timeline = W.createTimeline(main, ctx);

	const body = W.panel(main, 'Flows', 'fi-flowtable');
	const box = body.parentElement;
	const info = document.createElement('span');
	info.className = 'fi-table-info fi-widget-summary';
	body.previousElementSibling.appendChild(info);
	const status = W.createStatus(body);
	const table = document.createElement('table');
	table.className = 'fi-table';
	const thead = table.createTHead();
	const hrow = thead.insertRow();
	for (const c of COLUMNS) {
		const th = document.createElement('th');
		th.dataset.key = c.key;
		th.textContent = c.label;
		th.tabIndex = 0;
		th.className = c.num ? 'fi-num' : '';
		th.title = 'sort by this column';
		hrow.appendChild(th);
	}
	const tbody = table.createTBody();
	body.appendChild(table);
	const pager = document.createElement('div');
	pager.className = 'fi-pager';
	const prev = document.createElement('button');
	prev.type = 'button';
	prev.textContent = '‹ previous';
	prev.className = 'fi-prev';
	const pageText = document.createElement('span');
	pageText.className = 'fi-page-text';
	const next = document.createElement('button');
	next.type = 'button';
	next.textContent = 'next ›';
	next.className = 'fi-next';
	const perSel = document.createElement('select');
	perSel.className = 'fi-per-page';
	for (const n of [25, 50, 100, 250, 1000]) {
		const o = document.createElement('option');
		o.value = String(n);
		o.textContent = `${n} rows`;
		perSel.appendChild(o);
	}
	pager.append(prev, pageText, next, perSel);
	box.appendChild(pager);

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
			sidebar.update(s);
			timeline.update(s);
			load();
		},
		destroy() {
			sidebar.destroy();
			timeline.destroy();
		},
		exportView() {
			return timeline ? root.querySelector('.fi-timeline svg') : null;
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
