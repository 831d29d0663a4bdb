// views.mjs: browser tests of the graph, edge bundle and hive plot pages
// against the real stack (tests/browser/lib.mjs). Each page must draw
// without console errors or failed requests, with as many nodes, links,
// arcs and axes as the API's answers give, computed here independently of
// the pages' shaping code from the very answers the page asked for; its
// controls must go into the URL and change the drawing; back must restore
// it; export must give a well-formed SVG and a CSV. Screenshots of each
// page are saved as artifacts.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as B from './lib.mjs';

const s = await B.session();
after(() => s.close());
const page = s.page;

// --- the expected drawing, from the API's answers ----------------------

// The text a host has in the views: dotted IPv4, IPv6 as the API prints it.
function hostKey(v)
{
	if (typeof v === 'number')
		return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
	return v;
}

// The answer the page got for its last request to route, asked again.
async function lastAnswer(route)
{
	const reqs = s.apiRequests(route);
	assert.ok(reqs.length > 0, `the page asked ${route}`);
	const params = Object.fromEntries(reqs[reqs.length - 1].params);
	return {params, body: await B.api(route, params)};
}

// The pages' data: the hosts shown (the index answer's rows, which the
// page asked with limit = its node limit) and the host pairs.
async function pageData()
{
	const index = await lastAnswer('/api/dynamic/index/nodes');
	const pairs = await lastAnswer('/api/bucket/query');
	assert.equal(pairs.params.aggregate, 'sourceIPv4Address,destinationIPv4Address');
	return {index: index.body, indexParams: index.params, pairs: pairs.body.results};
}

// Distinct directed links between shown hosts, hidden endpoints merged into
// "others" when others is on; no self links.
function expectedLinks(shown, pairs, others)
{
	const out = new Set();
	for (const r of pairs) {
		let a = hostKey(r.sourceIPv4Address ?? r.sourceIPv6Address);
		let b = hostKey(r.destinationIPv4Address ?? r.destinationIPv6Address);
		if (!shown.has(a)) {
			if (!others)
				continue;
			a = 'others';
		}
		if (!shown.has(b)) {
			if (!others)
				continue;
			b = 'others';
		}
		if (a !== b)
			out.add(`${a}>${b}`);
	}
	return out;
}

// Whether the page must draw an "others" node: asked for, and traffic or a
// link outside the shown hosts.
function expectOthers(index, field, links)
{
	const shownSum = index.results.reduce((a, r) => a + r[field], 0);
	return 2 * index.totalCounter[field] > shownSum || [...links].some((l) => l.includes('others'));
}

// The full eight groups of an IPv6 text.
function v6Groups(t)
{
	const [head, tail] = t.includes('::') ? t.split('::') : [t, null];
	const h = head ? head.split(':') : [];
	const tl = tail === null ? [] : (tail ? tail.split(':') : []);
	const fill = tail === null ? [] : new Array(8 - h.length - tl.length).fill('0');
	return [...h, ...fill, ...tl].map((g) => parseInt(g, 16));
}

// The edge bundle's group names at the first `levels` levels of a host:
// /8 /16 /24 of IPv4, /32 /48 /64 of IPv6 (as plain prefixes of its
// octets or groups).
function groupsOf(key, levels)
{
	if (key.includes(':')) {
		const g = v6Groups(key);
		return [2, 3, 4].slice(0, levels).map((n) => `6:${g.slice(0, n).join(':')}`);
	}
	const o = key.split('.');
	return [1, 2, 3].slice(0, levels).map((n) => `4:${o.slice(0, n).join('.')}`);
}

// The hive plot's default axes, as plain tests: private and local, the
// rest, multicast and broadcast.
function defaultAxis(key)
{
	if (key.includes(':')) {
		const g = v6Groups(key)[0];
		if ((g & 0xfe00) === 0xfc00 || (g & 0xffc0) === 0xfe80)
			return 0;
		return (g & 0xff00) === 0xff00 ? 2 : 1;
	}
	const [a, b] = key.split('.').map(Number);
	if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168))
		return 0;
	if ((a >= 224 && a < 240) || key === '255.255.255.255')
		return 2;
	return 1;
}

