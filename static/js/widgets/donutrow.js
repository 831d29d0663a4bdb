// donutrow.js: the row of the host and port donuts that the overview and the
// dashboard show: two panels (.fi-node-donut, .fi-port-donut) with their
// loading states, each drawn from an index answer (/api/.../index/nodes or
// /index/ports) as its top eight rows and the rest as "others".

import {VALUE_FIELD, formatAddress} from '../lib/format.js';
import {el} from '../lib/dom.js';
import {donutChart} from './donut.js';
import {panel, putChart} from './panel.js';
import {createStatus} from './status.js';

// The top rows of an index answer as donut items, the rest as "others".
// Every flow counts for two endpoints (SPEC 6), so the rows add up to
// twice totalCounter.
export function donutItems(res, field, label, n = 8)
{
	const rows = res.results.slice(0, n);
	const items = rows.map(r => ({key: String(r.id), label: label(r.id), value: r[field]}));
	const all = 2 * (res.totalCounter ? res.totalCounter[field] || 0 : 0);
	const rest = all - items.reduce((a, b) => a + b.value, 0);
	if (rest > 0)
		items.push({key: 'others', label: 'others', value: rest});
	return items;
}

// Appends the row to parent (a .fi-grid). opts: onHost(row) and onPort(key)
// for clicks on a slice (none: slices do nothing), empty (the message for
// an answer without rows; default the status's). Returns {nodes, ports}
// (the panels' statuses: run the requests through them) and
// showNodes(res, value), showPorts(res, value) to draw an answer.
export function createDonutRow(parent, opts = {})
{
	const row = el('div', 'fi-donuts fi-wide');
	parent.appendChild(row);
	const nodeBody = panel(row, 'Hosts', 'fi-node-donut');
	const portBody = panel(row, 'Ports', 'fi-port-donut');
	const nodes = createStatus(nodeBody);
	const ports = createStatus(portBody);

	function show(body, st, res, value, title, label, onClick)
	{
		const field = VALUE_FIELD[value];
		putChart(body, donutChart(donutItems(res, field, label), {
			value, title, center: res.totalCounter ? res.totalCounter[field] : undefined, onClick,
		}));
		if (!res.results.length)
			st.empty(...(opts.empty === undefined ? [] : [opts.empty]));
	}

	return {
		nodes,
		ports,
		showNodes(res, value) {
			const onClick = opts.onHost &&
				(item => opts.onHost(res.results.find(r => String(r.id) === item.key)));
			show(nodeBody, nodes, res, value, 'hosts', formatAddress, onClick);
		},
		showPorts(res, value) {
			const onClick = opts.onPort && (item => opts.onPort(item.key));
			show(portBody, ports, res, value, 'ports', id => `port ${id}`, onClick);
		},
	};
}
