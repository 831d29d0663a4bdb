// tooltip.js: the one tooltip all charts share: a title and rows of
// label/value text near the pointer. Text goes in with textContent only.

import {el} from '../lib/dom.js';

let tip = null;

function element()
{
	if (!tip) {
		tip = el('div', 'fi-tooltip', null, {hidden: true});
		document.body.appendChild(tip);
	}
	return tip;
}

// Shows title and rows ([[label, value], ...]) next to the pointer event.
export function showTooltip(event, title, rows = [])
{
	const t = element();
	t.replaceChildren(...(title ? [el('div', 'fi-tooltip-title', title)] : []),
		...rows.map(([label, value]) => el('div', null, [
			el('span', 'fi-tooltip-label', label), el('span', 'fi-tooltip-value', value)])));
	t.hidden = false;
	moveTooltip(event);
}

// Keeps the tooltip next to the pointer and inside the window.
export function moveTooltip(event)
{
	const t = element();
	const pad = 14;
	let x = event.clientX + pad;
	let y = event.clientY + pad;
	const r = t.getBoundingClientRect();
	if (x + r.width > window.innerWidth)
		x = Math.max(0, event.clientX - pad - r.width);
	if (y + r.height > window.innerHeight)
		y = Math.max(0, event.clientY - pad - r.height);
	t.style.left = `${x}px`;
	t.style.top = `${y}px`;
}

export function hideTooltip()
{
	if (tip)
		tip.hidden = true;
}

// Wires a d3 selection: hovering an element shows content(d), which
// returns {title, rows}.
export function attachTooltip(selection, content)
{
	selection
		.on('mouseenter.fitip', (event, d) => {
			const c = content(d);
			showTooltip(event, c.title, c.rows);
		})
		.on('mousemove.fitip', event => moveTooltip(event))
		.on('mouseleave.fitip', () => hideTooltip());
}
