// pages.mjs: the browser test of the app shell and the pages of issue 6
// written with it (overview, dashboard, flow details, flow table): every
// page opens without console errors or failed requests; the SVG elements
// match the API's answers to the very requests the page made (bars per
// bucket, stacked host bars, donut slices, table rows); brushing the
// timeline, with the mouse or the keys, changes the other widgets' requests;
// a filter goes into the URL
// and survives reload, back and forward; the API's 400 message is shown;
// while the database is unavailable the widgets say they retry, then draw;
// the exports give a parseable SVG, a PNG and CSV. Run by tests/browser/run.sh.

import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as B from './lib.mjs';
import {formatAddress, formatCount} from '../../static/js/lib/format.js';

const s = await B.session();
after(() => s.close());
const page = s.page;

// The params of the last request the page made to route (and that pred
// accepts), as an object.
function lastParams(route, pred = () => true)
{
	const reqs = s.apiRequests(route).filter(r => pred(r.params));
	assert.ok(reqs.length, `the page asked ${route}`);
	return Object.fromEntries(reqs[reqs.length - 1].params);
}

// Same request from node: what the page must have drawn.
function askAgain(route, pred)
{
	return B.api(route, lastParams(route, pred));
}

// The flow table's row request (not its count).
const rowsReq = p => !p.has('count');

function twice(res, field)
{
	return 2 * res.totalCounter[field];
}

// Donut slices expected for an index answer: up to 8 rows, plus "others"
// when the rows do not cover all traffic (each flow counts twice).
function donutSlices(res, field)
{
	const rows = res.results.slice(0, 8);
	const sum = rows.reduce((a, r) => a + r[field], 0);
	return rows.length + (twice(res, field) - sum > 0 ? 1 : 0);
}

async function count(sel)
{
	return page.locator(sel).count();
}

test('every page opens without errors', async () => {
	for (const [p, name] of [['/', 'overview'], ['/dashboard', 'dashboard'],
		['/flow-details', 'flow-details'], ['/flows', 'flows'], ['/graph', 'graph'],
		['/hierarchical-edge-bundle', 'edgebundle'], ['/hive-plot', 'hiveplot'], ['/hilbert', 'hilbert'],
		['/geo', 'geo']]) {
		await s.goto(p);
		assert.equal(await page.locator('#fi-nav a.active').getAttribute('data-path'), p, `${p}: its link is marked`);
		assert.equal(await count('[data-status="error"]'), 0, `${p}: no widget shows an error`);
		await s.screenshot(name);
		s.assertClean();
	}
	// this stack has no geo database: the world map says so and how to install one
	await s.goto('/geo');
	const about = await page.locator('.fi-geo-db').innerText();
	assert.match(about, /No country database is installed: .*deploy\/geo-update/);
	assert.match(about, /No AS database is installed/);
	assert.equal(await count('.fi-geo-offmap tr[data-group="local"]'), 1, 'the sample\'s hosts are local');
	// moving by the top bar mounts each page on a clean root
	await s.goto('/flow-details');
	assert.equal(await page.getAttribute('#fi-page', 'class'), 'fi-layout');
	await page.click('#fi-nav a[data-path="/"]');
	await s.ready();
	assert.equal(await page.getAttribute('#fi-page', 'class'), '');
	assert.equal(await count('.fi-filters'), 0);
	assert.ok(await count('.fi-overview'));
	// a deep link with a trailing slash and an unknown page
	await s.goto('/dashboard/');
	assert.ok(await count('.fi-timeline'), 'the dashboard under /dashboard/');
	await page.goto(`${B.BASE}/no-such-page`);
	await page.waitForSelector('.fi-page-error');
	assert.match(await page.locator('.fi-page-error').textContent(), /no page \/no-such-page/);
	s.assertClean();
});

test('nginx: every page URL is the app, the modules are revalidated', async () => {
	for (const p of ['/', '/dashboard', '/flow-details?include_ports=53', '/flows', '/graph',
		'/hierarchical-edge-bundle/', '/hive-plot', '/hilbert', '/geo']) {
		const res = await fetch(B.BASE + p);
		assert.equal(res.status, 200, p);
		assert.match(res.headers.get('content-type'), /^text\/html/, p);
		assert.match(await res.text(), /<script type="module" src="\/js\/app.js">/, p);
	}
	for (const p of ['/js/app.js', '/js/pages/dashboard.js', '/css/app.css', '/vendor/d3.min.js', '/index.html']) {
		const res = await fetch(B.BASE + p);
		assert.equal(res.status, 200, p);
		assert.equal(res.headers.get('cache-control'), 'no-cache', p);
	}
	assert.match((await fetch(`${B.BASE}/js/app.js`)).headers.get('content-type'), /javascript/);
	assert.equal((await fetch(`${B.BASE}/js/no-such-module.js`)).status, 404);
	// the world map's shapes are JSON, and a missing one is no page
	const atlas = await fetch(`${B.BASE}/vendor/countries-110m.json`);
	assert.equal(atlas.status, 200);
	assert.match(atlas.headers.get('content-type'), /^application\/json/);
	assert.equal((await fetch(`${B.BASE}/vendor/no-such-atlas.json`)).status, 404);
});

