// donut.js: a donut chart (one chart, one function): the top items of an
// index (hosts or ports) by the chosen value, the rest as "others". Each
// slice is a <path class="fi-slice" data-key=...>.

import {formatValue, formatExact, valueLabel} from '../lib/format.js';
import {attachTooltip} from './tooltip.js';
import {d3} from '../lib/d3.js';

const OTHERS_COLOR = '#bbb';

const LEGEND_WIDTH = 200;

// items: [{key, label, value}] (largest first; an item with key 'others'
// is drawn grey). opts: value ('flows'|'packets'|'bytes', for the labels),
// size (pixels, default 220), title, total (for shares; default the sum),
// legend (default true: the items' labels and shares to the right),
// center (the number in the middle; default total: an index's rows count
// each flow twice, once per endpoint, so pages pass the real total),
// onClick(item). Returns a detached <svg>.
export function donutChart(items, opts = {})
{
	const size = opts.size || 220;
	const r = size / 2 - 4;
	const total = opts.total || d3.sum(items, d => d.value) || 1;
	const color = d3.scaleOrdinal(d3.schemeTableau10);
	const fill = d => (d.key === 'others' ? OTHERS_COLOR : color(d.key));
	const legend = opts.legend !== false;
	const width = size + (legend ? LEGEND_WIDTH : 0);
	const svg = d3.create('svg')
		.attr('class', 'fi-chart fi-donut')
		.attr('width', width).attr('height', size)
		.attr('viewBox', `${-size / 2} ${-size / 2} ${width} ${size}`);
	const pie = d3.pie().sort(null).value(d => d.value);
	const arc = d3.arc().innerRadius(r * 0.55).outerRadius(r);
	svg.append('g').selectAll('path').data(pie(items)).join('path')
		.attr('class', 'fi-slice')
		.attr('data-key', d => d.data.key)
		.attr('fill', d => fill(d.data))
		.attr('stroke', 'white')
		.attr('d', arc)
		.style('cursor', opts.onClick ? 'pointer' : null)
		.on('click', (event, d) => opts.onClick && d.data.key !== 'others' && opts.onClick(d.data))
		.call(attachTooltip, d => ({
			title: d.data.label,
			rows: [
				[valueLabel(opts.value), formatExact(d.data.value)],
				['share', `${(100 * d.data.value / total).toFixed(1)} %`],
			],
		}));
	if (opts.title) {
		svg.append('text').attr('class', 'fi-donut-title').attr('text-anchor', 'middle')
			.attr('dy', '-0.2em').text(opts.title);
	}
	svg.append('text').attr('class', 'fi-donut-total').attr('text-anchor', 'middle')
		.attr('dy', '1.1em').text(formatValue(opts.center ?? total, opts.value));
	if (legend) {
		const lg = svg.append('g').attr('class', 'fi-donut-legend')
			.attr('transform', `translate(${size / 2 + 8},${-Math.min(items.length, 11) * 9})`);
		const row = lg.selectAll('g').data(items.slice(0, 11)).join('g')
			.attr('transform', (d, i) => `translate(0,${i * 18})`);
		row.append('rect').attr('width', 10).attr('height', 10).attr('y', -9).attr('fill', fill);
		row.append('text').attr('x', 16).text(d => d.label);
		row.append('text').attr('x', LEGEND_WIDTH - 12).attr('text-anchor', 'end')
			.attr('class', 'fi-legend-share')
			.text(d => `${(100 * d.value / total).toFixed(1)} %`);
	}
	return svg.node();
}
