// panel.js: the titled panel every chart and form of the pages sits in (a
// .fi-widget with a head and, for charts, a body), and the swap of the chart
// in a panel's body that keeps the body's status veil.

import {el} from '../lib/dom.js';

// A panel's head: the title, then the nodes of extra (a hint, a summary, a
// select ...).
export function panelHead(name, extra = [])
{
	return el('div', 'fi-widget-head', [el('span', 'fi-widget-title', name), ...extra]);
}

// Makes a titled panel in parent; returns its body element. cls: the
// panel's own classes. opts: head (nodes after the title, panelHead),
// bodyCls (more classes of the body), tag (the panel's, default section).
export function panel(parent, name, cls, {head = [], bodyCls = '', tag = 'section'} = {})
{
	const body = el('div', bodyCls ? `fi-widget-body ${bodyCls}` : 'fi-widget-body');
	parent.appendChild(el(tag, `fi-widget ${cls}`, [panelHead(name, head), body]));
	return body;
}

// Replaces the chart in body (keeping the status veil).
export function putChart(body, node)
{
	for (const old of body.querySelectorAll(':scope > svg'))
		old.remove();
	body.appendChild(node);
}
