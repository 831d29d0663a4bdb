// hilbert.js: the /hilbert page (issue 7): the address space on a Hilbert
// curve. A prefix (0.0.0.0/0 by default, or an IPv6 /32, /48 ...) is cut
// into 4^order sub-prefixes, each drawn as one square of a canvas at
// d2xy(i) and coloured by its traffic (/api/hilbert) on a log scale, so
// neighbours in address space stay neighbours on screen. The order fits the
// screen (at most the 65,536 cells of the classic /16 map). Grid lines and
// labels mark the next 8-bit level (/8 on the whole IPv4 map); hovering
// shows a cell's prefix and counts; a click zooms into the labelled block,
// the wheel one level (2 bits) in or out, down to single hosts; breadcrumbs
// lead back out. The timeline brushes the range as on the dashboard.
// Page options in the URL: prefix, direction (both|src|dst), order (1-10,
// else chosen to fit).

import * as M from '../lib/hilbertmap.js';
import {formatExact, formatValue, formatRange, valueLabel} from '../lib/format.js';
import {withHeading} from '../lib/export.js';
import {el, stylesheet, SVG_NS} from '../lib/dom.js';
import {d3} from '../lib/d3.js';

export const title = 'Address map';

const DEFAULT_PREFIX = '0.0.0.0/0';
const MAX_AUTO_ORDER = 8; // 256 x 256 cells: the classic map of the /16s
const MIN_CELL_PX = 2; // a cell smaller than this cannot be pointed at
const DARK = [242, 243, 245]; // unused address space
const LEGEND_W = 300;
const LEGEND_H = 44;
const WHEEL_PAUSE_MS = 300; // one zoom step per wheel gesture
const COUNTER_NAMES = ['flows', 'packetDeltaCount', 'octetDeltaCount'];
const VALUE_COUNTER = {flows: 0, packets: 1, bytes: 2};
const DIRECTIONS = ['both', 'src', 'dst'];

// d2xy of every cell of an order, computed once: [xs, ys].
const positions = new Map();
function cellPositions(order)
{
	if (!positions.has(order))
		positions.set(order, M.cellTable(order));
	return positions.get(order);
}

// 256 colours of the log scale, low (pale orange) to high (dark red), as
// [r, g, b] and as CSS text.
const LUT = (() => {
	const rgb = [];
	const css = [];
	for (let k = 0; k < 256; k++) {
		const c = d3.rgb(d3.interpolateYlOrRd(0.18 + 0.82 * k / 255));
		rgb.push([c.r, c.g, c.b]);
		css.push(c.formatHex());
	}
	return {rgb, css};
})();

// The colour index (0-255) of value v on a log scale up to max.
function colourIndex(v, max)
{
	if (v <= 1 || max <= 1)
		return 0;
	return Math.min(255, Math.floor(256 * Math.log(v) / Math.log(max + 1)));
}

// How many bits below the prefix the labelled grid lies: the next 8-bit
// boundary (the /8s of 0.0.0.0/0, the /16s of a /8), made even so a block
// is a square; null when that is not above the cells.
function gridBits(p, order)
{
	let bits = 8 - (p.len % 8);
	if (bits % 2)
		bits++;
	if (bits >= 2 * order)
		bits = 2 * order - 2;
	return bits >= 2 ? bits : null;
}

// The prefix option of a state, checked; {p} or {error}.
function statePrefix(state)
{
	try {
		return {p: M.parsePrefix(state.opts.prefix || DEFAULT_PREFIX)};
	} catch (e) {
		return {error: `Param prefix: ${e.message}.`};
	}
}

