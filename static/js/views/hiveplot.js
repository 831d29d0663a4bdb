// hiveplot.js: the hive plot (SPEC 7, /hive-plot): three axes, each host on
// the first axis whose CIDR list holds it (a list saying "rest" takes every
// host no other axis took), placed along it by its flows, packets or bytes on a
// linear or log scale, links between axes drawn as curves and filtered by
// direction per axis pair. shapeHive and the scale are pure; renderHive
// needs a DOM and d3 (lib/d3.js).

import {parseCidrList, cidrContains} from '../lib/prefix.js';
import {shapeHosts, shapeLinks, timeColor, PROTO_COLORS, OTHERS_COLOR,
	shortNumber} from './common.js';
import {d3} from '../lib/d3.js';

export const AXES = 3;
// The axis pairs a direction filter applies to, in the URL's order.
export const PAIRS = [[0, 1], [1, 2], [2, 0]];
// Direction filter modes: both directions, only from the pair's first axis
// to its second ('fwd'), only back ('rev'), or no links.
export const DIRECTIONS = ['both', 'fwd', 'rev', 'none'];

// The word in an axis list that makes it take every host no other axis
// took (alone, or besides prefixes). An empty list means the same.
export const REST = 'rest';

// The default axes: private and local addresses, the rest, and multicast
// and broadcast.
export const DEFAULT_AXES = [
	'10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fe80::/10',
	REST,
	'224.0.0.0/4, 255.255.255.255/32, ff00::/8',
];

// Parses the axes' lists. Returns {axes: [{prefixes, rest}] x 3, errors:
// ['axis 1: ...'], axisErrors: each axis's messages}. A list of nothing but bad entries takes no hosts (it
// is not the catch-all: a typo must not move every host onto an axis).
export function parseAxes(texts)
{
	const axes = [];
	const errors = [];
	const axisErrors = [];
	for (let i = 0; i < AXES; i++) {
		const words = String(texts[i] ?? '').split(/[\s,]+/).filter((w) => w !== '');
		const rest = words.length === 0 || words.some((w) => w.toLowerCase() === REST);
		const r = parseCidrList(words.filter((w) => w.toLowerCase() !== REST).join(','));
		axes.push({prefixes: r.prefixes, rest});
		axisErrors.push(r.errors);
		for (const e of r.errors)
			errors.push(`axis ${i + 1}: ${e}`);
	}
	return {axes, errors, axisErrors};
}

// The axis of addr: the first axis with a prefix holding it, else the
// first catch-all axis, else -1 (not drawn).
export function axisOf(addr, axes)
{
	for (let i = 0; i < axes.length; i++) {
		if (axes[i].prefixes.some((p) => cidrContains(p, addr)))
			return i;
	}
	return axes.findIndex((a) => a.rest);
}

// Whether a link from axis a to axis b passes the direction filters
// (dirs: one of DIRECTIONS per PAIRS entry). Links within one axis are not
// drawn (a hive plot would need a doubled axis for them).
export function directionAllows(a, b, dirs)
{
	if (a === b)
		return false;
	for (let i = 0; i < PAIRS.length; i++) {
		const [p, q] = PAIRS[i];
		const d = dirs[i] || 'both';
		if (p === a && q === b)
			return d === 'both' || d === 'fwd';
		if (p === b && q === a)
			return d === 'both' || d === 'rev';
	}
	return false;
}

// A position in [0, 1] along an axis for value v, the shown values ranging
// over [min, max]: linear from 0, or log10 from min (values below 1 taken as
// 1, as a log scale cannot hold them). An empty range puts everything at 1.
export function scalePosition(v, min, max, scale)
{
	if (scale === 'log') {
		const lo = Math.log10(Math.max(1, min));
		const hi = Math.log10(Math.max(1, max));
		return hi > lo ? (Math.log10(Math.max(1, v)) - lo) / (hi - lo) : 1;
	}
	return max > 0 ? v / max : 1;
}

// Shapes a node index answer and a host-pair aggregate answer.
// opts: {value, limit, axes: three CIDR list texts, scale: 'linear' |
// 'log', dirs: a DIRECTIONS mode per PAIRS entry}.
// Returns {nodes: [{key, addr, value, proto, axis, pos}] (the hosts on an
// axis), links: [{key, source, target, value, last, proto}] (between hosts
// on different axes that the direction filters pass), hidden: hosts on no
// axis, time: [first, last] or null, errors: the CIDR lists' errors,
// axisErrors: the same per axis, range: [min, max] of the values placed or
// null}.
export function shapeHive(index, pairs, opts = {})
{
	const {axes, errors, axisErrors} = parseAxes(opts.axes || DEFAULT_AXES);
	const h = shapeHosts(index, opts);
	const nodes = [];
	let hidden = 0;
	for (const x of h.hosts) {
		const axis = axisOf(x.addr, axes);
		if (axis < 0)
			hidden++;
		else
			nodes.push({key: x.key, addr: x.addr, value: x.value, proto: x.proto, axis});
	}
	let min = Infinity;
	let max = 0;
	for (const x of nodes) {
		min = Math.min(min, x.value);
		max = Math.max(max, x.value);
	}
	for (const x of nodes)
		x.pos = scalePosition(x.value, min, max, opts.scale);
	const byKey = new Map(nodes.map((x) => [x.key, x]));
	const l = shapeLinks(pairs, new Set(byKey.keys()), {value: opts.value});
	const dirs = opts.dirs || [];
	const links = l.links.filter((x) =>
		directionAllows(byKey.get(x.source).axis, byKey.get(x.target).axis, dirs));
	return {nodes, links, hidden, time: l.time, errors, axisErrors,
		range: nodes.length ? [min, max] : null};
}

