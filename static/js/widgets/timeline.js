// timeline.js: the timeline widget: one bar per bucket over all the data
// (matching the filters), and a d3 brush that selects a time range snapped
// to whole buckets and writes it into the URL state (from, to), so every
// other widget asks for that range. A click without dragging clears the
// range. The brush takes the keyboard focus too: the arrow keys move the
// range by one bucket, Shift with an arrow key moves its end (resizes it),
// Escape clears it. Each bar is a <rect class="fi-bar"> with data-bucket.

import {formatBucket, formatValue, formatExact, formatDuration, formatTick, formatRange, VALUE_FIELD,
	valueLabel} from '../lib/format.js';
import {hasFilters, snapRange} from '../lib/urlstate.js';
import {el} from '../lib/dom.js';
import {d3} from '../lib/d3.js';
import {createStatus} from './status.js';
import {panel} from './panel.js';
import {showTooltip, hideTooltip} from './tooltip.js';

// The bucket size to ask for: the state's, or (resolution) about one bar per
// this many pixels.
const PX_PER_BAR = 4;

// A run of key presses on the brush writes the URL once, when the keys have
// paused this long (a drag of the mouse writes it once, when it ends).
const KEY_PAUSE_MS = 400;

// Creates the timeline in container. opts.height (default 110) is the
// chart's height. Returns {update(state), destroy(), exportData(), data()};
// data() is the last answer {bucket_size, rows} or null.
export function createTimeline(container, ctx, opts = {})
{
	const height = opts.height || 110;
	const margin = {top: 8, right: 22, bottom: 22, left: 56};
	const hint = el('span', 'fi-hint',
		'drag to select a time range, click to clear; or Tab to it: ←/→ move, Shift+←/→ resize, Esc clears');
	const sizeSel = el('select', 'fi-bucket-size', null, {title: 'bucket size'});
	const body = panel(container, 'Timeline', 'fi-timeline', {tag: 'div', head: [hint, sizeSel]});
	const box = body.parentElement;
	const status = createStatus(body);
	const svg = d3.select(body).append('svg').attr('class', 'fi-chart').attr('height', height);
	const gBars = svg.append('g').attr('class', 'fi-bars');
	const gx = svg.append('g').attr('class', 'fi-axis fi-axis-x');
	const gy = svg.append('g').attr('class', 'fi-axis fi-axis-y');
	const gBrush = svg.append('g').attr('class', 'fi-brush');

	let state = null;
	let answer = null; // {bucket_size, rows}
	let x = null; // the time scale of the last draw
	let lastKey = '';
	const brush = d3.brushX().on('end', brushed).on('start', () => hideTooltip());
	let dragging = false;
	let keyRange = null; // [from, to] moved by keys, not yet in the URL
	let keyTimer = null;

	// The brush as a keyboard control: a slider over the data's time span
	// whose value is the range.
	gBrush.attr('tabindex', 0).attr('role', 'slider')
		.attr('aria-label', 'Time range: arrow keys move it by one bucket, Shift and an arrow key '
			+ 'resize it, Escape clears it')
		.on('keydown.fikeys', keyed)
		.on('blur.fikeys', () => {
			if (keyTimer !== null)
				commitKeys();
		});

	// The brush lies over the bars and takes the pointer, so the tooltip
	// follows the pointer over the brush: the bucket under it.
	gBrush.on('pointerdown.fitip', () => {
		dragging = true;
		hideTooltip();
	}).on('pointerup.fitip', () => {
		dragging = false;
	}).on('pointermove.fitip', (event) => {
		if (dragging || !answer || !x || event.buttons)
			return;
		const size = answer.bucket_size;
		const t = x.invert(d3.pointer(event, svg.node())[0]).getTime() / 1000;
		const b = Math.floor(t / size) * size;
		const row = answer.rows.find(r => r.bucket === b);
		if (!row) {
			hideTooltip();
			return;
		}
		const field = VALUE_FIELD[state.value];
		showTooltip(event, formatBucket(b, size), [
			[valueLabel(state.value), formatExact(row[field])],
			['bucket', formatDuration(size)],
		]);
	}).on('pointerleave.fitip', () => hideTooltip());

	// a new size widens the range to whole buckets of it, so the range
	// still covers what was selected
	sizeSel.addEventListener('change', () => {
		const size = sizeSel.value ? Number(sizeSel.value) : null;
		const patch = {bucket_size: size};
		if (size && state && state.from !== null) {
			patch.from = Math.floor(state.from / size) * size;
			patch.to = Math.ceil(state.to / size) * size;
		}
		ctx.setState(patch);
	});

	ctx.meta().then((meta) => {
		const sizes = meta.bucket_sizes || (meta.sizes || []).map(s => s.bucket_size);
		sizeSel.textContent = '';
		sizeSel.append(el('option', null, 'auto', {value: ''}),
			...sizes.map(s => el('option', null, formatDuration(s), {value: String(s)})));
		sizeSel.value = state && state.bucket_size ? String(state.bucket_size) : '';
	}).catch(() => {});

	// The range the brush shows: the one keys are moving, else the state's.
	function shownRange()
	{
		if (keyRange)
			return keyRange;
		return state && state.from !== null ? [state.from, state.to] : null;
	}

	// The brush's ARIA value: the range as text.
	function describe()
	{
		const r = shownRange();
		gBrush.attr('aria-valuetext', r ? formatRange(r[0], r[1]) : 'all data, no range selected');
		if (answer) {
			const [min, max] = domainOf(answer);
			gBrush.attr('aria-valuemin', min).attr('aria-valuemax', max)
				.attr('aria-valuenow', r ? r[0] : min);
		}
	}

	function commitKeys()
	{
		clearTimeout(keyTimer);
		keyTimer = null;
		const r = keyRange;
		keyRange = null;
		if (r && (!state || state.from !== r[0] || state.to !== r[1]))
			ctx.setState({from: r[0], to: r[1]});
	}

	// Arrow keys move the range by one bucket of the timeline, clamped to
	// the data; with Shift they move its end, at least one bucket wide;
	// without a range, ArrowRight takes the first bucket and ArrowLeft the
	// last. Escape clears the range at once.
	function keyed(event)
	{
		if (!answer || !x || event.altKey || event.ctrlKey || event.metaKey)
			return;
		if (event.key === 'Escape') {
			if (!shownRange())
				return;
			event.preventDefault();
			clearTimeout(keyTimer);
			keyTimer = null;
			keyRange = null;
			gBrush.call(brush.move, null);
			describe();
			ctx.setState({from: null, to: null});
			return;
		}
		if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')
			return;
		event.preventDefault();
		const size = answer.bucket_size;
		const [min, max] = domainOf(answer);
		const step = event.key === 'ArrowRight' ? size : -size;
		const cur = shownRange() && snapRange(...shownRange(), size, min, max);
		let next;
		if (!cur) {
			next = step > 0 ? [min, min + size] : [max - size, max];
		} else if (event.shiftKey) {
			next = [cur[0], Math.min(max, Math.max(cur[0] + size, cur[1] + step))];
		} else {
			const len = cur[1] - cur[0];
			const from = Math.max(min, Math.min(max - len, cur[0] + step));
			next = [from, from + len];
		}
		keyRange = next;
		gBrush.call(brush.move, [x(new Date(next[0] * 1000)), x(new Date(next[1] * 1000))]);
		describe();
		clearTimeout(keyTimer);
		keyTimer = setTimeout(commitKeys, KEY_PAUSE_MS);
	}

	function width()
	{
		return Math.max(200, body.clientWidth || 600);
	}

	function brushed(event)
	{
		if (!event.sourceEvent || !answer || !x)
			return; // moved by update() or the keys, not by the mouse
		// the mouse overrides a range the keys have not written yet
		clearTimeout(keyTimer);
		keyTimer = null;
		keyRange = null;
		if (!event.selection) {
			ctx.setState({from: null, to: null});
			return;
		}
		const [a, b] = event.selection.map(px => x.invert(px).getTime() / 1000);
		const size = answer.bucket_size;
		const [min, max] = domainOf(answer);
		const r = snapRange(a, b, size, min, max);
		if (!r) {
			ctx.setState({from: null, to: null});
			return;
		}
		gBrush.call(brush.move, [x(new Date(r[0] * 1000)), x(new Date(r[1] * 1000))]);
		ctx.setState({from: r[0], to: r[1]});
	}

	// The time axis: the whole data range of the bucket size (the same with
	// and without filters), else the rows' span.
	function domainOf(a)
	{
		if (a.min !== null && a.max !== null)
			return [a.min, a.max + a.bucket_size];
		if (!a.rows.length)
			return [0, 1];
		return [a.rows[0].bucket, a.rows[a.rows.length - 1].bucket + a.bucket_size];
	}

	function draw()
	{
		if (!answer)
			return;
		const w = width();
		const field = VALUE_FIELD[state.value];
		const rows = answer.rows;
		const size = answer.bucket_size;
		const [min, max] = domainOf(answer);
		svg.attr('width', w).attr('viewBox', `0 0 ${w} ${height}`);
		x = d3.scaleUtc().domain([new Date(min * 1000), new Date(max * 1000)])
			.range([margin.left, w - margin.right]);
		const y = d3.scaleLinear().domain([0, d3.max(rows, r => r[field]) || 1]).nice()
			.range([height - margin.bottom, margin.top]);
		const bw = Math.max(1, x(new Date(size * 1000)) - x(new Date(0)) - (rows.length < 200 ? 1 : 0));
		gBars.selectAll('rect.fi-bar').data(rows, r => r.bucket).join('rect')
			.attr('class', 'fi-bar')
			.attr('data-bucket', r => r.bucket)
			.attr('x', r => x(new Date(r.bucket * 1000)))
			.attr('width', bw)
			.attr('y', r => y(r[field]))
			.attr('height', r => Math.max(0, y(0) - y(r[field])));
		gx.attr('transform', `translate(0,${height - margin.bottom})`)
			.call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(w / 130))).tickSizeOuter(0)
				.tickFormat(t => formatTick(t, max - min)));
		gy.attr('transform', `translate(${margin.left},0)`)
			.call(d3.axisLeft(y).ticks(3).tickFormat(v => formatValue(v, state.value)));
		brush.extent([[margin.left, margin.top], [w - margin.right, height - margin.bottom]]);
		gBrush.call(brush);
		const r = shownRange();
		if (r)
			gBrush.call(brush.move, [x(new Date(r[0] * 1000)), x(new Date(r[1] * 1000))]);
		else
			gBrush.call(brush.move, null);
		describe();
	}

	async function load()
	{
		// the timeline always spans all the data: no range, but the filters
		const params = ctx.apiParams({range: false, bucketSize: false});
		if (state.bucket_size)
			params.bucket_size = state.bucket_size;
		else
			params.resolution = Math.floor(width() / PX_PER_BAR);
		if (hasFilters(state))
			params.aggregate = 'bucket';
		const key = JSON.stringify(params);
		if (key === lastKey && answer) {
			draw();
			return;
		}
		lastKey = key;
		const res = await status.run(ctx.fetchLatest('timeline', '/api/bucket/query', params));
		if (!res) {
			if (lastKey === key)
				lastKey = ''; // failed: ask again on the next update
			return;
		}
		const rows = [...res.results].sort((a, b) => a.bucket - b.bucket);
		answer = {bucket_size: res.bucket_size, rows, min: res.global_min_bucket ?? null,
			max: res.global_max_bucket ?? null};
		if (!rows.length)
			status.empty('No data' + (hasFilters(state) ? ' matches the filters.' : ' yet.'));
		draw();
	}

	const ro = new ResizeObserver(() => draw());
	ro.observe(body);

	return {
		update(st) {
			state = st;
			if (sizeSel.options.length)
				sizeSel.value = st.bucket_size ? String(st.bucket_size) : '';
			load();
		},
		destroy() {
			clearTimeout(keyTimer);
			ro.disconnect();
			box.remove();
		},
		data() {
			return answer;
		},
		exportData() {
			if (!answer)
				return null;
			return {
				name: 'timeline',
				columns: ['bucket', 'flows', 'packetDeltaCount', 'octetDeltaCount'],
				rows: answer.rows,
			};
		},
	};
}
