// graph.js: the /graph page (SPEC 7): a node-link graph of the top hosts
// over the brushed range, force or Hilbert layout, a node limit and the
// "others" super-node for the hosts not shown. URL options: layout
// (force | hilbert), nodes (1-1000, default 50), others (1 | 0, default 1).
// Shaping and drawing are views/graph.js; the frame is views/page.js.

import {mountView, loadHostsAndPairs, tooltipHover, linksExport, MAX_NODES, hostsControl, othersControl, openHost,
	pairsNote, hostGeo} from '../views/page.js';
import {shapeGraph, renderGraph} from '../views/graph.js';
import {intOpt, enumOpt, boolOpt} from '../views/common.js';

export const title = 'Graph';

export {MAX_NODES};

export function parseOptions(opts)
{
	return {
		layout: enumOpt(opts.layout, ['force', 'hilbert'], 'force'),
		nodes: intOpt(opts.nodes, 1, MAX_NODES, 50),
		others: boolOpt(opts.others, true),
	};
}

export function mount(root, ctx)
{
	const F = ctx.format;
	return mountView(root, ctx, {
		name: 'graph',
		heading: 'Hosts and links',
		controls: [
			{key: 'layout', label: 'Layout', type: 'select',
				options: [['force', 'force'], ['hilbert', 'Hilbert (by address)']]},
			hostsControl('how many of the top hosts are shown'),
			othersControl('the hosts not shown as one node'),
		],
		parse: parseOptions,
		dataKeys: ['nodes'],
		liveKeys: [],
		load: (c, state, o) => loadHostsAndPairs(c, state, o.nodes),
		shape: (raw, state, o) => ({...shapeGraph(raw.index, raw.pairs,
			{value: state.value, limit: o.nodes, others: o.others}), raw}),
		isEmpty: (g) => g.nodes.length === 0,
		draw(svg, g, state, o, width) {
			const value = state.value;
			const geo = hostGeo(g.raw);
			const handle = renderGraph(svg, g, {
				layout: o.layout, width, height: Math.round(Math.min(900, Math.max(500, width * 0.7))),
				formatValue: (n) => F.formatValue(n, value),
				onHover: tooltipHover(ctx, (d, kind) => (kind === 'node'
					? {title: d.others ? `others (${d.count} hosts)` : d.key,
						rows: [[F.valueLabel(value), F.formatValue(d.value, value)], ...geo(d)]}
					: {title: `${d.source.key} \u2192 ${d.target.key}`,
						rows: [[F.valueLabel(value), F.formatValue(d.value, value)],
							['last seen', d.last === null ? '–' : F.formatTime(d.last)]]})),
				onClick: openHost(ctx),
			});
			const hosts = g.nodes.filter((x) => !x.others).length;
			return {handle, info: `${hosts} hosts, ${g.links.length} links${pairsNote(g.raw)}`};
		},
		live() {},
		exportData: linksExport,
	});
}