test('overview: charts match the API', async () => {
	await s.goto('/');
	const nodes = await askAgain('/api/index/nodes');
	const ports = await askAgain('/api/index/ports');
	const buckets = await askAgain('/api/bucket/query');
	assert.ok(nodes.results.length > 5 && buckets.results.length > 10, 'the sample is imported');
	assert.equal(await count('.fi-tophosts g.fi-host'), Math.min(10, nodes.results.length));
	assert.equal(await count('.fi-node-donut path.fi-slice'), donutSlices(nodes, 'flows'));
	assert.equal(await count('.fi-port-donut path.fi-slice'), donutSlices(ports, 'flows'));
	assert.equal(await count('.fi-traffic g.fi-bucket'), buckets.results.length);
	// the donuts' centre is the traffic total, not the sum over endpoints
	assert.equal(await page.locator('.fi-node-donut .fi-donut-total').textContent(),
		formatCount(nodes.totalCounter.flows));
	assert.equal(await page.locator('.fi-port-donut .fi-donut-total').textContent(),
		formatCount(ports.totalCounter.flows));
	assert.equal(await count('.fi-node-donut .fi-donut-legend g'), donutSlices(nodes, 'flows'));
	// the first bar is the busiest host, labelled with its address
	const first = await page.locator('.fi-tophosts g.fi-host').first().getAttribute('data-key');
	assert.equal(first, String(nodes.results[0].id));
	s.assertClean();
});

test('dashboard: counts match, the value switch re-sorts', async () => {
	await s.goto('/dashboard');
	const tl = await askAgain('/api/bucket/query');
	// the timeline's request is the one without a range
	const tlReq = s.apiRequests('/api/bucket/query').find(r => !r.params.has('start_bucket') &&
		r.params.has('resolution') && Number(r.params.get('resolution')) > 200);
	assert.ok(tlReq, 'the timeline asked for all data at a fine resolution');
	const timeline = await B.api('/api/bucket/query', Object.fromEntries(tlReq.params));
	assert.equal(await count('.fi-timeline rect.fi-bar'), timeline.results.length, 'one bar per bucket');
	assert.ok(tl.results.length > 0);
	const nodes = await askAgain('/api/dynamic/index/nodes');
	assert.equal(await count('.fi-tophosts g.fi-host'), Math.min(10, nodes.results.length));
	assert.equal(await count('.fi-node-donut path.fi-slice'), donutSlices(nodes, 'flows'));
	const ports = await askAgain('/api/dynamic/index/ports');
	assert.equal(await count('.fi-port-donut path.fi-slice'), donutSlices(ports, 'flows'));
	// each host bar has the four protocol classes, widths in proportion
	assert.equal(await count('.fi-tophosts g.fi-host rect.fi-seg'), 4 * Math.min(10, nodes.results.length));
	assert.equal(await page.locator('.fi-tophosts rect.fi-tcp').first().getAttribute('fill'), 'rgb(204,0,0)');
	assert.equal(await page.locator('.fi-tophosts rect.fi-udp').first().getAttribute('fill'), 'rgb(0,204,0)');

	await page.click('#fi-value button[data-value="bytes"]');
	await s.ready();
	assert.match(page.url(), /[?&]value=bytes/);
	assert.equal(lastParams('/api/dynamic/index/nodes').sort, 'octetDeltaCount desc');
	const byBytes = await askAgain('/api/dynamic/index/nodes');
	assert.equal(await page.locator('.fi-tophosts g.fi-host').first().getAttribute('data-key'),
		String(byBytes.results[0].id));
	await page.goBack();
	await s.ready();
	assert.doesNotMatch(page.url(), /value=/);
	assert.equal(await page.locator('#fi-value button.active').textContent(), 'flows');

	// the host count and the bucket size are page state in the URL
	await page.selectOption('.fi-tophosts select.fi-hosts-count', '20');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('hosts'), '20');
	assert.equal(lastParams('/api/dynamic/index/nodes').limit, '20');
	const twenty = await askAgain('/api/dynamic/index/nodes');
	assert.ok(twenty.results.length > 10);
	assert.equal(await count('.fi-tophosts g.fi-host'), Math.min(20, twenty.results.length));
	await page.selectOption('.fi-timeline select.fi-bucket-size', '60');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('bucket_size'), '60');
	const fine = await B.api('/api/bucket/query', {bucket_size: 60});
	assert.equal(await count('.fi-timeline rect.fi-bar'), fine.results.length, 'a bar per minute');
	assert.equal(lastParams('/api/dynamic/index/nodes').bucket_size, '60');
	await page.reload();
	await s.ready();
	assert.equal(await page.inputValue('.fi-timeline select.fi-bucket-size'), '60');
	assert.equal(await count('.fi-tophosts g.fi-host'), Math.min(20, twenty.results.length));
	s.assertClean();
});

