// hostbars.js: the top hosts (or ports) as horizontal bars stacked by
// protocol class in the original's colours. One <g class="fi-host"
// data-key=...> per row, holding a <rect class="fi-seg"> per class.

import {PROTO_CLASSES, PROTO_COLORS} from '../lib/colors.js';
import {VALUE_FIELD, formatValue, formatExact, valueLabel} from '../lib/format.js';
import {attachTooltip} from './tooltip.js';
import {d3} from '../lib/d3.js';

// rows: index rows of /api/(dynamic/)index/nodes (id, counters, class
// objects) in the order to draw. opts: value, width (default 500),
// label(row) (default the id), barHeight (16), onClick(row), extra(row)
// (more [label, text] rows of the tooltip, asked when it shows: the top
// hosts' country and AS). Returns a detached <svg>.
export function hostBars(rows, opts = {})
{
	const value = opts.value || 'flows';
	const field = VALUE_FIELD[value];
	const width = opts.width || 500;
	const bh = opts.barHeight || 16;
	const label = opts.label || (r => String(r.id));
	// room for the longest label (a full IPv6 address is 39 characters),
	// at about 6.6 pixels a character of the 11-pixel chart font
	const longest = d3.max(rows, r => label(r).length) || 8;
	const margin = {top: 4, right: 60, bottom: 22, left: Math.min(280, Math.max(60, longest * 6.6 + 12))};
	const height = margin.top + margin.bottom + rows.length * (bh + 4);
	const x = d3.scaleLinear().domain([0, d3.max(rows, r => r[field]) || 1]).nice()
		.range([margin.left, width - margin.right]);
	const svg = d3.create('svg').attr('class', 'fi-chart fi-hostbars')
		.attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
	const g = svg.append('g').selectAll('g').data(rows).join('g')
		.attr('class', 'fi-host')
		.attr('data-key', r => String(r.id))
		.attr('transform', (r, i) => `translate(0,${margin.top + i * (bh + 4)})`)
		.style('cursor', opts.onClick ? 'pointer' : null)
		.on('click', (event, r) => opts.onClick && opts.onClick(r));
	g.append('text').attr('class', 'fi-bar-label').attr('x', margin.left - 6).attr('y', bh / 2)
		.attr('dy', '0.35em').attr('text-anchor', 'end').text(label);
	g.each(function(r) {
		let acc = 0;
		const segs = PROTO_CLASSES.map((c) => {
			const v = (r[c] && r[c][field]) || 0;
			const s = {cls: c, x0: acc, x1: acc + v, row: r};
			acc += v;
			return s;
		});
		d3.select(this).selectAll('rect').data(segs).join('rect')
			.attr('class', s => `fi-seg fi-${s.cls}`)
			.attr('x', s => x(s.x0))
			.attr('width', s => Math.max(0, x(s.x1) - x(s.x0)))
			.attr('height', bh)
			.attr('fill', s => PROTO_COLORS[s.cls])
			.call(attachTooltip, s => ({
				title: label(s.row),
				rows: [
					[`${s.cls} ${valueLabel(value)}`, formatExact(s.x1 - s.x0)],
					[`all ${valueLabel(value)}`, formatExact(s.row[field])],
					...(opts.extra ? opts.extra(s.row) : []),
				],
			}));
	});
	g.append('text').attr('class', 'fi-bar-value').attr('x', r => x(r[field]) + 4).attr('y', bh / 2)
		.attr('dy', '0.35em').text(r => formatValue(r[field], value));
	svg.append('g').attr('class', 'fi-axis').attr('transform', `translate(0,${height - margin.bottom})`)
		.call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(width / 120)))
			.tickFormat(v => formatValue(v, value)));
	return svg.node();
}
