// graph.js: the node-link graph of the top hosts (SPEC 7, /graph): shaping
// the API's answers into nodes and links with an optional "others"
// super-node, the Hilbert layout (hosts in address order along the curve),
// and the SVG rendering with a d3-force or Hilbert layout. Shaping and the
// Hilbert layout are pure; renderGraph needs a DOM and d3 (lib/d3.js).

import {d2xy, gridSide} from '../lib/hilbert.js';
import {compareAddr, OTHERS} from '../lib/prefix.js';
import {shapeHosts, shapeLinks, timeColor, PROTO_COLORS, OTHERS_COLOR,
	shortNumber} from './common.js';
import {d3} from '../lib/d3.js';

// Shapes a node index answer and a host-pair aggregate answer.
// opts: {value: flows|packets|bytes, limit: most hosts shown, others:
// whether the hosts not shown become one super-node}.
// Returns {nodes: [{key, addr, value, proto} | {key: OTHERS, others: true,
// value, count}], links: [{key, source, target, value, last, proto}],
// time: [first, last] bucket of the links or null}. Links reference nodes
// by key. The super-node is there when asked for and some traffic or a
// link is not shown otherwise.
export function shapeGraph(index, pairs, opts = {})
{
	const h = shapeHosts(index, opts);
	const shown = new Set(h.hosts.map((x) => x.key));
	const l = shapeLinks(pairs, shown, opts);
	const nodes = h.hosts.map((x) => ({key: x.key, addr: x.addr, value: x.value,
		proto: x.proto}));
	const othersLinked = l.links.some((x) => x.source === OTHERS || x.target === OTHERS);
	if (opts.others && (h.others > 0 || othersLinked))
		nodes.push({key: OTHERS, others: true, value: h.others, count: l.otherHosts});
	return {nodes, links: l.links, time: l.time};
}

// The Hilbert layout of SPEC 7: nodes sorted by address (the super-node
// last), rank i at index d = i of the smallest n x n grid (n a power of two,
// at least 2) that holds them all, each cell's centre scaled to width x
// height. Sets x and y on each node and returns n.
export function hilbertLayout(nodes, width, height)
{
	const order = nodes.slice().sort((a, b) => {
		if (a.others || b.others)
			return a.others ? (b.others ? 0 : 1) : -1;
		return compareAddr(a.addr, b.addr);
	});
	const n = gridSide(order.length);
	order.forEach((node, i) => {
		const [cx, cy] = d2xy(n, i);
		node.x = ((cx + 0.5) * width) / n;
		node.y = ((cy + 0.5) * height) / n;
	});
	return n;
}

// The force layout: d3's default cooling (alpha 1 to 0.001, about 300
// ticks) is computed before the first drawing as far as LAYOUT_BUDGET_MS
// allows; what is left runs animated afterwards, so a large graph is drawn
// at once (from the Hilbert layout, which puts neighbouring addresses
// close) and settles on screen.
const LAYOUT_BUDGET_MS = 150;
// Milliseconds of layout per animation frame while a large graph settles.
const FRAME_BUDGET_MS = 40;
// Above this many nodes the force layout starts from the Hilbert layout and
// leaves out the collision force (its cost grows with the node count).
const LARGE = 200;
// How many of the largest nodes are named on the drawing.
const LABELS = 12;