test('brushing the timeline sets the range for the other widgets', async () => {
	await s.goto('/dashboard');
	const box = await page.locator('.fi-timeline .fi-brush .overlay').boundingBox();
	const mark = s.mark();
	const y = box.y + box.height / 2;
	await page.mouse.move(box.x + box.width * 0.30, y);
	await page.mouse.down();
	await page.mouse.move(box.x + box.width * 0.45, y, {steps: 5});
	await page.mouse.move(box.x + box.width * 0.55, y, {steps: 5});
	await page.mouse.up();
	await s.ready();
	const url = new URL(page.url());
	const from = Number(url.searchParams.get('from'));
	const to = Number(url.searchParams.get('to'));
	assert.ok(from > 0 && to > from, `the URL holds the range: ${url.search}`);
	const newReqs = s.since(mark);
	const nodeReq = newReqs.filter(r => r.path === '/api/dynamic/index/nodes').pop();
	assert.ok(nodeReq, 'the top hosts were asked again');
	assert.equal(nodeReq.params.get('start_bucket'), String(from));
	assert.equal(nodeReq.params.get('end_bucket'), String(to - 1));
	const bs = Number(nodeReq.params.get('bucket_size'));
	assert.ok(bs > 0 && from % bs === 0 && to % bs === 0, `snapped to whole ${bs} s buckets`);
	const portReq = newReqs.filter(r => r.path === '/api/dynamic/index/ports').pop();
	assert.equal(portReq.params.get('start_bucket'), String(from));
	const protoReq = newReqs.filter(r => r.path === '/api/bucket/query' && r.params.has('start_bucket')).pop();
	assert.ok(protoReq, 'the protocol chart was asked for the range');
	// the widgets show the range's data
	const nodes = await B.api('/api/dynamic/index/nodes', Object.fromEntries(nodeReq.params));
	assert.equal(await count('.fi-tophosts g.fi-host'), Math.min(10, nodes.results.length));
	const proto = await B.api('/api/bucket/query', Object.fromEntries(protoReq.params));
	assert.equal(await count('.fi-protocols g.fi-bucket'), proto.results.length);
	for (const r of proto.results)
		assert.ok(r.bucket >= from && r.bucket < to, 'only buckets inside the range');
	// the timeline did not ask again: it always shows all data
	assert.equal(newReqs.filter(r => r.path === '/api/bucket/query' && !r.params.has('start_bucket')).length, 0);
	assert.match(await page.locator('#fi-range .fi-range-text').textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d – .*UTC$/);
	await s.screenshot('dashboard-brushed');

	// reload keeps the range, the brush is drawn where it was
	await page.reload();
	await s.ready();
	const sel = await page.locator('.fi-timeline .fi-brush .selection').boundingBox();
	assert.ok(sel && sel.width > 10, 'the brush shows the range after a reload');
	// a click on the timeline clears it
	await page.mouse.click(box.x + box.width * 0.9, y);
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('from'), null);
	// so does the top bar's button, after going back to the range
	await page.goBack();
	await s.ready();
	assert.equal(Number(new URL(page.url()).searchParams.get('from')), from);
	await page.click('#fi-range button');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('from'), null);
	assert.equal(await page.locator('#fi-range .fi-range-text').textContent(), 'all data');
	s.assertClean();
});

