// panel.js: the titled panel every chart of the pages sits in (a
// section.fi-widget with a head and a body), and the swap of the chart in a
// panel's body that keeps the body's status veil.

import {el} from '../lib/dom.js';

// Makes a titled panel in parent; returns its body element.
export function panel(parent, name, cls)
{
	const section = el('section', `fi-widget ${cls}`);
	const head = el('div', 'fi-widget-head');
	head.appendChild(el('span', 'fi-widget-title', name));
	const body = el('div', 'fi-widget-body');
	section.append(head, body);
	parent.appendChild(section);
	return body;
}

// Replaces the chart in body (keeping the status veil).
export function putChart(body, node)
{
	for (const old of body.querySelectorAll(':scope > svg'))
		old.remove();
	body.appendChild(node);
}