// --- what the page drew -------------------------------------------------

// The keys bound to the view's elements matching selector (d3's __data__).
function drawnKeys(selector, keyOf)
{
	return page.$$eval(selector, (els, k) => els.map((e) => {
		const d = e.__data__;
		return k === 'leaf' ? d.data.key : k === 'link' ? `${d.source.key ?? d.source}>${d.target.key ?? d.target}` : d.key;
	}), keyOf);
}

function url()
{
	return new URL(page.url());
}

// Sets a control of the View panel and waits until the page is ready.
async function setControl(name, value)
{
	const sel = `.fi-view-controls [name="${name}"]`;
	const tag = await page.$eval(sel, (e) => `${e.tagName}:${e.type}`);
	if (tag.startsWith('SELECT')) {
		await page.selectOption(sel, value);
	} else if (tag === 'INPUT:checkbox') {
		await page.setChecked(sel, value);
	} else if (tag === 'INPUT:range') {
		await page.$eval(sel, (e, v) => {
			e.value = v;
			e.dispatchEvent(new Event('input', {bubbles: true}));
			e.dispatchEvent(new Event('change', {bubbles: true}));
		}, value);
	} else {
		await page.fill(sel, value);
		await page.press(sel, 'Enter');
	}
	await s.ready();
}

const sorted = (xs) => [...xs].sort();

// --- the tests ------------------------------------------------------------

test('graph: nodes and links as the API answers, others super-node', async () => {
	await s.goto('/graph?nodes=30');
	const d = await pageData();
	assert.equal(d.indexParams.limit, '30');
	assert.equal(d.indexParams.sort, 'flows desc');
	const shown = new Set(d.index.results.map((r) => hostKey(r.id)));
	assert.ok(shown.size > 10, 'the sample has hosts');
	const links = expectedLinks(shown, d.pairs, true);
	const others = expectOthers(d.index, 'flows', links);
	assert.ok(others, 'the sample has more than 30 hosts');
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg circle.node')), sorted([...shown, 'others']));
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg line.link', 'link')), sorted(links));
	assert.equal(await page.locator('.fi-view-svg circle.node.others').count(), 1);
	assert.match(await page.textContent('.fi-view-info'), new RegExp(`^${shown.size} hosts, ${links.size} links`));
	await s.screenshot('views-graph-force');
	s.assertClean();
});

test('graph: layout, node limit and others follow the controls and the URL', async () => {
	await s.goto('/graph?nodes=30');
	await setControl('layout', 'hilbert');
	assert.equal(url().searchParams.get('layout'), 'hilbert');
	// 31 nodes on the 8 x 8 Hilbert grid: one per cell, 8 columns at most.
	const pos = await page.$$eval('.fi-view-svg circle.node', (els) => els.map((e) => [e.getAttribute('cx'), e.getAttribute('cy')]));
	assert.equal(pos.length, 31);
	assert.equal(new Set(pos.map((p) => p.join())).size, 31);
	assert.ok(new Set(pos.map((p) => p[0])).size <= 8);
	assert.ok(new Set(pos.map((p) => p[1])).size <= 8);
	await s.screenshot('views-graph-hilbert');

	const before = s.mark();
	await setControl('nodes', '10');
	assert.equal(url().searchParams.get('nodes'), '10');
	const asked = s.since(before).filter((r) => r.path === '/api/dynamic/index/nodes');
	assert.equal(asked.length, 1, 'a new node limit asks for new data');
	assert.equal(asked[0].params.get('limit'), '10');
	assert.equal(await page.locator('.fi-view-svg circle.node').count(), 11);

	const again = s.mark();
	await setControl('others', false);
	assert.equal(url().searchParams.get('others'), '0');
	assert.equal(s.since(again).filter((r) => r.path === '/api/dynamic/index/nodes' ||
		(r.path === '/api/bucket/query' &&
		r.params.get('aggregate') === 'sourceIPv4Address,destinationIPv4Address')).length, 0,
	'showing others needs no new data');
	const d = await pageData();
	const shown = new Set(d.index.results.map((r) => hostKey(r.id)));
	assert.equal(await page.locator('.fi-view-svg circle.node').count(), 10);
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg line.link', 'link')),
		sorted(expectedLinks(shown, d.pairs, false)));

	await page.goBack();
	await s.ready();
	assert.equal(url().searchParams.get('others'), null);
	assert.equal(await page.locator('.fi-view-svg circle.node').count(), 11);
	assert.equal(await page.$eval('.fi-view-controls [name="others"]', (e) => e.checked), true);
	s.assertClean();
});

