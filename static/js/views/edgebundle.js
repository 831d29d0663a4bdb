// edgebundle.js: hierarchical edge bundling (SPEC 7, /hierarchical-edge-
// bundle): hosts on a circle grouped by prefix (lib/prefix.js's levels),
// links bundled through the groups with curveBundle.beta(tension), an arc
// per group sized by its traffic, hover highlighting a host's in, out or
// all links. shapeBundle is pure; renderBundle needs a DOM and d3 (lib/d3.js).

import {buildHierarchy, groupsOf, OTHERS} from '../lib/prefix.js';
import {shapeHosts, shapeLinks, timeColor, PROTO_COLORS, OTHERS_COLOR,
	shortNumber} from './common.js';
import {d3} from '../lib/d3.js';

// Shapes a node index answer and a host-pair aggregate answer.
// opts: {value, limit, others (an "others" leaf for the hosts not shown),
// levels (grouping levels, 0-3)}.
// Returns {tree (lib/prefix.js buildHierarchy), hosts: the hosts shown,
// leaves: the hosts and the others leaf,
// groups: the tree's groups, links: [{key, source, target, value, last,
// proto}] by leaf key, time: [first, last] bucket or null}.
export function shapeBundle(index, pairs, opts = {})
{
	const h = shapeHosts(index, opts);
	const shown = new Set(h.hosts.map((x) => x.key));
	const l = shapeLinks(pairs, shown, opts);
	const othersLinked = l.links.some((x) => x.source === OTHERS || x.target === OTHERS);
	const others = opts.others && (h.others > 0 || othersLinked)
		? {value: h.others, count: l.otherHosts} : null;
	const tree = buildHierarchy(h.hosts, {levels: opts.levels ?? 3, others});
	return {
		tree,
		hosts: h.hosts.length,
		leaves: h.hosts.length + (others ? 1 : 0),
		groups: groupsOf(tree),
		links: l.links,
		time: l.time,
	};
}

// Whether link l is highlighted when the pointer is on a leaf (keys: its
// key) or a group (keys: a Set of its leaves' keys) in mode 'in' (links
// into them), 'out' (links from them) or 'both'.
export function linkMatches(l, keys, mode)
{
	const has = typeof keys === 'string' ? (k) => k === keys : (k) => keys.has(k);
	if (mode === 'in')
		return has(l.target);
	if (mode === 'out')
		return has(l.source);
	return has(l.source) || has(l.target);
}

// Leaves drawn with a text label at most; beyond, only dots (and tooltips).
const LABEL_LIMIT = 400;
// Radial space of one ring of group arcs.
const RING = 10;