test('the timeline brush works from the keyboard as with the mouse', async () => {
	await s.goto('/dashboard');
	// the timeline's answer: its bucket size and data span
	const tl = await askAgain('/api/bucket/query', p => !p.has('start_bucket'));
	const size = tl.bucket_size;
	const min = tl.global_min_bucket;
	const max = tl.global_max_bucket + size;
	assert.ok(size > 0 && max - min >= 4 * size, `${(max - min) / size} buckets to move over`);
	const brush = page.locator('.fi-timeline g.fi-brush');
	assert.equal(await brush.getAttribute('tabindex'), '0');
	assert.equal(await brush.getAttribute('role'), 'slider');
	assert.match(await brush.getAttribute('aria-label'), /arrow keys move .*Shift.*resize.*Escape clears/);
	assert.equal(await brush.getAttribute('aria-valuetext'), 'all data, no range selected');
	await brush.focus();
	assert.ok(await brush.evaluate(e => document.activeElement === e), 'the brush takes the focus');
	const history = await page.evaluate(() => history.length);
	const params = () => new URL(page.url()).searchParams;
	// wait for the URL the keys write once they pause
	const urlHas = (from) => page.waitForFunction(f => new URL(location.href).searchParams.get('from') === f,
		from === null ? null : String(from));

	let mark = s.mark();
	await page.keyboard.press('ArrowRight'); // no range: the first bucket
	await page.keyboard.press('ArrowRight'); // one bucket on
	await page.keyboard.press('Shift+ArrowRight'); // one bucket wider
	assert.equal(params().get('from'), null, 'not written while the keys go on');
	await urlHas(min + size);
	await s.ready();
	assert.equal(Number(params().get('to')), min + 3 * size);
	assert.equal(await page.evaluate(() => history.length), history + 1, 'one history entry for the run of keys');
	const checkReqs = (reqs, from, to) => {
		const nodeReqs = reqs.filter(r => r.path === '/api/dynamic/index/nodes');
		assert.equal(nodeReqs.length, 1, 'the top hosts asked once for the run of keys');
		assert.equal(nodeReqs[0].params.get('start_bucket'), String(from));
		assert.equal(nodeReqs[0].params.get('end_bucket'), String(to - 1));
		const portReq = reqs.filter(r => r.path === '/api/dynamic/index/ports').pop();
		assert.equal(portReq.params.get('start_bucket'), String(from));
		const protoReq = reqs.filter(r => r.path === '/api/bucket/query' && r.params.has('start_bucket')).pop();
		assert.ok(protoReq, 'the protocol chart was asked for the range');
		assert.equal(protoReq.params.get('end_bucket'), String(to - 1));
		// the timeline did not ask again: it always shows all data
		assert.equal(reqs.filter(r => r.path === '/api/bucket/query' && !r.params.has('start_bucket')).length, 0);
	};
	checkReqs(s.since(mark), min + size, min + 3 * size);
	const sel = await page.locator('.fi-timeline .fi-brush .selection').boundingBox();
	const bar = await page.locator('.fi-timeline rect.fi-bar').first().boundingBox();
	assert.ok(sel && sel.width > bar.width, 'the brush shows two buckets');
	assert.equal(await brush.getAttribute('aria-valuetext'),
		await page.locator('#fi-range .fi-range-text').textContent());
	assert.ok(await brush.evaluate(e => document.activeElement === e), 'the brush keeps the focus');
	await s.screenshot('timeline-keys');

	// back one bucket, then one bucket narrower
	mark = s.mark();
	await page.keyboard.press('ArrowLeft');
	await page.keyboard.press('Shift+ArrowLeft');
	await page.keyboard.press('Shift+ArrowLeft'); // never narrower than a bucket
	await urlHas(min);
	await s.ready();
	assert.equal(Number(params().get('to')), min + size);
	checkReqs(s.since(mark), min, min + size);
	// not before the data
	await page.keyboard.press('ArrowLeft');
	await page.waitForTimeout(600);
	assert.equal(Number(params().get('from')), min);

	// Escape clears at once, as a click does
	await page.keyboard.press('Escape');
	await urlHas(null);
	await s.ready();
	assert.equal(params().get('to'), null);
	assert.equal(await page.locator('#fi-range .fi-range-text').textContent(), 'all data');
	// without a range ArrowLeft takes the last bucket
	await page.keyboard.press('ArrowLeft');
	await urlHas(max - size);
	await s.ready();
	assert.equal(Number(params().get('to')), max);
	// back restores the keys' ranges as it does a mouse brush's
	await page.goBack();
	await s.ready();
	assert.equal(params().get('from'), null);
	await page.goBack();
	await s.ready();
	assert.equal(Number(params().get('from')), min);
	s.assertClean();
});