test('graph: a brushed range and a filter go into the requests', async () => {
	const meta = await B.api('/api/meta');
	const size = meta.sizes.find((x) => x.bucket_size === 600);
	const from = size.min_bucket;
	const to = from + 3600;
	await s.goto(`/graph?from=${from}&to=${to}&include_protos=tcp&value=bytes&nodes=20`);
	const d = await pageData();
	assert.equal(d.indexParams.start_bucket, String(from));
	assert.equal(d.indexParams.end_bucket, String(to - 1));
	assert.equal(d.indexParams.include_protos, 'tcp');
	assert.equal(d.indexParams.sort, 'octetDeltaCount desc');
	const shown = new Set(d.index.results.map((r) => hostKey(r.id)));
	const links = expectedLinks(shown, d.pairs, true);
	const others = expectOthers(d.index, 'octetDeltaCount', links);
	assert.equal(await page.locator('.fi-view-svg circle.node').count(), shown.size + (others ? 1 : 0));
	assert.equal(await page.locator('.fi-view-svg line.link').count(), links.size);
	s.assertClean();
});

test('graph: export as SVG, PNG and CSV', async () => {
	await s.goto('/graph?nodes=15&layout=hilbert');
	const n = await page.locator('.fi-view-svg circle.node').count();
	const m = await page.locator('.fi-view-svg line.link').count();
	const file = await s.download(() => page.click('#fi-export-svg'), 'views-graph.svg');
	const text = fs.readFileSync(file, 'utf8');
	const parsed = await B.parseSvg(page, text);
	// the view panel's title and summary line (HTML on screen) head the file
	const heading = await page.locator('.fi-view .fi-widget-title').textContent();
	const info = await page.locator('.fi-view .fi-view-info').textContent();
	assert.ok(heading && info, 'the panel shows a title and a summary');
	assert.deepEqual(parsed.title, [heading]);
	assert.deepEqual(parsed.captions, [`${info} · all data · flows`]);
	assert.equal(await page.locator('.fi-view-svg text.fi-export-title').count(), 0, 'the chart on screen is unchanged');
	assert.equal((text.match(/<circle/g) || []).length, n);
	assert.equal((text.match(/<line/g) || []).length, m);
	const csv = fs.readFileSync(await s.download(() => page.click('#fi-export-csv'), 'views-graph.csv'), 'utf8');
	const lines = csv.trim().split(/\r?\n/);
	assert.equal(lines[0], 'source,destination,flows,last_bucket');
	assert.equal(lines.length, m + 1);
	const png = fs.readFileSync(await s.download(() => page.click('#fi-export-png'), 'views-graph.png'));
	assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	assert.ok(png.length > 1000);
	s.assertClean();
});

test('edge bundle: leaves, groups and links as the API answers', async () => {
	await s.goto('/hierarchical-edge-bundle?nodes=40');
	const d = await pageData();
	assert.equal(d.indexParams.limit, '40');
	const shown = new Set(d.index.results.map((r) => hostKey(r.id)));
	const links = expectedLinks(shown, d.pairs, true);
	const others = expectOthers(d.index, 'flows', links);
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg g.leaf', 'leaf')),
		sorted([...shown, ...(others ? ['others'] : [])]));
	assert.equal(await page.locator('.fi-view-svg circle.leaf').count(), shown.size + (others ? 1 : 0));
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg path.link', 'link')), sorted(links));
	const groups = new Set([...shown].flatMap((k) => groupsOf(k, 3)));
	assert.equal(await page.locator('.fi-view-svg path.arc').count(), groups.size);
	await s.screenshot('views-edge-bundle');

	await setControl('levels', '1');
	assert.equal(url().searchParams.get('levels'), '1');
	const top = new Set([...shown].flatMap((k) => groupsOf(k, 1)));
	assert.equal(await page.locator('.fi-view-svg path.arc').count(), top.size);
	await setControl('levels', '0');
	assert.equal(await page.locator('.fi-view-svg path.arc').count(), 0);
	assert.equal(await page.locator('.fi-view-svg path.link').count(), links.size);
	s.assertClean();
});

