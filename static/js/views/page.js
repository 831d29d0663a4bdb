// page.js: what the graph, edge bundle and hive plot pages share
// (pages/README.md's contract): in the pages' scaffold (widgets/scaffold.js:
// filter sidebar, timeline), a "View" panel of controls bound to URL
// options above the filters, and one SVG view with loading and error
// states. A page describes its controls, how it
// loads, shapes and draws; this module decides what an URL change needs:
// new data, a new drawing, or an in-place change of the drawing.

import {VALUE_FIELD} from '../lib/format.js';
import {geoDatabases, geoRows} from '../lib/countries.js';
import {parseAddr} from '../lib/prefix.js';
import {el, svgEl, stylesheet} from '../lib/dom.js';
import {allRequests, carryRetries} from '../api.js';

// Most host pairs one view asks for (the largest by the value); the view
// says so when the answer was cut.
export const PAIR_LIMIT = 20000;
// Without a range or bucket size, the API picks the finest bucket size with
// at most this many buckets: the links' last-seen times (their colours)
// need a fine size, the counts are the same at any size.
const RESOLUTION = 200;

// Most hosts a view takes: the bound of its `nodes` option.
export const MAX_NODES = 1000;

// The node limit's control; title says what happens to the hosts.
export function hostsControl(title)
{
	return {key: 'nodes', label: 'Hosts', type: 'number', min: 1, max: MAX_NODES, step: 1, title};
}

// The "others" switch; title says what the hosts not shown become.
export function othersControl(title)
{
	return {key: 'others', label: 'Show others', type: 'checkbox', title};
}

// A renderer's onClick: a host opens its flow details; the others node,
// which stands for many hosts, does nothing.
export function openHost(ctx)
{
	return (d) => {
		if (!d.others)
			ctx.navigate('/flow-details', {filters: {include_ips: [d.key]}});
	};
}

// The summary's note when the host pairs were cut at the limit
// (loadHostsAndPairs' raw data), else ''.
export function pairsNote(raw)
{
	return raw.pairs.results.length >= raw.pairLimit ? ` (from the ${raw.pairLimit} largest host pairs)` : '';
}

// The CSV export of a view whose shaped data has links (graph, edge bundle):
// one row per drawn link with the value shown and its last bucket.
export function linksExport(shaped, state)
{
	return {
		name: 'links',
		columns: [
			{label: 'source', value: (l) => l.source},
			{label: 'destination', value: (l) => l.target},
			{label: state.value, value: (l) => l.value},
			{label: 'last_bucket', value: (l) => l.last},
		],
		rows: shaped.links,
	};
}

// Loads the node index (the top `nodes` hosts by the value) and the host
// pairs over the state's range, filters and bucket size, in parallel.
// The IPv4 field names of the aggregate group IPv6 addresses too
// (fcgi/API.md): IPv6 pairs come back as text under the IPv6 keys. With
// fields=bucket each pair carries its last bucket. With a country or AS
// database loaded (/api/meta's geo.databases) the node index is asked
// with geo=1: its rows carry each host's country and AS (hostGeo).
// Resolves to {index, pairs, pairLimit}; the promise carries the requests'
// retry notices (api.js), which the page's status shows.
export function loadHostsAndPairs(ctx, state, nodes)
{
	const field = VALUE_FIELD[state.value] || 'flows';
	const base = ctx.apiParams();
	if (!base.bucket_size)
		base.resolution = RESOLUTION;
	const meta = ctx.metaNow;
	const pairLimit = Math.min(PAIR_LIMIT, meta && meta.max_rows ? meta.max_rows : PAIR_LIMIT);
	const geo = geoDatabases(meta) ? {geo: 1} : {};
	const both = allRequests([
		ctx.fetchLatest('nodes', '/api/dynamic/index/nodes',
			{...base, ...geo, limit: nodes, sort: `${field} desc`}),
		ctx.fetchLatest('pairs', '/api/bucket/query', {
			...base,
			aggregate: 'sourceIPv4Address,destinationIPv4Address',
			fields: 'bucket',
			sort: `${field} desc`,
			limit: pairLimit,
		}),
	]);
	return carryRetries(both.then(([index, pairs]) => ({index, pairs, pairLimit})), [both]);
}