test('tooltips: human-readable numbers and UTC times; a host opens its details', async () => {
	await s.goto('/dashboard');
	// the brush lies over the bars: the pointer over a bar's place
	const bar = await page.locator('.fi-timeline rect.fi-bar').nth(5).boundingBox();
	await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2 - 2);
	const tip = page.locator('.fi-tooltip');
	await tip.waitFor({state: 'visible'});
	assert.match(await tip.locator('.fi-tooltip-title').textContent(), /^2024-05-01 \d\d:\d\d UTC$/);
	assert.match(await tip.textContent(), /flows\d/);
	await page.locator('.fi-tophosts g.fi-host rect.fi-tcp').first().hover();
	await tip.waitFor({state: 'visible'});
	const nodes = await askAgain('/api/dynamic/index/nodes');
	const top = nodes.results[0];
	assert.ok(top.flows >= 1000, 'the busiest host has thousands of flows');
	const grouped = String(top.flows).replace(/\B(?=(\d{3})+$)/g, '\u2009');
	assert.ok((await tip.textContent()).includes(grouped), 'exact counts, grouped by thousands');
	// hosts are IPv4 dotted or IPv6 text
	const labels = await page.locator('.fi-tophosts .fi-bar-label').allTextContents();
	assert.ok(labels.every(l => /^(\d+\.){3}\d+$|:/.test(l)), labels.join(' '));
	assert.ok(labels.some(l => l.includes(':')), 'the sample has IPv6 hosts among the top');

	await page.locator('.fi-tophosts g.fi-host').first().click();
	await s.ready();
	const url = new URL(page.url());
	assert.equal(url.pathname, '/flow-details');
	assert.equal(url.searchParams.get('include_ips'), labels[0]);
	assert.equal(await page.inputValue('input[name="include_ips"]'), labels[0]);
	assert.equal(lastParams('/api/dynamic/index/nodes').include_ips, labels[0]);
	s.assertClean();
});

test('donut slices: on the dashboard a host or port opens its details, on the overview nothing', async () => {
	await s.goto('/dashboard');
	const nodes = await askAgain('/api/dynamic/index/nodes');
	const host = nodes.results[0].id;
	// a slice is an arc: its bounding box's middle may lie in the hole, so
	// the click goes to the element itself
	await page.locator(`.fi-node-donut path.fi-slice[data-key="${host}"]`).dispatchEvent('click');
	await s.ready();
	let url = new URL(page.url());
	assert.equal(url.pathname, '/flow-details');
	assert.equal(url.searchParams.get('include_ips'), formatAddress(host));

	await s.goto('/dashboard');
	const ports = await askAgain('/api/dynamic/index/ports');
	const port = String(ports.results[0].id);
	const others = page.locator('.fi-port-donut path.fi-slice[data-key="others"]');
	if (await others.count())
		await others.dispatchEvent('click'); // "others" leads nowhere
	await page.locator(`.fi-port-donut path.fi-slice[data-key="${port}"]`).dispatchEvent('click');
	await s.ready();
	url = new URL(page.url());
	assert.equal(url.pathname, '/flow-details');
	assert.equal(url.searchParams.get('include_ports'), port);
	assert.equal(url.searchParams.get('include_ips'), null);

	await s.goto('/');
	const slice = page.locator('.fi-node-donut path.fi-slice').first();
	assert.equal(await slice.evaluate(e => e.style.cursor), '');
	await slice.dispatchEvent('click');
	await page.locator('.fi-port-donut path.fi-slice').first().dispatchEvent('click');
	assert.equal(new URL(page.url()).pathname, '/');
	s.assertClean();
});

