// panel.js: the titled panel every chart of the pages sits in (a
// section.fi-widget with a head and a body), and the swap of the chart in a
// panel's body that keeps the body's status veil.

// Makes a titled panel in parent; returns its body element.
export function panel(parent, name, cls)
{
	const el = document.createElement('section');
	el.className = `fi-widget ${cls}`;
	const head = document.createElement('div');
	head.className = 'fi-widget-head';
	const t = document.createElement('span');
	t.className = 'fi-widget-title';
	t.textContent = name;
	head.appendChild(t);
	const body = document.createElement('div');
	body.className = 'fi-widget-body';
	el.append(head, body);
	parent.appendChild(el);
	return body;
}

// Replaces the chart in body (keeping the status veil).
export function putChart(body, node)
{
	for (const old of body.querySelectorAll(':scope > svg'))
		old.remove();
	body.appendChild(node);
}