// The tooltip rows of a host's country and AS (lib/countries.js geoRows)
// from loadHostsAndPairs' raw data: a function of a shaped host ({key} or
// the others node) giving [] for the others node, a host the index did
// not list, or an index asked without geo=1.
export function hostGeo(raw)
{
	const byKey = new Map();
	for (const row of (raw.index && raw.index.results) || []) {
		const addr = row.country === undefined ? null : parseAddr(row.id);
		if (addr !== null)
			byKey.set(addr.key, row);
	}
	return (d) => (d.others ? [] : geoRows(byKey.get(d.key)));
}

// Builds one control. c: {key, label, type: 'select' | 'number' |
// 'checkbox' | 'range' | 'text', options: [[value, label]], min, max,
// step, title, placeholder, commit(text) -> the text the URL gets}. Returns {row, input, set(value), error(text)}; onChange
// gets the control's text when the user commits a change, onInput (range
// only) while the slider moves.
function makeControl(c, onChange, onInput)
{
	const str = (v) => (v === undefined ? undefined : String(v));
	const input = c.type === 'select'
		? el('select', null, c.options.map(([v, l]) => el('option', null, l, {value: v})), {name: c.key})
		: el('input', null, null, {
			type: ['checkbox', 'range', 'number'].includes(c.type) ? c.type : 'text',
			min: str(c.min), max: str(c.max), step: str(c.step),
			placeholder: c.placeholder || undefined,
			autocomplete: 'off', spellcheck: false, name: c.key,
		});
	const shown = c.type === 'range' ? el('span', 'fi-view-range-value') : null;
	const row = el('label', `fi-view-control fi-view-${c.key}`,
		[el('span', 'fi-view-label', c.label), input, shown], {title: c.title || undefined});
	const err = el('div', 'fi-field-error');
	const value = () => (c.type === 'checkbox' ? (input.checked ? '1' : '0') : input.value);
	input.addEventListener('change', () => onChange(value()));
	if (c.type === 'range') {
		input.addEventListener('input', () => {
			shown.textContent = input.value;
			if (onInput)
				onInput(Number(input.value));
		});
	}
	if (c.type === 'text' || c.type === 'number') {
		input.addEventListener('keydown', (e) => {
			if (e.key === 'Enter')
				onChange(value());
		});
	}
	return {
		row,
		err,
		input,
		set(v) {
			if (c.type === 'checkbox')
				input.checked = Boolean(v);
			else if (document.activeElement !== input || c.type === 'range')
				input.value = String(v);
			if (shown)
				shown.textContent = String(v);
		},
		error(text) {
			err.textContent = text || '';
			input.classList.toggle('fi-invalid', Boolean(text));
		},
	};
}