test('a filter round-trips through the URL; bad entries are named', async () => {
	await s.goto('/flow-details');
	await page.fill('input[name="include_ports"]', '53, 70000, http');
	await page.click('.fi-filters button.fi-apply');
	const err = await page.locator('.fi-field-error[data-for="include_ports"]').textContent();
	assert.match(err, /"70000" is not a port/);
	assert.match(err, /"http" is not a port/);
	assert.doesNotMatch(page.url(), /include_ports/, 'nothing applied while an entry is bad');
	await page.fill('input[name="exclude_ips"]', '10.10.2.300/8');
	await page.click('.fi-filters button.fi-apply');
	assert.match(await page.locator('.fi-field-error[data-for="exclude_ips"]').textContent(),
		/not an IPv4 or IPv6 address/);

	await page.fill('input[name="include_ports"]', '53');
	await page.fill('input[name="exclude_ips"]', '2001:db8:ff::/48');
	const mark = s.mark();
	await page.click('.fi-filters button.fi-apply');
	await s.ready();
	const url = new URL(page.url());
	assert.equal(url.searchParams.get('include_ports'), '53');
	assert.equal(url.searchParams.get('exclude_ips'), '2001:db8:ff::/48');
	assert.match(page.url(), /exclude_ips=2001:db8:ff::\/48/, 'readable in the address bar');
	const reqs = s.since(mark).filter(r => r.path.startsWith('/api/'));
	assert.ok(reqs.length >= 3);
	for (const r of reqs) {
		assert.equal(r.params.get('include_ports'), '53', r.url);
		assert.equal(r.params.get('exclude_ips'), '2001:db8:ff::/48', r.url);
	}
	// every host shown exchanged DNS traffic: compare with the API
	const nodes = await askAgain('/api/dynamic/index/nodes');
	assert.equal(await count('.fi-tophosts g.fi-host'), Math.min(10, nodes.results.length));
	assert.ok(nodes.results.length > 0);
	await s.screenshot('flow-details-filtered');

	await page.reload();
	await s.ready();
	assert.equal(await page.inputValue('input[name="include_ports"]'), '53');
	assert.equal(lastParams('/api/dynamic/index/ports').include_ports, '53');

	await page.goBack();
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('include_ports'), null);
	assert.equal(await page.inputValue('input[name="include_ports"]'), '');
	assert.equal(lastParams('/api/dynamic/index/ports').include_ports, undefined);
	await page.goForward();
	await s.ready();
	assert.equal(await page.inputValue('input[name="include_ports"]'), '53');
	assert.equal(lastParams('/api/dynamic/index/ports').include_ports, '53');

	// the filters travel with the top bar's links
	await page.click('#fi-nav a[data-path="/flows"]');
	await s.ready();
	assert.equal(new URL(page.url()).pathname, '/flows');
	assert.equal(new URL(page.url()).searchParams.get('include_ports'), '53');
	await page.goBack();
	await s.ready();
	assert.equal(new URL(page.url()).pathname, '/flow-details');
	assert.ok(await count('.fi-filters'), 'the flow details page is back');
	s.assertClean();
});

test('a bad filter in a hand-made URL shows the API message', async () => {
	await page.goto(`${B.BASE}/flow-details?include_protos=tcp,bogus`);
	await page.waitForFunction(() => document.querySelectorAll('[data-status="error"]').length >= 3);
	const msg = await page.locator('.fi-tophosts .fi-error').textContent();
	const body = await fetch(`${B.BASE}/api/dynamic/index/nodes?include_protos=tcp,bogus`).then(r => r.json());
	assert.ok(body.error, 'the API refuses it');
	assert.equal(msg, `Error: ${body.error}`);
	await s.screenshot('flow-details-api-error');
	// the 400s are expected here (and Chromium logs each as a console error)
	s.assertClean([/HTTP 400/, /status of 400/]);
});

test('loading state while an answer is on its way; only the last answer draws', async () => {
	await s.goto('/dashboard');
	// hold the next answers of the top hosts until released
	const held = [];
	await page.route('**/api/dynamic/index/nodes?*', route => held.push(route));
	await page.click('#fi-value button[data-value="packets"]');
	await page.waitForFunction(() => document.querySelector('.fi-tophosts .fi-widget-body').dataset.status === 'loading');
	assert.equal((await page.locator('.fi-tophosts .fi-loading').textContent()).trim(), 'Loading…');
	assert.equal(await page.locator('.fi-node-donut .fi-widget-body').getAttribute('data-status'), 'loading');
	// a second change while the first is held: the first is aborted
	await page.click('#fi-value button[data-value="bytes"]');
	while (held.length < 2)
		await new Promise(r => setTimeout(r, 50));
	assert.match(held[0].request().url(), /sort=packetDeltaCount/);
	assert.match(held[1].request().url(), /sort=octetDeltaCount/);
	// answer the newer first, then the older one (already aborted by the page)
	await held[1].continue();
	await held[0].continue().catch(() => {});
	await page.unroute('**/api/dynamic/index/nodes?*');
	await s.ready();
	const nodes = await askAgain('/api/dynamic/index/nodes');
	assert.equal(lastParams('/api/dynamic/index/nodes').sort, 'octetDeltaCount desc');
	const keys = await page.locator('.fi-tophosts g.fi-host').evaluateAll(gs => gs.map(g => g.dataset.key));
	assert.deepEqual(keys, nodes.results.slice(0, 10).map(r => String(r.id)), 'the bytes ranking is drawn');
	assert.equal(await page.locator('.fi-tophosts .fi-widget-body').getAttribute('data-status'), 'ready');
	s.assertClean();
});