export function mount(root, ctx)
{
	const W = ctx.widgets;
	stylesheet('/css/hilbert.css');
	const frame = W.pageScaffold(root, ctx, {main: 'fi-hilbert'});

	const crumbs = el('nav', 'fi-hilbert-crumbs', null, {attrs: {'aria-label': 'prefix'}});
	const input = el('input', null, null, {name: 'prefix', placeholder: '10.0.0.0/8 or 2001:db8::/32', size: 24,
		attrs: {'aria-label': 'prefix to map'}});
	const dirSel = el('select', 'fi-hilbert-direction', DIRECTIONS.map(d =>
		el('option', '', d === 'both' ? 'src + dst' : d, {value: d})),
	{title: 'count addresses as source, destination or both'});
	const form = el('form', 'fi-hilbert-form', [input, el('button', '', 'Map', {type: 'submit'}), dirSel]);
	const body = W.panel(frame.main, title, 'fi-hilbert-panel', {head: [crumbs, form], bodyCls: 'fi-hilbert-body'});

	const outBtn = el('button', 'fi-hilbert-out', 'Zoom out', {type: 'button'});
	const filterBtn = el('button', 'fi-hilbert-filter', 'Filter pages by this prefix', {type: 'button',
		title: 'set include_ips to the prefix: the other pages show its traffic'});
	const note = el('span', 'fi-hilbert-note');
	const formError = el('span', 'fi-field-error');
	body.before(el('div', 'fi-hilbert-bar', [outBtn, filterBtn,
		el('span', 'fi-hint', 'click: zoom into a block, wheel: zoom in or out'), formError, note]));

	const canvas = el('canvas', 'fi-hilbert-canvas');
	const stage = el('div', 'fi-hilbert-stage', [canvas]);
	const overlay = d3.select(stage).append('svg').attr('class', 'fi-hilbert-overlay');
	const legend = d3.create('svg').attr('class', 'fi-chart fi-hilbert-legend')
		.attr('width', LEGEND_W).attr('height', LEGEND_H);
	const info = el('div', 'fi-hilbert-info');
	body.append(stage, legend.node(), info);
	const status = W.createStatus(body);

	let state = null;
	let view = null; // {p, order, depth, side, cellPx, key}
	let answer = null; // the last /api/hilbert answer for view
	let cells = null; // Map index -> row of answer.cells
	let lastWheel = 0;
	let hoverCell = -1;

	// The view a state asks for: prefix, order and the canvas size.
	function plan(st)
	{
		const {p, error} = statePrefix(st);
		if (error)
			return {error};
		const avail = Math.max(128, Math.min(body.clientWidth || 640,
			window.innerHeight - stage.getBoundingClientRect().top - LEGEND_H - 40, 1024));
		let order;
		const want = Number(st.opts.order);
		if (Number.isInteger(want) && want >= 1 && want <= M.ORDER_MAX)
			order = M.fitOrder(p, want);
		else
			order = M.fitOrder(p, Math.min(MAX_AUTO_ORDER, Math.floor(Math.log2(avail / MIN_CELL_PX))));
		const side = 2 ** order;
		const cellPx = Math.max(1, Math.floor(avail / side));
		return {p, order, depth: p.len + 2 * order, side, cellPx, size: side * cellPx};
	}

	function direction(st)
	{
		return DIRECTIONS.includes(st.opts.direction) ? st.opts.direction : 'both';
	}

	// The API's parameters: range and bucket size of the state, the map's
	// own, and the protocol filters (the node index has no addresses or
	// ports of flows: those filters apply to the other pages only).
	function params(st, v)
	{
		const p = ctx.apiParams({filters: false});
		p.prefix = M.formatPrefix(v.p);
		p.depth = v.depth;
		const dir = direction(st);
		if (dir !== 'both')
			p.direction = dir;
		for (const k of ['include_protos', 'exclude_protos'])
			if (st.filters[k].length)
				p[k] = st.filters[k].join(',');
		return p;
	}

	function setPrefix(p)
	{
		ctx.setState({opts: {prefix: M.formatPrefix(p) === DEFAULT_PREFIX ? null : M.formatPrefix(p)}});
	}

	function drawCrumbs(p)
	{
		crumbs.textContent = '';
		const list = M.breadcrumbs(p, p.v4 ? 8 : 16);
		list.forEach((q, k) => {
			if (k)
				crumbs.appendChild(el('span', 'fi-hilbert-sep', '›'));
			if (k === list.length - 1) {
				crumbs.appendChild(el('strong', 'fi-hilbert-crumb', M.formatPrefix(q)));
				return;
			}
			const follow = (ev) => {
				ev.preventDefault();
				setPrefix(q);
			};
			crumbs.appendChild(el('a', 'fi-hilbert-crumb', M.formatPrefix(q), {href: '#', on: {click: follow}}));
		});
	}

	// The canvas: one pixel per cell into an offscreen image, scaled up
	// without smoothing; then the grid, labels and legend. Sets
	// data-draw-ms on the canvas (the benchmark reads it).
	function draw()
	{
		if (!view || !answer)
			return;
		const t0 = performance.now();
		const {order, side, cellPx, size} = view;
		const ratio = window.devicePixelRatio || 1;
		canvas.width = Math.round(size * ratio);
		canvas.height = Math.round(size * ratio);
		canvas.style.width = `${size}px`;
		canvas.style.height = `${size}px`;
		const img = new ImageData(side, side);
		const px = img.data;
		for (let k = 0; k < px.length; k += 4) {
			px[k] = DARK[0];
			px[k + 1] = DARK[1];
			px[k + 2] = DARK[2];
			px[k + 3] = 255;
		}
		const col = answer.columns.indexOf(COUNTER_NAMES[VALUE_COUNTER[state.value]]);
		const max = answer.max[COUNTER_NAMES[VALUE_COUNTER[state.value]]] || 0;
		const [xs, ys] = cellPositions(order);
		for (const row of answer.cells) {
			const i = row[0];
			const c = LUT.rgb[colourIndex(row[col], max)];
			const k = 4 * (ys[i] * side + xs[i]);
			px[k] = c[0];
			px[k + 1] = c[1];
			px[k + 2] = c[2];
		}
		const off = el('canvas', null, null, {width: side, height: side});
		off.getContext('2d').putImageData(img, 0, 0);
		const g = canvas.getContext('2d');
		g.imageSmoothingEnabled = false;
		g.drawImage(off, 0, 0, canvas.width, canvas.height);
		drawOverlay(overlay, view, cellPx);
		drawLegend(max);
		const ms = performance.now() - t0;
		canvas.dataset.drawMs = ms.toFixed(1);
		canvas.dataset.order = String(order);
		stage.style.width = `${size}px`;
		stage.style.height = `${size}px`;
	}

	// Grid lines and labels of the labelled level, and the hover frame.
	function drawOverlay(svg, v, cellPx)
	{
		const {p, order, size} = v;
		svg.attr('width', size).attr('height', size).attr('viewBox', `0 0 ${size} ${size}`);
		const bits = gridBits(p, order);
		const blocks = [];
		if (bits !== null) {
			const level = bits / 2;
			for (let b = 0; b < 4 ** level; b++) {
				const sq = M.blockSquare(order, level, b);
				blocks.push({b, x: sq.x * cellPx, y: sq.y * cellPx, s: sq.size * cellPx,
					prefix: M.subPrefix(p, bits, b)});
			}
		}
		const blockPx = blocks.length ? blocks[0].s : 0;
		svg.selectAll('rect.fi-hilbert-block').data(blocks, d => d.b).join('rect')
			.attr('class', 'fi-hilbert-block')
			.attr('x', d => d.x + 0.5).attr('y', d => d.y + 0.5)
			.attr('width', d => d.s - 1).attr('height', d => d.s - 1);
		// labels: each cell's last byte when cells are large (a /24's hosts),
		// else each block's number (the /8s of the whole map), or its prefix
		let labels = [];
		let font = 0;
		let text = null;
		if (cellPx >= 24 && 4 ** order <= 1024) {
			const field = COUNTER_NAMES[VALUE_COUNTER[state.value]];
			const col = answer ? answer.columns.indexOf(field) : -1;
			const max = answer ? answer.max[field] || 0 : 0;
			for (let i = 0; i < 4 ** order; i++) {
				const [x, y] = M.cellXY(order, i);
				const a = M.cellPrefix(p, v.depth, i).addr;
				const row = cells && cells.get(i);
				// white on the darker half of the scale
				const dark = Boolean(row) && col > 0 && colourIndex(row[col], max) > 110;
				labels.push({b: i, x: x * cellPx, y: y * cellPx, s: cellPx, last: Number(a & 255n), dark});
			}
			font = Math.min(13, Math.floor(cellPx / 3));
			text = d => (p.v4 ? String(d.last) : d.last.toString(16));
		} else if (blockPx >= 14) {
			const full = blockPx >= 96;
			labels = blocks;
			font = Math.max(8, Math.min(13, Math.floor(blockPx / (full ? 8 : 3))));
			text = d => (full ? M.formatPrefix(d.prefix) : p.v4 ? String(d.b) : d.b.toString(16));
		}
		svg.selectAll('text.fi-hilbert-label').data(labels, d => d.b).join('text')
			.attr('class', d => (d.dark ? 'fi-hilbert-label fi-hilbert-on-dark' : 'fi-hilbert-label'))
			.attr('x', d => d.x + d.s / 2).attr('y', d => d.y + d.s / 2)
			.attr('font-size', font)
			.text(text);
		svg.selectAll('rect.fi-hilbert-hover').data(hoverCell >= 0 ? [hoverCell] : []).join('rect')
			.attr('class', 'fi-hilbert-hover')
			.attr('x', i => M.cellXY(order, i)[0] * cellPx)
			.attr('y', i => M.cellXY(order, i)[1] * cellPx)
			.attr('width', Math.max(2, cellPx)).attr('height', Math.max(2, cellPx));
	}

	function drawLegend(max)
	{
		legend.selectAll('*').remove();
		const grad = legend.append('defs').append('linearGradient').attr('id', 'fi-hilbert-grad');
		for (let k = 0; k < 256; k += 15)
			grad.append('stop').attr('offset', `${(k / 255) * 100}%`).attr('stop-color', LUT.css[k]);
		const x0 = 12;
		const x1 = LEGEND_W - 16;
		legend.append('rect').attr('x', x0).attr('y', 4).attr('width', x1 - x0).attr('height', 12)
			.attr('fill', 'url(#fi-hilbert-grad)');
		legend.append('rect').attr('class', 'fi-hilbert-dark').attr('x', 0).attr('y', 4)
			.attr('width', 8).attr('height', 12).attr('fill', d3.rgb(...DARK).formatHex());
		const top = Math.max(2, max + 1);
		const scale = d3.scaleLog().domain([1, top]).range([x0, x1]);
		// powers of ten (of 1024 for bytes), at most five of them, and the top
		const base = state.value === 'bytes' ? 1024 : 10;
		let ticks = [];
		for (let t = 1; t <= top; t *= base)
			ticks.push(t);
		while (ticks.length > 5)
			ticks = ticks.filter((_, k) => k % 2 === 0);
		if (scale(top) - scale(ticks[ticks.length - 1]) > 40)
			ticks.push(max);
		legend.append('g').attr('class', 'fi-axis').attr('transform', 'translate(0,16)')
			.call(d3.axisBottom(scale).tickValues(ticks).tickFormat(v => formatValue(v, state.value)))
			.call(g => g.select('.domain').remove());
		legend.append('text').attr('x', 0).attr('y', 42).attr('class', 'fi-hilbert-legend-title')
			.attr('font-size', 11)
			.text(`${valueLabel(state.value)} per cell (log scale; grey: none)`);
	}

	function drawInfo()
	{
		if (!answer)
			return;
		const field = COUNTER_NAMES[VALUE_COUNTER[state.value]];
		const cellText = M.formatPrefix(M.cellPrefix(view.p, view.depth, 0)).replace(/^.*\//, '/');
		info.textContent = `${M.formatPrefix(view.p)} as ${4 ** view.order} ${cellText} cells ` +
			`(${view.side} × ${view.side}), ${answer.nonzero} with traffic; ` +
			`total ${formatExact(answer.total[field])} ${valueLabel(state.value).toLowerCase()}, ` +
			`bucket size ${answer.bucket_size} s` + (answer.truncated ? ' (cut at max_rows)' : '');
	}

	async function load()
	{
		const v = plan(state);
		if (v.error) {
			status.error(new Error(v.error));
			return;
		}
		const q = params(state, v);
		const key = JSON.stringify(q);
		drawCrumbs(v.p);
		input.value = M.formatPrefix(v.p);
		dirSel.value = direction(state);
		outBtn.disabled = v.p.len === 0;
		if (view && key === view.key && answer) {
			view = {...v, key};
			draw();
			drawInfo();
			return;
		}
		const res = await status.run(ctx.fetchLatest('map', '/api/hilbert', q));
		if (!res)
			return;
		view = {...v, key};
		answer = res;
		cells = new Map(res.cells.map(r => [r[0], r]));
		hoverCell = -1;
		draw();
		drawInfo();
		if (!res.cells.length)
			status.empty('No traffic in this prefix and range.');
	}

	// The cell under a pointer event, or -1.
	function cellAt(ev)
	{
		if (!view)
			return -1;
		const r = canvas.getBoundingClientRect();
		const x = Math.floor((ev.clientX - r.left) / view.cellPx);
		const y = Math.floor((ev.clientY - r.top) / view.cellPx);
		if (x < 0 || y < 0 || x >= view.side || y >= view.side)
			return -1;
		return M.xyCell(view.order, x, y);
	}

	canvas.addEventListener('mousemove', (ev) => {
		const i = cellAt(ev);
		if (i < 0 || !answer) {
			W.hideTooltip();
			return;
		}
		if (i !== hoverCell) {
			hoverCell = i;
			drawOverlay(overlay, view, view.cellPx);
		}
		const row = cells.get(i);
		const rows = COUNTER_NAMES.map((name, k) => {
			const col = answer.columns.indexOf(name);
			const label = valueLabel(['flows', 'packets', 'bytes'][k]);
			return [label, col < 0 ? '–' : formatExact(row ? row[col] : 0)];
		});
		const bits = gridBits(view.p, view.order);
		if (bits !== null)
			rows.push(['in', M.formatPrefix(M.parentPrefix(M.cellPrefix(view.p, view.depth, i), view.p.len + bits))]);
		rows.push(['cell', String(i)]);
		W.showTooltip(ev, M.formatCell(M.cellPrefix(view.p, view.depth, i)), rows);
	});
	canvas.addEventListener('mouseleave', () => {
		W.hideTooltip();
		hoverCell = -1;
		if (view)
			drawOverlay(overlay, view, view.cellPx);
	});
	canvas.addEventListener('click', (ev) => {
		const i = cellAt(ev);
		if (i < 0)
			return;
		W.hideTooltip();
		const cell = M.cellPrefix(view.p, view.depth, i);
		if (view.order === 0 || cell.len === M.familyBits(cell)) {
			// a host: its flows
			ctx.navigate('/flow-details', {filters: {include_ips: [M.formatCell(cell)]}});
			return;
		}
		const bits = gridBits(view.p, view.order);
		setPrefix(M.parentPrefix(cell, bits === null ? cell.len : view.p.len + bits));
	});
	canvas.addEventListener('wheel', (ev) => {
		const i = cellAt(ev);
		if (i < 0 || !view)
			return;
		ev.preventDefault();
		const now = performance.now();
		if (now - lastWheel < WHEEL_PAUSE_MS)
			return;
		lastWheel = now;
		W.hideTooltip();
		if (ev.deltaY < 0 && view.order > 1)
			setPrefix(M.parentPrefix(M.cellPrefix(view.p, view.depth, i), view.p.len + 2));
		else if (ev.deltaY > 0 && view.p.len > 0)
			setPrefix(M.parentPrefix(view.p, Math.max(0, view.p.len - 2)));
	}, {passive: false});
	outBtn.addEventListener('click', () => {
		if (!view)
			return;
		const list = M.breadcrumbs(view.p, view.p.v4 ? 8 : 16);
		setPrefix(list.length > 1 ? list[list.length - 2] : view.p);
	});
	filterBtn.addEventListener('click', () => {
		if (view)
			ctx.setState({filters: {include_ips: [M.formatPrefix(view.p)]}});
	});
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		try {
			const p = M.parsePrefix(input.value);
			formError.textContent = '';
			setPrefix(p);
		} catch (e) {
			formError.textContent = e.message;
		}
	});
	dirSel.addEventListener('change', () => {
		ctx.setState({opts: {direction: dirSel.value === 'both' ? null : dirSel.value}});
	});

	let lastWidth = 0;
	const ro = new ResizeObserver(() => {
		const w = body.clientWidth;
		if (state && Math.abs(w - lastWidth) > 20) {
			lastWidth = w;
			load();
		}
	});
	ro.observe(body);

	// An SVG of the map for export: the lit cells as squares, the grid and
	// labels, the legend, under the panel's title and a line saying what the
	// map shows (a detached SVG: the shell exports it as it is).
	function exportView()
	{
		if (!view || !answer)
			return null;
		const {order, cellPx, size} = view;
		const svg = d3.create('svg').attr('xmlns', SVG_NS)
			.attr('width', size).attr('height', size + LEGEND_H + 8)
			.attr('viewBox', `0 0 ${size} ${size + LEGEND_H + 8}`)
			.attr('font-family', 'sans-serif');
		svg.append('rect').attr('width', '100%').attr('height', '100%').attr('fill', 'white');
		const range = state.from === null ? 'all data' : formatRange(state.from, state.to);
		const caption = `${M.formatPrefix(view.p)} at /${view.depth} (${direction(state)}), ${range}, ` +
			valueLabel(state.value);
		const g = svg.append('g');
		g.append('rect').attr('width', size).attr('height', size).attr('fill', d3.rgb(...DARK).formatHex());
		const field = COUNTER_NAMES[VALUE_COUNTER[state.value]];
		const col = answer.columns.indexOf(field);
		const max = answer.max[field] || 0;
		const [xs, ys] = cellPositions(order);
		g.append('g').selectAll('rect').data(answer.cells).join('rect')
			.attr('x', r => xs[r[0]] * cellPx).attr('y', r => ys[r[0]] * cellPx)
			.attr('width', cellPx).attr('height', cellPx)
			.attr('fill', r => LUT.css[colourIndex(r[col], max)]);
		const ov = g.append('g');
		const saved = hoverCell;
		hoverCell = -1;
		drawOverlay(ov, view, cellPx);
		hoverCell = saved;
		ov.selectAll('rect.fi-hilbert-block').attr('fill', 'none').attr('stroke', '#8892a0')
			.attr('stroke-opacity', 0.5);
		ov.selectAll('text.fi-hilbert-label').attr('fill', d => (d.dark ? '#fff' : '#334'))
			.attr('fill-opacity', 0.8)
			.attr('text-anchor', 'middle').attr('dominant-baseline', 'central');
		const lg = legend.node().cloneNode(true);
		lg.setAttribute('y', String(size + 4));
		lg.querySelectorAll('text').forEach(t => t.setAttribute('fill', '#334'));
		lg.querySelectorAll('line, path').forEach(t => t.setAttribute('stroke', '#889'));
		svg.node().appendChild(lg);
		return withHeading(svg.node(), [title, caption]);
	}

	return {
		update(st) {
			state = st;
			frame.update(st);
			const other = ['include_ips', 'exclude_ips', 'include_ports', 'exclude_ports']
				.filter(k => st.filters[k].length);
			note.textContent = other.length
				? `${other.join(', ')}: not applied to the map (the node index knows addresses, not the flows' filters)`
				: '';
			lastWidth = body.clientWidth;
			load();
		},
		destroy() {
			ro.disconnect();
			W.hideTooltip();
			frame.destroy();
		},
		exportView,
		exportData() {
			if (!answer)
				return null;
			return {
				name: 'cells',
				columns: [
					{label: 'prefix', value: r => M.formatPrefix(M.cellPrefix(view.p, view.depth, r[0]))},
					{label: 'cell', value: r => r[0]},
					...answer.columns.slice(1).map((c, k) => ({label: c, value: r => r[k + 1]})),
				],
				rows: answer.cells,
			};
		},
	};
}
