// app.js: the single-page app's shell: the top bar (page links, the value
// switch, the time range, the export buttons), the router that maps the
// original's URLs to page modules, and the context handed to each page.
// The page-module contract is in static/js/pages/README.md; in short:
//
//   static/js/pages/<name>.js exports
//     title                   the page's name (document title, top bar)
//     mount(root, ctx)        builds the page inside root (an empty <div>)
//                             and returns {update(state), destroy()}, plus
//                             optionally exportView() -> the <svg> to export
//                             and exportData() -> {name, columns, rows}
//   The shell calls update(state) once right after mount and again after
//   every change of the URL state on the same page (setState, back/forward);
//   it calls destroy() before another page is mounted. A page keeps no view
//   state of its own that the URL does not hold.
//
// The router uses the history API: links inside the app are followed
// without a reload, back and forward restore the view, and nginx answers
// every unknown path with index.html (deploy/nginx/flowinspector.conf), so
// deep links work. All asset paths are absolute (/js/..., /css/...).

import {readLocation, writeLocation, mergeState, serializeCommon, apiParams, normalPath} from './state.js';
import {api, ApiError, isAbort, carryRetries, allRequests} from './api.js';
import * as format from './lib/format.js';
import * as colors from './lib/colors.js';
import * as exporter from './lib/export.js';
import {el} from './lib/dom.js';
import * as widgets from './widgets/index.js';

// The pages: path, module (relative to this file), link text. The order is
// the top bar's.
export const ROUTES = [
	{path: '/', module: './pages/overview.js', nav: 'Overview'},
	{path: '/dashboard', module: './pages/dashboard.js', nav: 'Dashboard'},
	{path: '/flow-details', module: './pages/flowdetails.js', nav: 'Flow details'},
	{path: '/flows', module: './pages/flows.js', nav: 'Flows'},
	{path: '/graph', module: './pages/graph.js', nav: 'Graph'},
	{path: '/hierarchical-edge-bundle', module: './pages/edgebundle.js', nav: 'Edge bundle'},
	{path: '/hive-plot', module: './pages/hiveplot.js', nav: 'Hive plot'},
	{path: '/hilbert', module: './pages/hilbert.js', nav: 'Address map'},
	{path: '/geo', module: './pages/geo.js', nav: 'World map'},
];

const shell = {
	route: null, // the mounted route
	page: null, // what its mount() returned
	title: '', // its title (exports' heading)
	pageAbort: null, // aborts the mounted page's requests on destroy
	state: null, // the current URL state
	seq: 0, // counts navigations, so a late module load cannot mount
	meta: null, // /api/meta, once loaded
	metaPromise: null,
};

function findRoute(path)
{
	return ROUTES.find(r => r.path === path) || null;
}

// /api/meta (bucket sizes, data range, ...), asked once per page load.
// Not retried after a 503: the page waits for it before it mounts, and its
// widgets' own requests say that they retry.
function loadMeta()
{
	if (!shell.metaPromise) {
		shell.metaPromise = api('/api/meta', {}, {retries: 0}).then(m => {
			shell.meta = m;
			return m;
		});
		// a failing meta is shown by whichever widget needs it
		shell.metaPromise.catch(() => {
			shell.metaPromise = null;
		});
	}
	return shell.metaPromise;
}

// One signal that aborts when any of signals does (AbortSignal.any where
// the browser has it, since 2024 in all of them).
function anySignal(signals)
{
	if (AbortSignal.any)
		return AbortSignal.any(signals);
	const ac = new AbortController();
	for (const s of signals) {
		if (s.aborted) {
			ac.abort(s.reason);
			break;
		}
		s.addEventListener('abort', () => ac.abort(s.reason), {once: true});
	}
	return ac.signal;
}

// The context a page gets (see pages/README.md).
function makeContext(route, signal)
{
	const latest = new Map();
	const ctx = {
		path: route.path,
		get state() {
			return shell.state;
		},
		setState(patch, opts = {}) {
			if (signal.aborted)
				return;
			setState(patch, opts);
		},
		navigate(path, patch = {}) {
			navigate(path, patch);
		},
		apiParams(opts = {}) {
			const sizes = shell.meta ? shell.meta.bucket_sizes : null;
			return apiParams(shell.state, {sizes, ...opts});
		},
		api(path, params = {}, opts = {}) {
			const signals = [signal];
			if (opts.signal)
				signals.push(opts.signal);
			return api(path, params, {signal: anySignal(signals)});
		},
		fetchLatest(key, path, params = {}) {
			const prev = latest.get(key);
			if (prev)
				prev.abort();
			const ac = new AbortController();
			latest.set(key, ac);
			const req = ctx.api(path, params, {signal: ac.signal});
			// the abort above also ends the older one's wait for a retry
			return carryRetries(req.finally(() => {
				if (latest.get(key) === ac)
					latest.delete(key);
			}), [req]);
		},
		meta: () => loadMeta(),
		get metaNow() {
			return shell.meta;
		},
		signal,
		isAbort,
		ApiError,
		allRequests,
		format,
		colors,
		exporter,
		widgets,
	};
	return ctx;
}

// Applies patch to the URL state; push a history entry unless replace.
function setState(patch, {replace = false} = {})
{
	const next = mergeState(shell.state, patch);
	if (!writeLocation(shell.route ? shell.route.path : '/', next, {replace}))
		return;
	render();
}