test('database unavailable: the widgets say they will ask again, then draw', async () => {
	await s.goto('/dashboard');
	// the responder's own account, locked and its sessions ended: the
	// responder answers 503 with Retry-After until it can connect again
	const user = B.DB.roUser;
	assert.match(user || '', /^ro_\d+$/);
	const hosts = B.sql(`SELECT Host FROM mysql.user WHERE User = '${user}'`).map(r => r[0]);
	assert.ok(hosts.length, `the account ${user} exists`);
	const account = (how) => {
		for (const h of hosts)
			B.sql(`ALTER USER '${user}'@'${h}' ACCOUNT ${how}`);
	};
	const mark = s.mark();
	account('LOCK');
	try {
		for (const [id] of B.sql(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${user}'`)) {
			try {
				B.sql(`KILL CONNECTION ${id}`);
			} catch {
				// the session ended by itself meanwhile
			}
		}
		// the test before asked for the packets answers too: nginx's
		// micro-cache keeps them a second, so wait that out, or the click
		// is answered from the cache and never meets the locked account
		await page.waitForTimeout(1100);
		await page.click('#fi-value button[data-value="packets"]');
		const retrying = page.locator('.fi-status.fi-retrying:visible').first();
		await retrying.waitFor({timeout: 10000});
		assert.match(await retrying.textContent(),
			/^The database is not available\. Retrying in [1-5] s \(1 of 3\)…$/);
		assert.equal(await page.locator('[data-status="error"]').count(), 0, 'no error shown while waiting');
		await s.screenshot('retrying');
	} finally {
		account('UNLOCK');
	}
	// the next try (about 5 s on) finds the database again
	await s.ready();
	assert.equal(await page.locator('[data-status="error"]').count(), 0);
	assert.equal(await page.locator('.fi-status.fi-retrying:visible').count(), 0);
	const nodeReqs = s.since(mark).filter(r => r.path === '/api/dynamic/index/nodes');
	assert.ok(nodeReqs.length >= 2, 'the top hosts were asked again');
	assert.ok(nodeReqs.every(r => r.url === nodeReqs[0].url), 'the same request');
	const nodes = await B.api('/api/dynamic/index/nodes', Object.fromEntries(nodeReqs[0].params));
	assert.equal(await count('.fi-tophosts g.fi-host'), Math.min(10, nodes.results.length));
	s.assertClean([/^HTTP 503: /, /status of 503/]);
	await page.click('#fi-value button[data-value="flows"]');
	await s.ready();
	s.assertClean();
});

test('a range without data says so, without errors', async () => {
	await s.goto('/dashboard?from=1000000800&to=1000004400');
	assert.equal(await count('.fi-tophosts g.fi-host'), 0);
	assert.equal(await count('.fi-protocols g.fi-bucket'), 0);
	for (const w of ['.fi-tophosts', '.fi-protocols', '.fi-node-donut', '.fi-port-donut'])
		assert.equal((await page.locator(`${w} .fi-empty`).textContent()).trim(), 'No data in this range.', w);
	assert.ok(await count('.fi-timeline rect.fi-bar') > 10, 'the timeline still shows all data');
	await s.goto('/flows?from=1000000800&to=1000004400');
	assert.equal(await count('.fi-table tbody tr'), 0);
	assert.equal((await page.locator('.fi-flowtable .fi-empty').textContent()).trim(), 'No flows match.');
	assert.equal(await page.locator('.fi-table-info').textContent(), '0 rows');
	s.assertClean();
});

test('the flow table: rows, sorting, paging', async () => {
	await s.goto('/flows');
	const rows = await askAgain('/api/bucket/query', rowsReq);
	const countReq = s.apiRequests('/api/bucket/query').filter(r => r.params.has('count')).pop();
	const total = (await B.api('/api/bucket/query', Object.fromEntries(countReq.params))).count;
	assert.ok(total > 100, `the sample has many flow rows (${total})`);
	assert.equal(await count('.fi-table tbody tr'), Math.min(50, rows.results.length));
	assert.match(await page.locator('.fi-table-info').textContent(), /rows, showing 1–50/);
	// the default order is bytes, descending
	const bytes = await page.locator('.fi-table tbody tr td:nth-child(9)').evaluateAll(
		tds => tds.map(td => Number(td.title.replace(/\D/g, ''))));
	assert.deepEqual(bytes, rows.results.slice(0, 50).map(r => r.octetDeltaCount));

	await page.click('.fi-table th[data-key="dport"]');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('sort'), 'dport');
	assert.equal(lastParams('/api/bucket/query', rowsReq).sort, 'destinationTransportPort desc, bucket asc');
	let ports = await page.locator('.fi-table tbody tr td:nth-child(5)').allTextContents();
	const nums = ports.map(Number);
	assert.deepEqual(nums, [...nums].sort((a, b) => b - a), 'sorted by destination port, descending');
	await page.click('.fi-table th[data-key="dport"]');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('dir'), 'asc');
	ports = (await page.locator('.fi-table tbody tr td:nth-child(5)').allTextContents()).map(Number);
	assert.deepEqual(ports, [...ports].sort((a, b) => a - b), 'ascending after a second click');

	await page.click('.fi-pager button.fi-next');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('page'), '2');
	const p2 = await askAgain('/api/bucket/query', rowsReq);
	assert.equal(lastParams('/api/bucket/query', rowsReq).limit, '50');
	assert.equal(lastParams('/api/bucket/query', rowsReq).offset, '50');
	const shown = (await page.locator('.fi-table tbody tr td:nth-child(5)').allTextContents()).map(Number);
	assert.deepEqual(shown, p2.results.map(r => r.destinationTransportPort));
	// page 2 continues page 1: the same order without the offset
	const both = await B.api('/api/bucket/query', {...lastParams('/api/bucket/query', rowsReq), offset: 0, limit: 100});
	assert.deepEqual(shown, both.results.slice(50).map(r => r.destinationTransportPort));
	assert.match(await page.locator('.fi-table-info').textContent(), /showing 51–100/);
	// protocol names and UTC bucket times
	const protos = await page.locator('.fi-table tbody tr td:nth-child(6)').allTextContents();
	assert.ok(protos.every(p => /^[a-z0-9-]+$/.test(p)) && protos.some(p => p === 'tcp' || p === 'udp'));
	assert.match(await page.locator('.fi-table tbody tr td:nth-child(1)').first().textContent(), /UTC$/);
	await s.screenshot('flows-page2');
	s.assertClean();
});

