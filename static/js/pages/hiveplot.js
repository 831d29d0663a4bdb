// hiveplot.js: placeholder for the Hive plot page until its module lands (see
// pages/README.md: the module that replaces this file keeps its name).

export const title = 'Hive plot';

export function mount(root, ctx)
{
	const status = ctx.widgets.createStatus(root);
	const p = document.createElement('p');
	p.className = 'fi-placeholder';
	p.textContent = 'The Hive plot page is not built yet.';
	root.appendChild(p);
	status.ready();
	return {
		update() {},
		destroy() {},
	};
}