test('edge bundle: hover shows in, out or all links; tension bends them', async () => {
	await s.goto('/hierarchical-edge-bundle?nodes=40');
	const d = await pageData();
	const shown = new Set(d.index.results.map((r) => hostKey(r.id)));
	const links = [...expectedLinks(shown, d.pairs, true)];
	const host = hostKey(d.index.results[0].id);
	const lit = async () => (await page.$$eval('.fi-view-svg path.link', (els) => els
		.filter((e) => e.getAttribute('stroke-opacity') === '1')
		.map((e) => `${e.__data__.source}>${e.__data__.target}`))).sort();
	const hoverHost = async () => {
		await page.mouse.move(0, 0);
		await page.$eval('.fi-view-svg', (svg, k) => {
			const g = [...svg.querySelectorAll('g.leaf')].find((e) => e.__data__.data.key === k);
			g.dispatchEvent(new MouseEvent('mouseenter', {bubbles: false, clientX: 10, clientY: 10}));
		}, host);
	};
	await hoverHost();
	assert.deepEqual(await lit(), links.filter((l) => l.startsWith(`${host}>`) || l.endsWith(`>${host}`)).sort());
	// A group's arc: the links of all its hosts (here the /8 of the host).
	const net = `${host.split('.')[0]}.`;
	assert.ok(!host.includes(':'));
	await page.$eval('.fi-view-svg', (svg, name) => {
		const a = [...svg.querySelectorAll('path.arc')].find((e) => e.__data__.data.name === name);
		a.dispatchEvent(new MouseEvent('mouseenter', {bubbles: false, clientX: 10, clientY: 10}));
	}, `${net}0.0.0/8`);
	const inNet = (k) => k.startsWith(net);
	assert.deepEqual(await lit(), links.filter((l) => l.split('>').some(inNet)).sort());
	await setControl('hover', 'out');
	assert.equal(url().searchParams.get('hover'), 'out');
	await hoverHost();
	const out = links.filter((l) => l.startsWith(`${host}>`)).sort();
	assert.ok(out.length > 0);
	assert.deepEqual(await lit(), out);
	await setControl('hover', 'in');
	await hoverHost();
	assert.deepEqual(await lit(), links.filter((l) => l.endsWith(`>${host}`)).sort());
	await page.$eval('.fi-view-svg', (svg, k) => {
		const g = [...svg.querySelectorAll('g.leaf')].find((e) => e.__data__.data.key === k);
		g.dispatchEvent(new MouseEvent('mouseleave', {bubbles: false}));
	}, host);
	assert.deepEqual(await lit(), [], 'leaving the host ends the highlight');

	const shape = () => page.$eval('.fi-view-svg path.link', (e) => e.getAttribute('d'));
	const bent = await shape();
	await setControl('tension', '0');
	assert.equal(url().searchParams.get('tension'), '0');
	assert.notEqual(await shape(), bent);
	assert.equal(await page.$eval('.fi-view-controls [name="tension"]', (e) => e.value), '0');
	await page.goBack();
	await s.ready();
	assert.equal(await shape(), bent);
	s.assertClean();
});