// Draws the hive plot into svg. data: from shapeHive. opts: {width, height,
// axisNames: three labels, onHover(event, d, kind) (kind 'node' or 'link';
// without it, <title> tooltips), onClick(node), formatValue(n)}.
export function renderHive(svg, data, opts = {})
{
	const width = opts.width || 800;
	const height = opts.height || 800;
	const fmt = opts.formatValue || shortNumber;
	const hover = opts.onHover || (() => {});
	// The axes span 1.5 times their length vertically (one up, two at 120
	// degrees): the drawing is that high, with room for the labels.
	const outer = Math.max(60, Math.min(width / 2 - 70, (height - 90) / 1.5));
	const drawnHeight = Math.round(1.5 * outer + 90);
	const root = d3.select(svg).attr('viewBox', `${-width / 2} ${-outer - 45} ${width} ${drawnHeight}`)
		.attr('width', width).attr('height', drawnHeight).classed('fi-hive', true);
	root.selectAll('*').remove();

	const inner = 30;
	// Axis i points at angle i * 120 degrees, the first straight up.
	const angle = (i) => (i * 2 * Math.PI) / AXES;
	const radius = (x) => inner + x.pos * (outer - inner);
	const point = (a, r) => [r * Math.sin(a), -r * Math.cos(a)];
	const byKey = new Map(data.nodes.map((x) => [x.key, x]));
	const [t0, t1] = data.time || [0, 0];

	const axisSel = root.append('g').attr('class', 'axes')
		.selectAll('g').data(d3.range(AXES)).join('g').attr('class', 'axis');
	axisSel.append('line').attr('class', 'axis')
		.attr('x1', (i) => point(angle(i), inner)[0]).attr('y1', (i) => point(angle(i), inner)[1])
		.attr('x2', (i) => point(angle(i), outer)[0]).attr('y2', (i) => point(angle(i), outer)[1])
		.attr('stroke', '#555').attr('stroke-width', 2);
	const names = opts.axisNames || ['axis 1', 'axis 2', 'axis 3'];
	axisSel.append('text')
		.attr('x', (i) => point(angle(i), outer + 18)[0])
		.attr('y', (i) => point(angle(i), outer + 18)[1])
		.attr('text-anchor', 'middle').attr('dy', '0.35em').attr('font-size', 12)
		.text((i) => names[i]);

	// The value at both ends of the first axis (all axes share the scale).
	if (data.range) {
		const ends = [[inner, data.range[0]], [outer, data.range[1]]];
		root.append('g').attr('class', 'scale')
			.selectAll('text').data(ends).join('text')
			.attr('x', 8).attr('y', (e) => -e[0]).attr('dy', '0.35em')
			.attr('font-size', 10).attr('fill', '#667')
			.text((e) => fmt(e[1]));
	}

	// A link is a cubic curve whose control points sit on the bisector
	// between its two axes, at the radii of its ends.
	const linkPath = (l) => {
		const s = byKey.get(l.source);
		const t = byKey.get(l.target);
		const as = angle(s.axis);
		let at = angle(t.axis);
		if (at - as > Math.PI)
			at -= 2 * Math.PI;
		if (as - at > Math.PI)
			at += 2 * Math.PI;
		const mid = (as + at) / 2;
		const rs = radius(s);
		const rt = radius(t);
		const p0 = point(as, rs);
		const c0 = point(mid, rs);
		const c1 = point(mid, rt);
		const p1 = point(at, rt);
		return `M${p0}C${c0} ${c1} ${p1}`;
	};
	const maxLink = d3.max(data.links, (l) => l.value) || 1;
	const stroke = d3.scaleSqrt().domain([0, maxLink]).range([0.6, 5]);
	const linkSel = root.append('g').attr('class', 'links').attr('fill', 'none')
		.attr('stroke-opacity', 0.6)
		.selectAll('path').data(data.links).join('path')
		.attr('class', 'link')
		.attr('d', linkPath)
		.attr('stroke', (l) => (l.last === null ? 'rgb(160,160,160)' : timeColor(l.last, t0, t1)))
		.attr('stroke-width', (l) => stroke(l.value))
		.on('mouseenter', (e, l) => hover(e, l, 'link'))
		.on('mouseleave', (e) => hover(e, null, 'link'));

	const nodeSel = root.append('g').attr('class', 'nodes')
		.selectAll('circle').data(data.nodes).join('circle')
		.attr('class', 'node')
		.attr('cx', (x) => point(angle(x.axis), radius(x))[0])
		.attr('cy', (x) => point(angle(x.axis), radius(x))[1])
		.attr('r', 4)
		.attr('fill', (x) => PROTO_COLORS[x.proto] || OTHERS_COLOR)
		.attr('stroke', '#fff')
		.on('mouseenter', (e, x) => {
			linkSel.attr('stroke-opacity', (l) => (l.source === x.key || l.target === x.key ? 1 : 0.05));
			hover(e, x, 'node');
		})
		.on('mouseleave', (e) => {
			linkSel.attr('stroke-opacity', null);
			hover(e, null, 'node');
		});
	if (opts.onClick) {
		nodeSel.style('cursor', 'pointer')
			.on('click', (e, x) => opts.onClick(x));
	}
	if (!opts.onHover) {
		nodeSel.append('title').text((x) => `${x.key}: ${fmt(x.value)}`);
		linkSel.append('title').text((l) => `${l.source} \u2192 ${l.target}: ${fmt(l.value)}`);
	}
	return {};
}
