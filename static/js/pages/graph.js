// graph.js: placeholder for the Graph page until its module lands (see
// pages/README.md: the module that replaces this file keeps its name).

export const title = 'Graph';

export function mount(root, ctx)
{
	const status = ctx.widgets.createStatus(root);
	const p = document.createElement('p');
	p.className = 'fi-placeholder';
	p.textContent = 'The Graph page is not built yet.';
	root.appendChild(p);
	status.ready();
	return {
		update() {},
		destroy() {},
	};
}