// Mounts a view page in root. spec:
//   name                  CSS suffix (fi-view-<name>)
//   heading               the view panel's title
//   controls              control descriptions (makeControl), in order
//   parse(opts)           URL options -> the page's options object, each
//                         control's key among them (valid values only)
//   dataKeys              option keys that need new data when they change
//   liveKeys              option keys applied by live(handle, o) in place
//                         (the others redraw from the loaded data)
//   load(ctx, state, o)   resolves to the raw data
//   shape(raw, state, o)  raw -> shaped data (pure)
//   draw(svg, shaped, state, o, width, ctx) -> {handle, info, errors}:
//                         info is the panel's one-line summary, errors
//                         {key: message} shown under the controls
//   live(handle, o)       applies the live options
//   isEmpty(shaped)       whether there is nothing to draw
//   exportData(shaped, state, ctx) -> {name, columns, rows}
// Returns the page object of the contract.
export function mountView(root, ctx, spec)
{
	const W = ctx.widgets;
	stylesheet('/css/views.css');
	const form = el('section', 'fi-widget fi-view-controls', [W.panelHead('View')]);
	const frame = W.pageScaffold(root, ctx, {main: `fi-view-page fi-view-${spec.name}`, side: [form],
		filters: true});
	const controls = {};
	let handle = null;
	let current = null; // the options last applied
	for (const c of spec.controls) {
		const ctl = makeControl(c,
			(text) => ctx.setState({opts: {[c.key]: c.commit ? c.commit(text) : text}}),
			spec.liveKeys.includes(c.key) ? (v) => {
				if (handle && current)
					spec.live(handle, {...current, [c.key]: v});
			} : null);
		controls[c.key] = ctl;
		form.append(ctl.row, ctl.err);
	}

	const info = el('span', 'fi-hint fi-view-info fi-widget-summary');
	const legend = el('span', 'fi-view-legend');
	const body = W.panel(frame.main, spec.heading, 'fi-view', {head: [info, legend]});
	const status = W.createStatus(body);
	const svg = svgEl('svg', {class: 'fi-chart fi-view-svg'});
	body.appendChild(svg);

	let raw = null;
	let shaped = null;
	let dataKey = null;
	let drawKey = null;
	let state = null;
	let seq = 0;

	const pick = (o, keys) => JSON.stringify(keys.map((k) => o[k]));
	const redraw = () => {
		if (handle && handle.stop)
			handle.stop();
		handle = null;
		shaped = spec.shape(raw, state, current);
		svg.replaceChildren();
		drawnWidth = body.clientWidth;
		const width = Math.max(400, drawnWidth - 8);
		const out = spec.draw(svg, shaped, state, current, width, ctx);
		handle = out.handle;
		info.textContent = out.info || '';
		drawLegend(legend, shaped.time, ctx);
		for (const c of spec.controls)
			controls[c.key].error(out.errors ? out.errors[c.key] : '');
		if (spec.isEmpty(shaped))
			status.empty('No traffic matches this range and these filters.');
		else
			status.ready();
	};

	async function refresh(s)
	{
		state = s;
		const o = spec.parse(s.opts);
		for (const c of spec.controls)
			controls[c.key].set(o[c.key]);
		const dk = JSON.stringify([s.from, s.to, s.bucket_size, s.value, s.filters,
			pick(o, spec.dataKeys)]);
		const nonLive = spec.controls.map((c) => c.key).filter((k) => !spec.liveKeys.includes(k));
		const rk = pick(o, nonLive);
		if (dk !== dataKey) {
			dataKey = dk;
			drawKey = rk;
			const mine = ++seq;
			const data = await status.run(spec.load(ctx, s, o));
			if (mine !== seq)
				return;
			if (data === undefined) {
				dataKey = null; // failed: the next update asks again
				return;
			}
			raw = data;
			// options changed while loading apply now
			current = spec.parse(state.opts);
			drawKey = pick(current, nonLive);
			redraw();
		} else if (raw && rk !== drawKey) {
			drawKey = rk;
			current = o;
			redraw();
		} else if (raw && handle) {
			current = o;
			spec.live(handle, o);
		} else {
			current = o;
		}
	}

	// Redraw when the panel's width changes markedly (window resized),
	// once the resizing has paused.
	let drawnWidth = null;
	let resizeTimer = null;
	const resize = new ResizeObserver(() => {
		clearTimeout(resizeTimer);
		resizeTimer = setTimeout(() => {
			if (raw && current && drawnWidth !== null && Math.abs(body.clientWidth - drawnWidth) > 40)
				redraw();
		}, 250);
	});
	resize.observe(body);

	return {
		update(s) {
			frame.update(s);
			refresh(s);
		},
		destroy() {
			resize.disconnect();
			clearTimeout(resizeTimer);
			if (handle && handle.stop)
				handle.stop();
			W.hideTooltip();
			frame.destroy();
		},
		exportView() {
			return svg;
		},
		exportData() {
			return shaped ? spec.exportData(shaped, state, ctx) : null;
		},
	};
}

// The colours' key: hosts by their main protocol class, links by the time
// they were last seen (time: [first, last] bucket, or null).
function drawLegend(box, time, ctx)
{
	box.replaceChildren();
	box.append(...ctx.colors.PROTO_CLASSES.map(p => el('span', 'fi-view-legend-item', [
		el('span', 'fi-view-swatch', null, {style: {background: ctx.colors.PROTO_COLORS[p]}}), p])));
	if (!time)
		return;
	const bar = el('span', 'fi-view-timebar', null,
		{style: {background: `linear-gradient(to right, ${ctx.colors.timeColor(0)}, ${ctx.colors.timeColor(1)})`}});
	box.appendChild(el('span', 'fi-view-legend-item', [`links last seen ${ctx.format.formatTime(time[0])}`, bar,
		ctx.format.formatTime(time[1])], {title: 'link colour: the last bucket the two hosts talked in (UTC)'}));
}

// An onHover for the renderers: the shared tooltip with title and rows
// from content(d, kind), hidden when d is null.
export function tooltipHover(ctx, content)
{
	return (event, d, kind) => {
		if (!d) {
			ctx.widgets.hideTooltip();
			return;
		}
		const c = content(d, kind);
		ctx.widgets.showTooltip(event, c.title, c.rows);
	};
}
