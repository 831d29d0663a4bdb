// donut.js: a donut chart (one chart, one function): the top items of an
// index (hosts or ports) by the chosen value, the rest as "others". Each
// slice is a <path class="fi-slice" data-key=...>.

import {formatValue, formatExact, valueLabel} from '../lib/format.js';
import {attachTooltip} from './tooltip.js';

const OTHERS_COLOR = '#bbb';

// items: [{key, label, value}] (largest first; an item with key 'others'
// is drawn grey). opts: value ('flows'|'packets'|'bytes', for the labels),
// size (pixels, default 220), title, total (for shares; default the sum),
// onClick(item). Returns a detached <svg>.
export function donutChart(items, opts = {})
{
	const size = opts.size || 220;
	const r = size / 2 - 4;
	const total = opts.total || d3.sum(items, d => d.value) || 1;
	const color = d3.scaleOrdinal(d3.schemeTableau10);
	const svg = d3.create('svg')
		.attr('class', 'fi-chart fi-donut')
		.attr('width', size).attr('height', size)
		.attr('viewBox', `${-size / 2} ${-size / 2} ${size} ${size}`);
	const pie = d3.pie().sort(null).value(d => d.value);
	const arc = d3.arc().innerRadius(r * 0.55).outerRadius(r);
	svg.append('g').selectAll('path').data(pie(items)).join('path')
		.attr('class', 'fi-slice')
		.attr('data-key', d => d.data.key)
		.attr('fill', d => (d.data.key === 'others' ? OTHERS_COLOR : color(d.data.key)))
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
		.attr('dy', '1.1em').text(formatValue(total, opts.value));
	return svg.node();
}