test('hive plot: axes, nodes and links as the API answers', async () => {
	await s.goto('/hive-plot?nodes=60');
	const d = await pageData();
	const keys = d.index.results.map((r) => hostKey(r.id));
	const axis = new Map(keys.map((k) => [k, defaultAxis(k)]));
	const links = [...expectedLinks(new Set(keys), d.pairs, false)]
		.filter((l) => {
			const [a, b] = l.split('>');
			return axis.get(a) !== axis.get(b);
		});
	assert.equal(await page.locator('.fi-view-svg line.axis').count(), 3);
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg circle.node')), sorted(keys));
	const drawnAxes = await page.$$eval('.fi-view-svg circle.node', (els) => els.map((e) => [e.__data__.key, e.__data__.axis]));
	for (const [k, a] of drawnAxes)
		assert.equal(a, axis.get(k), k);
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg path.link', 'link')), sorted(links));
	await s.screenshot('views-hive-plot');

	// Links between axes 1 and 2 only from 1 to 2, none between 2 and 3.
	await setControl('dir12', 'fwd');
	await setControl('dir23', 'none');
	assert.equal(url().searchParams.get('dir12'), 'fwd');
	assert.equal(url().searchParams.get('dir23'), 'none');
	const allowed = links.filter((l) => {
		const [a, b] = l.split('>').map((k) => axis.get(k));
		if ((a === 1 && b === 0) || a + b === 3)
			return false;
		return true;
	});
	assert.ok(allowed.length < links.length);
	assert.deepEqual(sorted(await drawnKeys('.fi-view-svg path.link', 'link')), sorted(allowed));

	// Linear scale: positions change, nothing else.
	const where = () => page.$$eval('.fi-view-svg circle.node', (els) => els.map((e) => e.getAttribute('cy')).join());
	const logPos = await where();
	await setControl('scale', 'linear');
	assert.equal(url().searchParams.get('scale'), 'linear');
	assert.notEqual(await where(), logPos);
	s.assertClean();
});

test('hive plot: a bad CIDR list is named, the rest still drawn', async () => {
	await s.goto('/hive-plot?nodes=60');
	await setControl('axis1', '10.0.0.0/8, 300.1.2.3/8');
	assert.equal(url().searchParams.get('axis1'), '10.0.0.0/8, 300.1.2.3/8');
	const err = await page.textContent('.fi-view-controls .fi-view-axis1 + .fi-field-error');
	assert.match(err, /300\.1\.2\.3\/8/);
	assert.equal(await page.$eval('.fi-view-controls [name="axis1"]', (e) => e.classList.contains('fi-invalid')), true);
	assert.ok(await page.locator('.fi-view-svg circle.node').count() > 0);
	// Emptying a list makes it the catch-all.
	await setControl('axis2', '');
	assert.equal(url().searchParams.get('axis2'), 'rest');
	assert.equal(await page.textContent('.fi-view-controls .fi-view-axis1 + .fi-field-error'), err);
	s.assertClean();
});

test('an API error is shown in the view, not a blank drawing', async () => {
	await s.goto('/hive-plot?include_ports=99999');
	const body = page.locator('.fi-view .fi-widget-body');
	assert.equal(await body.getAttribute('data-status'), 'error');
	const text = await page.textContent('.fi-view .fi-status');
	const api = await fetch(`${B.BASE}/api/dynamic/index/nodes?include_ports=99999`).then((r) => r.json());
	assert.ok(api.error);
	assert.ok(text.includes(api.error), `"${text}" shows "${api.error}"`);
	s.assertClean([/HTTP 400/, /status of 400/]);
});

test('a narrower window redraws the view to fit', async () => {
	await s.goto('/hive-plot?nodes=30');
	const wide = Number(await page.$eval('.fi-view-svg', (e) => e.getAttribute('width')));
	await page.setViewportSize({width: 900, height: 900});
	await page.waitForFunction((w) => Number(document.querySelector('.fi-view-svg').getAttribute('width')) < w,
		wide, {timeout: 5000});
	const narrow = Number(await page.$eval('.fi-view-svg', (e) => e.getAttribute('width')));
	const room = await page.$eval('.fi-view .fi-widget-body', (e) => e.clientWidth);
	assert.ok(narrow <= room, `${narrow} fits in ${room}`);
	assert.equal(await page.locator('.fi-view-svg circle.node').count(), 30);
	await page.setViewportSize({width: 1400, height: 900});
	s.assertClean();
});