test('exports: SVG parses, PNG and CSV are written', async () => {
	await s.goto('/dashboard');
	const svgFile = await s.download(() => page.click('#fi-export-svg'), 'export-dashboard.svg');
	const svg = fs.readFileSync(svgFile, 'utf8');
	const parsed = await B.parseSvg(page, svg);
	const bars = await count('.fi-timeline rect.fi-bar');
	assert.ok(parsed.elements > bars, `the SVG holds the charts (${parsed.elements} elements)`);
	assert.ok(svg.includes('fi-bar') && svg.includes('fi-slice') && svg.includes('fi-host'));
	assert.match(svg, /fill:\s*rgb\(204, ?0, ?0\)|fill="rgb\(204,0,0\)"/, 'the protocol colours are kept');
	// the heading: the page's title and what it shows; each chart's panel
	// title (HTML on screen) as text; the charts on screen stay as they were
	assert.deepEqual(parsed.title, ['Dashboard']);
	assert.deepEqual(parsed.captions, ['all data · flows']);
	const panelTitles = await page.$$eval('.fi-widget', (ws) => ws.filter((w) => w.querySelector('svg'))
		.map((w) => w.querySelector('.fi-widget-title').textContent.trim()));
	assert.ok(panelTitles.includes('Timeline') && panelTitles.length >= 4, panelTitles.join());
	assert.deepEqual([...parsed.widgetTitles].sort(), [...panelTitles].sort());
	assert.equal(await count('#fi-page svg text.fi-export-title, #fi-page svg text.fi-export-widget-title'), 0);

	const pngFile = await s.download(() => page.click('#fi-export-png'), 'export-dashboard.png');
	const png = fs.readFileSync(pngFile);
	assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	assert.ok(png.length > 5000);

	const csvFile = await s.download(() => page.click('#fi-export-csv'), 'export-dashboard.csv');
	const lines = fs.readFileSync(csvFile, 'utf8').trim().split('\r\n');
	assert.match(lines[0], /^address,flows,packetDeltaCount,octetDeltaCount,tcp_flows/);
	const nodes = await askAgain('/api/dynamic/index/nodes');
	assert.equal(lines.length - 1, nodes.results.length);

	await s.goto('/flows?include_protos=udp');
	// one chart in a panel (the flow table's timeline): its panel's title
	const tlSvg = fs.readFileSync(await s.download(() => page.click('#fi-export-svg'), 'export-flows.svg'), 'utf8');
	const tl = await B.parseSvg(page, tlSvg);
	assert.deepEqual(tl.title, ['Timeline']);
	assert.deepEqual(tl.captions, ['all data · flows · protocols udp']);
	assert.ok(tlSvg.includes('fi-bar'));
	const tableCsv = await s.download(() => page.click('#fi-export-csv'), 'export-flows.csv');
	const t = fs.readFileSync(tableCsv, 'utf8').trim().split('\r\n');
	assert.equal(t.length - 1, await count('.fi-table tbody tr'));
	s.assertClean();
});
