// hiveplot.js: the /hive-plot page (SPEC 7): three axes, each taking the
// top hosts in its CIDR list (or "rest": the hosts no other axis took),
// hosts placed along their axis by the value on a linear or log scale,
// links between axes filtered by direction per axis pair. URL options:
// nodes (1-1000, default 100), axis1, axis2, axis3 (CIDR lists, "rest"),
// scale (linear | log, default log), dir12, dir23, dir31 (both | fwd | rev
// | none: both directions, only from the first axis of the pair to the
// second, only back, or none). Shaping and drawing are views/hiveplot.js.

import {mountView, loadHostsAndPairs, tooltipHover, MAX_NODES, hostsControl, openHost, pairsNote,
	hostGeo} from '../views/page.js';
import {shapeHive, renderHive, DEFAULT_AXES, DIRECTIONS, REST} from '../views/hiveplot.js';
import {intOpt, enumOpt} from '../views/common.js';

export const title = 'Hive plot';

export {MAX_NODES};
const DIR_KEYS = ['dir12', 'dir23', 'dir31'];
const PAIR_NAMES = [['1', '2'], ['2', '3'], ['3', '1']];

export function parseOptions(opts)
{
	const o = {
		nodes: intOpt(opts.nodes, 1, MAX_NODES, 100),
		scale: enumOpt(opts.scale, ['linear', 'log'], 'log'),
	};
	for (let i = 0; i < 3; i++) {
		const text = opts[`axis${i + 1}`];
		o[`axis${i + 1}`] = typeof text === 'string' ? text : DEFAULT_AXES[i];
		o[DIR_KEYS[i]] = enumOpt(opts[DIR_KEYS[i]], DIRECTIONS, 'both');
	}
	return o;
}

export function mount(root, ctx)
{
	const F = ctx.format;
	const axisControls = [0, 1, 2].map((i) => ({
		key: `axis${i + 1}`, label: `Axis ${i + 1}`, type: 'text',
		placeholder: `CIDR list, or ${REST}`,
		commit: (t) => (t.trim() === '' ? REST : t.trim()),
		title: `the prefixes whose hosts go on axis ${i + 1}; "${REST}": every host no other axis took`,
	}));
	const dirControls = DIR_KEYS.map((key, i) => {
		const [a, b] = PAIR_NAMES[i];
		return {key, label: `Links ${a}\u2013${b}`, type: 'select',
			options: [['both', 'both directions'], ['fwd', `${a} \u2192 ${b} only`],
				['rev', `${b} \u2192 ${a} only`], ['none', 'none']]};
	});
	const page = mountView(root, ctx, {
		name: 'hive',
		heading: 'Hosts on three axes',
		controls: [
			hostsControl('how many of the top hosts are placed'),
			...axisControls,
			{key: 'scale', label: 'Scale', type: 'select', options: [['log', 'log'], ['linear', 'linear']]},
			...dirControls,
		],
		parse: parseOptions,
		dataKeys: ['nodes'],
		liveKeys: [],
		load: (c, state, o) => loadHostsAndPairs(c, state, o.nodes),
		shape: (raw, state, o) => ({...shapeHive(raw.index, raw.pairs, {
			value: state.value, limit: o.nodes, scale: o.scale,
			axes: [o.axis1, o.axis2, o.axis3], dirs: DIR_KEYS.map((k) => o[k]),
		}), raw}),
		isEmpty: (h) => h.nodes.length === 0,
		draw(svg, h, state, o, width) {
			const value = state.value;
			const size = Math.min(900, Math.max(500, width));
			const name = (t) => (t.length > 40 ? `${t.slice(0, 38)}\u2026` : t);
			const geo = hostGeo(h.raw);
			const handle = renderHive(svg, h, {
				width: size, height: size,
				axisNames: [o.axis1, o.axis2, o.axis3].map((t, i) => `${i + 1}: ${name(t || REST)}`),
				formatValue: (n) => F.formatValue(n, value),
				onHover: tooltipHover(ctx, (d, kind) => (kind === 'node'
					? {title: d.key, rows: [[F.valueLabel(value), F.formatValue(d.value, value)],
						['axis', String(d.axis + 1)], ...geo(d)]}
					: {title: `${d.source} \u2192 ${d.target}`,
						rows: [[F.valueLabel(value), F.formatValue(d.value, value)],
							['last seen', d.last === null ? '–' : F.formatTime(d.last)]]})),
				onClick: openHost(ctx),
			});
			const errors = {};
			h.axisErrors.forEach((list, i) => {
				errors[`axis${i + 1}`] = list.join(' ');
			});
			let info = `${h.nodes.length} hosts, ${h.links.length} links`;
			if (h.hidden)
				info += `; ${h.hidden} hosts on no axis`;
			info += pairsNote(h.raw);
			return {handle, info, errors};
		},
		live() {},
		exportData: (h, state) => ({
			name: 'hosts',
			columns: [
				{label: 'address', value: (x) => x.key},
				{label: 'axis', value: (x) => x.axis + 1},
				{label: state.value, value: (x) => x.value},
			],
			rows: h.nodes,
		}),
	});
	return page;
}
