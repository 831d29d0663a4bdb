// protochart.js: traffic per bucket stacked by protocol class, in the
// original's colours. One <g class="fi-bucket" data-bucket=...> per bucket
// with a <rect> per class.

import {PROTO_CLASSES, PROTO_COLORS} from '../lib/colors.js';
import {VALUE_FIELD, formatValue, formatExact, formatBucket, formatTick, valueLabel} from '../lib/format.js';
import {attachTooltip} from './tooltip.js';
import {d3} from '../lib/d3.js';

// rows: per-bucket rows of /api/bucket/query (bucket, counters, class
// objects), sorted by bucket. opts: value, bucketSize, width (600), height
// (200), from/to (the x domain in seconds; default the rows' span).
// Returns a detached <svg>.
export function protocolChart(rows, opts = {})
{
	const value = opts.value || 'flows';
	const field = VALUE_FIELD[value];
	const size = opts.bucketSize || 1;
	const width = opts.width || 600;
	const height = opts.height || 200;
	const margin = {top: 22, right: 22, bottom: 22, left: 56};
	const from = opts.from ?? (rows.length ? rows[0].bucket : 0);
	const to = opts.to ?? (rows.length ? rows[rows.length - 1].bucket + size : 1);
	const x = d3.scaleUtc().domain([new Date(from * 1000), new Date(to * 1000)])
		.range([margin.left, width - margin.right]);
	const y = d3.scaleLinear().domain([0, d3.max(rows, r => r[field]) || 1]).nice()
		.range([height - margin.bottom, margin.top]);
	const bw = Math.max(1, x(new Date(size * 1000)) - x(new Date(0)) - (rows.length < 150 ? 1 : 0));
	const svg = d3.create('svg').attr('class', 'fi-chart fi-protochart')
		.attr('width', width).attr('height', height).attr('viewBox', `0 0 ${width} ${height}`);
	const g = svg.append('g').selectAll('g').data(rows).join('g')
		.attr('class', 'fi-bucket')
		.attr('data-bucket', r => r.bucket)
		.attr('transform', r => `translate(${x(new Date(r.bucket * 1000))},0)`)
		.call(attachTooltip, r => ({
			title: formatBucket(r.bucket, size),
			rows: [[`all ${valueLabel(value)}`, formatExact(r[field])],
				...PROTO_CLASSES.map(c => [c, formatExact(r[c] ? r[c][field] : 0)])],
		}));
	g.each(function(r) {
		let acc = 0;
		const segs = PROTO_CLASSES.map((c) => {
			const v = (r[c] && r[c][field]) || 0;
			const s = {cls: c, y0: acc, y1: acc + v};
			acc += v;
			return s;
		});
		d3.select(this).selectAll('rect').data(segs).join('rect')
			.attr('class', s => `fi-seg fi-${s.cls}`)
			.attr('width', bw)
			.attr('y', s => y(s.y1))
			.attr('height', s => Math.max(0, y(s.y0) - y(s.y1)))
			.attr('fill', s => PROTO_COLORS[s.cls]);
	});
	svg.append('g').attr('class', 'fi-axis').attr('transform', `translate(0,${height - margin.bottom})`)
		.call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(width / 130))).tickSizeOuter(0)
			.tickFormat(t => formatTick(t, to - from)));
	svg.append('g').attr('class', 'fi-axis').attr('transform', `translate(${margin.left},0)`)
		.call(d3.axisLeft(y).ticks(4).tickFormat(v => formatValue(v, value)));
	const legend = svg.append('g').attr('class', 'fi-legend')
		.attr('transform', `translate(${width - margin.right - 4 * 60},2)`);
	PROTO_CLASSES.forEach((c, i) => {
		const l = legend.append('g').attr('transform', `translate(${i * 60},0)`);
		l.append('rect').attr('width', 10).attr('height', 10).attr('fill', PROTO_COLORS[c]);
		l.append('text').attr('x', 14).attr('y', 9).text(c);
	});
	return svg.node();
}
