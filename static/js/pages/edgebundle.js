// edgebundle.js: the /hierarchical-edge-bundle page (SPEC 7): the top hosts
// on a circle grouped by prefix (/8 -> /16 -> /24; IPv6 /32 -> /48 -> /64),
// their links bundled through the groups, arcs sized by the groups'
// traffic, hover showing a host's in, out or all links. URL options: nodes
// (1-1000, default 100), others (1 | 0, default 1), tension (0-1, default
// 0.85), levels (grouping levels 0-3, default 3), hover (in | out | both,
// default both). Shaping and drawing are views/edgebundle.js.

import {mountView, loadHostsAndPairs, tooltipHover, linksExport, MAX_NODES, hostsControl, othersControl, openHost,
	pairsNote, hostGeo} from '../views/page.js';
import {shapeBundle, renderBundle} from '../views/edgebundle.js';
import {intOpt, numOpt, enumOpt, boolOpt} from '../views/common.js';
import {LEVELS} from '../lib/prefix.js';

export const title = 'Edge bundle';

export {MAX_NODES};

export function parseOptions(opts)
{
	return {
		nodes: intOpt(opts.nodes, 1, MAX_NODES, 100),
		others: boolOpt(opts.others, true),
		tension: numOpt(opts.tension, 0, 1, 0.85),
		levels: intOpt(opts.levels, 0, 3, 3),
		hover: enumOpt(opts.hover, ['in', 'out', 'both'], 'both'),
	};
}

// "/8 /16 /24" for the first n levels.
function levelText(n)
{
	if (n === 0)
		return 'none';
	return `${LEVELS[4].slice(0, n).map((l) => `/${l}`).join(' ')} (IPv6 ${LEVELS[6].slice(0, n).map((l) => `/${l}`).join(' ')})`;
}

export function mount(root, ctx)
{
	const F = ctx.format;
	return mountView(root, ctx, {
		name: 'bundle',
		heading: 'Hosts by prefix',
		controls: [
			hostsControl('how many of the top hosts are shown'),
			othersControl('the hosts not shown as one leaf'),
			{key: 'levels', label: 'Group by', type: 'select',
				options: [0, 1, 2, 3].map((n) => [String(n), levelText(n)])},
			{key: 'tension', label: 'Tension', type: 'range', min: 0, max: 1, step: 0.05,
				title: 'how tightly links follow the groups (0: straight)'},
			{key: 'hover', label: 'Hover shows', type: 'select',
				options: [['both', 'all links'], ['out', 'outgoing links'], ['in', 'incoming links']]},
		],
		parse: parseOptions,
		dataKeys: ['nodes'],
		liveKeys: ['tension', 'hover'],
		load: (c, state, o) => loadHostsAndPairs(c, state, o.nodes),
		shape: (raw, state, o) => ({...shapeBundle(raw.index, raw.pairs,
			{value: state.value, limit: o.nodes, others: o.others, levels: o.levels}), raw}),
		isEmpty: (b) => b.leaves === 0,
		draw(svg, b, state, o, width) {
			const value = state.value;
			const size = Math.min(1000, Math.max(500, width));
			const geo = hostGeo(b.raw);
			const handle = renderBundle(svg, b, {
				width: size, height: size, tension: o.tension, hover: o.hover,
				formatValue: (n) => F.formatValue(n, value),
				onHover: tooltipHover(ctx, (d, kind) => {
					if (kind === 'group')
						return {title: d.name, rows: [[F.valueLabel(value), F.formatValue(d.value, value)]]};
					return {title: d.others ? `others (${d.count} hosts)` : d.name,
						rows: [[F.valueLabel(value), F.formatValue(d.value, value)], ...geo(d)]};
				}),
				onClick: openHost(ctx),
			});
			return {handle, info: `${b.hosts} hosts in ${b.groups.length} groups, ${b.links.length} links` +
				pairsNote(b.raw)};
		},
		live(handle, o) {
			handle.setTension(o.tension);
			handle.setHover(o.hover);
		},
		exportData: linksExport,
	});
}