// Goes to another page, keeping the shared state (range, filters, value)
// and dropping the old page's options.
function navigate(path, patch = {})
{
	const next = mergeState({...shell.state, opts: {}}, patch);
	writeLocation(normalPath(path), next);
	render();
}

function setText(node, text)
{
	node.textContent = text;
}

// Draws the top bar's links (carrying the shared state) and controls.
function renderTopbar()
{
	const nav = document.getElementById('fi-nav');
	const common = serializeCommon(shell.state);
	if (!nav.childElementCount) {
		nav.append(...ROUTES.map(r => el('a', null, r.nav, {dataset: {path: r.path}})));
	}
	for (const a of nav.querySelectorAll('a')) {
		a.href = a.dataset.path + common;
		const here = Boolean(shell.route && a.dataset.path === shell.route.path);
		a.classList.toggle('active', here);
		if (here)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
	for (const b of document.querySelectorAll('#fi-value button')) {
		b.classList.toggle('active', b.dataset.value === shell.state.value);
		b.setAttribute('aria-pressed', b.dataset.value === shell.state.value ? 'true' : 'false');
	}
	const range = document.getElementById('fi-range');
	const st = shell.state;
	setText(range.querySelector('.fi-range-text'),
		st.from === null ? 'all data' : format.formatRange(st.from, st.to));
	range.querySelector('button').hidden = st.from === null;
	const page = shell.page;
	document.getElementById('fi-export-csv').disabled = !(page && page.exportData);
}

function showPageError(root, text)
{
	root.replaceChildren(el('div', 'fi-error fi-page-error', text));
}

// Brings the page in line with the URL: mounts another page when the path
// changed, then hands it the state.
async function render()
{
	const {path, state} = readLocation();
	shell.state = state;
	const route = findRoute(path);
	const root = document.getElementById('fi-page');
	const seq = ++shell.seq;
	if (route !== shell.route || !shell.page) {
		if (shell.page) {
			shell.pageAbort.abort();
			try {
				shell.page.destroy();
			} catch (e) {
				console.error(e);
			}
		}
		shell.page = null;
		shell.route = route;
		// a fresh root: no children, classes or status of the last page
		root.textContent = '';
		root.className = '';
		root.removeAttribute('data-status');
		renderTopbar();
		if (!route) {
			document.title = 'Not found – flowinspector';
			showPageError(root, `There is no page ${path}.`);
			return;
		}
		let mod;
		try {
			// the pages need the bucket sizes (ctx.apiParams); a failing
			// meta is shown by the widgets' own requests
			await loadMeta().catch(() => null);
			mod = await import(route.module);
		} catch (e) {
			if (seq === shell.seq)
				showPageError(root, `The page module ${route.module} failed to load: ${e.message}`);
			throw e;
		}
		if (seq !== shell.seq)
			return;
		shell.title = mod.title || route.nav;
		document.title = `${shell.title} – flowinspector`;
		root.dataset.page = route.path;
		shell.pageAbort = new AbortController();
		shell.page = mod.mount(root, makeContext(route, shell.pageAbort.signal));
	}
	renderTopbar();
	shell.page.update(shell.state);
}

// The file name for exports: page and time range.
function exportName()
{
	const page = shell.route && shell.route.path !== '/' ? shell.route.path.slice(1) : 'overview';
	const st = shell.state;
	return st.from === null ? `flowinspector-${page}` : `flowinspector-${page}-${st.from}-${st.to}`;
}

// The SVG to export: the page's exportView (a chart in the document gets
// its panel's title and a caption line on top; a detached SVG is complete
// as it is), else every chart of the page, each under its panel's title,
// with the page's title and the caption on top.
function pageSvg()
{
	const page = shell.page;
	const heading = {title: shell.title, caption: exporter.exportCaption(shell.state)};
	if (page && page.exportView) {
		const svg = page.exportView();
		return svg && svg.isConnected ? exporter.headedSvg(svg, heading) : svg;
	}
	return exporter.pageSvg(document.getElementById('fi-page'), heading);
}

function setupTopbar()
{
	document.getElementById('fi-nav').addEventListener('click', (ev) => {
		const a = ev.target.closest('a');
		if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey)
			return;
		ev.preventDefault();
		navigate(a.dataset.path);
	});
	document.querySelector('.fi-brand').addEventListener('click', (ev) => {
		if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey)
			return;
		ev.preventDefault();
		navigate('/');
	});
	const values = document.getElementById('fi-value');
	values.append(...format.VALUES.map(v => el('button', null, v,
		{type: 'button', dataset: {value: v}, on: {click: () => setState({value: v})}})));
	document.querySelector('#fi-range button').addEventListener('click',
		() => setState({from: null, to: null}));
	document.getElementById('fi-export-svg').addEventListener('click', () => {
		const svg = pageSvg();
		if (svg)
			exporter.downloadSvg(svg, `${exportName()}.svg`);
	});
	document.getElementById('fi-export-png').addEventListener('click', () => {
		const svg = pageSvg();
		if (svg)
			exporter.downloadPng(svg, `${exportName()}.png`).catch(e => console.error(e));
	});
	document.getElementById('fi-export-csv').addEventListener('click', () => {
		const page = shell.page;
		if (!page || !page.exportData)
			return;
		const d = page.exportData();
		if (d)
			exporter.downloadCsv(`${exportName()}-${d.name || 'data'}.csv`, d.columns, d.rows);
	});
	window.addEventListener('popstate', () => render());
}

setupTopbar();
render();