// Draws the graph into svg (an <svg> element) and returns {simulation,
// settled, stop()}: the simulation of the force layout (null for Hilbert),
// which keeps running for dragging; settled, a promise resolved when the
// layout has cooled (at once for Hilbert); stop() ends the simulation.
// data: from shapeGraph. opts: {layout: 'force' | 'hilbert', width,
// height, onHover(event, d, kind) where kind is 'node' or 'link' and d is
// null when the pointer leaves (without it, nodes get <title> tooltips),
// onClick(node) (not after a drag), formatValue(n), layoutBudgetMs}.
export function renderGraph(svg, data, opts = {})
{
	const width = opts.width || 900;
	const height = opts.height || 700;
	const fmt = opts.formatValue || shortNumber;
	const root = d3.select(svg).attr('viewBox', `0 0 ${width} ${height}`)
		.attr('width', width).attr('height', height).classed('fi-graph', true);
	root.selectAll('*').remove();
	const nodes = data.nodes.map((x) => Object.assign({}, x));
	const byKey = new Map(nodes.map((x) => [x.key, x]));
	const links = data.links.map((x) => Object.assign({}, x, {
		source: byKey.get(x.source), target: byKey.get(x.target)}));
	const large = nodes.length > LARGE;

	// The spacing that would fill the canvas, with the nodes on a grid; the
	// largest node is no wider than that.
	const spacing = Math.max(15, Math.min(120, Math.sqrt((width * height) / Math.max(1, nodes.length)) / 2));
	const maxNode = d3.max(nodes, (x) => x.value) || 1;
	const radius = d3.scaleSqrt().domain([0, maxNode]).range([Math.min(3, spacing / 5), Math.min(18, spacing / 2)]);
	const maxLink = d3.max(links, (x) => x.value) || 1;
	const stroke = d3.scaleSqrt().domain([0, maxLink]).range([0.6, 6]);
	const [t0, t1] = data.time || [0, 0];

	const pad = 24;
	if (opts.layout === 'hilbert' || large) {
		hilbertLayout(nodes, width - 2 * pad, height - 2 * pad);
		for (const x of nodes) {
			x.x += pad;
			x.y += pad;
		}
	}
	// Keeps the nodes on the canvas.
	const clamp = () => {
		for (const x of nodes) {
			x.x = Math.max(pad, Math.min(width - pad, x.x));
			x.y = Math.max(pad, Math.min(height - pad, x.y));
		}
	};

	let simulation = null;
	let cooling = false;
	if (opts.layout !== 'hilbert') {
		simulation = d3.forceSimulation()
			.force('link', d3.forceLink(links).distance(spacing))
			.force('charge', d3.forceManyBody().strength((large ? -4 : -10) * spacing).distanceMax(8 * spacing)
				.theta(large ? 1.2 : 0.9))
			.force('x', d3.forceX(width / 2).strength(0.03))
			.force('y', d3.forceY(height / 2).strength(0.03 * width / height))
			.stop();
		if (large) {
			// From the Hilbert layout, not at random: it cools in 120
			// ticks instead of d3's 300.
			simulation.alphaDecay(1 - simulation.alphaMin() ** (1 / 120));
			simulation.nodes(nodes);
		} else {
			simulation.force('collide', d3.forceCollide((x) => radius(x.value) + 1));
			// d3's spiral around the origin, moved to the centre.
			for (const x of nodes) {
				delete x.x;
				delete x.y;
			}
			simulation.nodes(nodes);
			for (const x of nodes) {
				x.x += width / 2;
				x.y += height / 2;
			}
		}
		const budget = opts.layoutBudgetMs ?? LAYOUT_BUDGET_MS;
		const start = performance.now();
		while (simulation.alpha() >= simulation.alphaMin() && performance.now() - start < budget)
			simulation.tick();
		clamp();
		cooling = simulation.alpha() >= simulation.alphaMin();
	}

	const hover = opts.onHover;
	const linkSel = root.append('g').attr('class', 'links').attr('fill', 'none')
		.attr('stroke-opacity', 0.7)
		.selectAll('line').data(links).join('line')
		.attr('class', 'link')
		.attr('stroke', (x) => (x.last === null ? TIME_NONE : timeColor(x.last, t0, t1)))
		.attr('stroke-width', (x) => stroke(x.value));
	const nodeSel = root.append('g').attr('class', 'nodes')
		.selectAll('circle').data(nodes).join('circle')
		.attr('class', (x) => (x.others ? 'node others' : 'node'))
		.attr('r', (x) => radius(x.value))
		.attr('fill', (x) => (x.others ? OTHERS_COLOR : PROTO_COLORS[x.proto] || OTHERS_COLOR))
		.attr('stroke', '#fff').attr('stroke-width', 1);
	if (hover) {
		linkSel.on('mouseenter', (e, x) => hover(e, x, 'link'))
			.on('mouseleave', (e) => hover(e, null, 'link'));
		nodeSel.on('mouseenter', (e, x) => hover(e, x, 'node'))
			.on('mouseleave', (e) => hover(e, null, 'node'));
	} else {
		nodeSel.append('title').text((x) => (x.others
			? `others (${x.count} hosts): ${fmt(x.value)}` : `${x.key}: ${fmt(x.value)}`));
	}

	if (opts.onClick) {
		nodeSel.style('cursor', 'pointer')
			.on('click', (e, x) => opts.onClick(x));
	}

	// Names next to the largest nodes; the others only on hover.
	const named = nodes.slice().sort((a, b) => b.value - a.value).slice(0, LABELS);
	const labelSel = root.append('g').attr('class', 'labels')
		.attr('font-size', 10).attr('pointer-events', 'none')
		.attr('stroke', '#fff').attr('stroke-width', 3).attr('paint-order', 'stroke')
		.selectAll('text').data(named).join('text')
		.attr('class', 'label')
		.attr('dx', (x) => radius(x.value) + 3).attr('dy', '0.35em')
		.text((x) => (x.others ? `others (${x.count})` : x.key));

	const place = () => {
		linkSel.attr('x1', (x) => x.source.x).attr('y1', (x) => x.source.y)
			.attr('x2', (x) => x.target.x).attr('y2', (x) => x.target.y);
		nodeSel.attr('cx', (x) => x.x).attr('cy', (x) => x.y);
		labelSel.attr('x', (x) => x.x).attr('y', (x) => x.y);
	};
	place();

	let settled = Promise.resolve();
	let stopped = false;
	if (simulation) {
		simulation.on('tick', () => {
			clamp();
			place();
		});
		if (cooling) {
			// Not d3's timer, which takes one tick per frame and redraws
			// after each: as many ticks as fit in a frame's budget, then
			// one redraw.
			settled = new Promise((resolve) => {
				const frame = () => {
					if (stopped)
						return resolve();
					const begin = performance.now();
					while (simulation.alpha() >= simulation.alphaMin() &&
						performance.now() - begin < FRAME_BUDGET_MS)
						simulation.tick();
					clamp();
					place();
					if (simulation.alpha() >= simulation.alphaMin())
						requestAnimationFrame(frame);
					else
						resolve();
				};
				requestAnimationFrame(frame);
			});
		}
		nodeSel.call(d3.drag()
			.on('start', (e, x) => {
				if (!e.active)
					simulation.alphaTarget(0.2).restart();
				x.fx = x.x;
				x.fy = x.y;
			})
			.on('drag', (e, x) => {
				x.fx = e.x;
				x.fy = e.y;
			})
			.on('end', (e, x) => {
				if (!e.active)
					simulation.alphaTarget(0);
				x.fx = null;
				x.fy = null;
			}));
	}
	return {
		simulation,
		settled,
		stop()
		{
			stopped = true;
			if (simulation)
				simulation.stop();
		},
	};
}

// Links without a time (an answer without fields=bucket).
const TIME_NONE = 'rgb(160,160,160)';