// Draws the bundle into svg and returns {setTension(beta),
// setHover(mode)}: both update the drawing in place.
// data: from shapeBundle. opts: {tension (0-1, default 0.85), hover
// ('in' | 'out' | 'both'), width, height, onHover(event, d, kind) (kind
// 'leaf' with the tree's leaf, or 'group'; d null when the pointer leaves),
// onClick(leaf), formatValue(n)}.
export function renderBundle(svg, data, opts = {})
{
	const width = opts.width || 900;
	const height = opts.height || 900;
	const fmt = opts.formatValue || shortNumber;
	let tension = opts.tension ?? 0.85;
	let mode = opts.hover || 'both';
	const hover = opts.onHover || (() => {});

	const root = d3.select(svg).attr('viewBox', `${-width / 2} ${-height / 2} ${width} ${height}`)
		.attr('width', width).attr('height', height).classed('fi-bundle', true);
	root.selectAll('*').remove();

	const hier = d3.hierarchy(data.tree);
	const depth = hier.height - 1; // grouping levels actually present
	const labels = data.leaves <= LABEL_LIMIT;
	const labelSpace = labels ? 130 : 8;
	const rings = Math.max(0, depth) * RING;
	const radius = Math.max(40, Math.min(width, height) / 2 - labelSpace - rings - 10);
	d3.cluster().size([2 * Math.PI, radius])(hier);
	const leaves = hier.leaves();
	const leafByKey = new Map(leaves.map((x) => [x.data.key, x]));

	// Arcs: one ring per level, the finest next to the circle, each arc
	// spanning its hosts, its thickness the group's share of the largest
	// group of its level.
	const half = leaves.length ? Math.PI / leaves.length * 0.8 : 0;
	const groups = hier.descendants().filter((x) => x.depth > 0 && x.children);
	const maxAt = new Map();
	for (const g of groups)
		maxAt.set(g.depth, Math.max(maxAt.get(g.depth) || 0, g.data.value));
	const arc = d3.arc();
	const arcSel = root.append('g').attr('class', 'arcs')
		.selectAll('path').data(groups).join('path')
		.attr('class', (g) => `arc level${g.depth}`)
		.attr('fill', (g) => d3.interpolateBlues(0.35 + 0.5 * (g.depth / Math.max(1, depth))))
		.attr('d', (g) => {
			const ls = g.leaves();
			const r0 = radius + 6 + (depth - g.depth) * RING;
			const share = (maxAt.get(g.depth) || 0) > 0 ? g.data.value / maxAt.get(g.depth) : 0;
			return arc({innerRadius: r0, outerRadius: r0 + Math.max(1.5, share * (RING - 2)),
				startAngle: ls[0].x - half, endAngle: ls[ls.length - 1].x + half});
		})
		.on('mouseenter', (e, g) => {
			highlight(new Set(g.leaves().map((x) => x.data.key)));
			hover(e, g.data, 'group');
		})
		.on('mouseleave', (e) => {
			highlight(null);
			hover(e, null, 'group');
		});
	if (!opts.onHover)
		arcSel.append('title').text((g) => `${g.data.name}: ${fmt(g.data.value)}`);

	const [t0, t1] = data.time || [0, 0];
	const line = d3.lineRadial().radius((x) => x.y).angle((x) => x.x);
	const drawable = data.links.filter((l) => leafByKey.has(l.source) && leafByKey.has(l.target));
	// Opacity and width on the group (fewer attributes for 10,000 links);
	// a highlighted link overrides them.
	const linkSel = root.append('g').attr('class', 'links').attr('fill', 'none')
		.attr('stroke-opacity', 0.6).attr('stroke-width', 1)
		.selectAll('path').data(drawable).join('path')
		.attr('class', 'link')
		.attr('stroke', (l) => (l.last === null ? 'rgb(160,160,160)' : timeColor(l.last, t0, t1)));
	const shape = () => {
		line.curve(d3.curveBundle.beta(tension));
		linkSel.attr('d', (l) => line(leafByKey.get(l.source).path(leafByKey.get(l.target))));
	};
	shape();

	const leafSel = root.append('g').attr('class', 'leaves')
		.selectAll('g').data(leaves).join('g')
		.attr('class', 'leaf')
		.attr('transform', (x) => `rotate(${(x.x * 180) / Math.PI - 90}) translate(${x.y},0)`);
	leafSel.append('circle').attr('class', 'leaf')
		.attr('r', 2.5)
		.attr('fill', (x) => (x.data.others ? OTHERS_COLOR
			: PROTO_COLORS[x.data.host.proto] || OTHERS_COLOR));
	if (labels) {
		leafSel.append('text')
			.attr('dy', '0.31em')
			.attr('x', (x) => (x.x < Math.PI ? 6 + rings : -6 - rings))
			.attr('text-anchor', (x) => (x.x < Math.PI ? 'start' : 'end'))
			.attr('transform', (x) => (x.x >= Math.PI ? 'rotate(180)' : null))
			.attr('font-size', 10)
			.text((x) => (x.data.others ? `others (${x.data.count})` : x.data.name));
	}
	if (!opts.onHover) {
		leafSel.append('title').text((x) => (x.data.others
			? `others (${x.data.count} hosts): ${fmt(x.data.value)}`
			: `${x.data.name}: ${fmt(x.data.value)}`));
	}

	// Highlights the links of a leaf (a key) or a group (a Set of keys),
	// and the names of the hosts at their ends; null ends it.
	const highlight = (keys) => {
		if (keys === null) {
			linkSel.attr('stroke-opacity', null).attr('stroke-width', null);
			leafSel.attr('font-weight', null);
			return;
		}
		const ends = new Set(typeof keys === 'string' ? [keys] : keys);
		const lit = linkSel.filter((l) => linkMatches(l, keys, mode));
		lit.each((l) => {
			ends.add(l.source);
			ends.add(l.target);
		});
		linkSel.attr('stroke-opacity', 0.04).attr('stroke-width', null);
		lit.attr('stroke-opacity', 1).attr('stroke-width', 2).raise();
		leafSel.attr('font-weight', (x) => (ends.has(x.data.key) ? 'bold' : null));
	};
	if (opts.onClick) {
		leafSel.style('cursor', 'pointer')
			.on('click', (e, x) => opts.onClick(x.data));
	}
	leafSel.on('mouseenter', (e, x) => {
		highlight(x.data.key);
		hover(e, x.data, 'leaf');
	}).on('mouseleave', (e) => {
		highlight(null);
		hover(e, null, 'leaf');
	});

	return {
		setTension(beta)
		{
			tension = beta;
			shape();
		},
		setHover(m)
		{
			mode = m;
		},
		highlight,
	};
}
