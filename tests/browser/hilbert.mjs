// hilbert.mjs: the /hilbert page (issue 7) in headless Chromium against the
// real stack (see lib.mjs): the map renders; hovering the busiest cell
// shows its prefix and the counts /api/hilbert gives for it; a click zooms
// into its block and loads the next level; the wheel and the breadcrumbs
// lead back out; brushing the timeline narrows the map's range; IPv6 and a
// bad prefix; SVG and PNG export; the filter button. No console errors.
// Prints the canvas draw time of the full map.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as B from './lib.mjs';
import * as M from '../../static/js/lib/hilbertmap.js';
import {formatExact} from '../../static/js/lib/format.js';

const s = await B.session();
after(() => s.close());

// The last /api/hilbert request of the page, and the same answer asked
// from node.
async function lastMap()
{
	const reqs = s.apiRequests('/api/hilbert');
	assert.ok(reqs.length > 0, 'the page asked /api/hilbert');
	const params = Object.fromEntries(reqs[reqs.length - 1].params);
	return {params, answer: await B.api('/api/hilbert', params)};
}

// The page coordinates of the middle of cell i.
async function cellPoint(i)
{
	const canvas = s.page.locator('canvas.fi-hilbert-canvas');
	const box = await canvas.boundingBox();
	const order = Number(await canvas.getAttribute('data-order'));
	const cellPx = box.width / 2 ** order;
	const [x, y] = M.cellXY(order, i);
	return {x: box.x + (x + 0.5) * cellPx, y: box.y + (y + 0.5) * cellPx, order};
}

function busiest(answer)
{
	let best = answer.cells[0];
	for (const c of answer.cells)
		if (c[1] > best[1])
			best = c;
	return best;
}

let top = null; // the busiest cell of the whole map: [index, flows, packets, bytes]

test('the map of the IPv4 space renders', async () => {
	await s.goto('/hilbert');
	const {params, answer} = await lastMap();
	assert.equal(params.prefix, '0.0.0.0/0');
	assert.equal(Number(params.depth), 16, 'the /16 map fits a 1400 x 900 window');
	assert.ok(answer.cells.length > 0, 'the test data has traffic');
	const canvas = s.page.locator('canvas.fi-hilbert-canvas');
	assert.equal(await canvas.getAttribute('data-order'), '8');
	const ms = Number(await canvas.getAttribute('data-draw-ms'));
	console.log(`canvas draw of the 65,536-cell map: ${ms} ms (${answer.nonzero} cells lit)`);
	assert.ok(ms > 0);
	// the canvas holds the colours: the busiest cell is not the grey of empty space
	top = busiest(answer);
	const pt = await cellPoint(top[0]);
	const rgb = await s.page.evaluate(({x, y}) => {
		const c = document.querySelector('canvas.fi-hilbert-canvas');
		const r = c.getBoundingClientRect();
		const k = c.width / r.width;
		return [...c.getContext('2d').getImageData(Math.floor((x - r.left) * k), Math.floor((y - r.top) * k), 1, 1).data];
	}, pt);
	assert.notDeepEqual(rgb.slice(0, 3), [242, 243, 245], 'the busiest cell is coloured');
	assert.equal(await s.page.locator('svg.fi-hilbert-overlay text.fi-hilbert-label').count(), 256,
		'the 256 /8s are labelled');
	assert.equal(await s.page.locator('.fi-hilbert-crumbs').innerText(), '0.0.0.0/0');
	await s.screenshot('hilbert-map');
	s.assertClean();
});

test('hovering the busiest /16 shows its prefix and counts', async () => {
	const pt = await cellPoint(top[0]);
	await s.page.mouse.move(pt.x, pt.y);
	const tip = s.page.locator('.fi-tooltip');
	await tip.waitFor({state: 'visible'});
	const text = await tip.innerText();
	const prefix = M.formatPrefix(M.cellPrefix(M.parsePrefix('0.0.0.0/0'), 16, top[0]));
	assert.match(text, new RegExp(`^${prefix.replace(/\./g, '\\.')}`), text);
	for (const n of top.slice(1))
		assert.ok(text.includes(formatExact(n)), `${formatExact(n)} in ${text}`);
	await s.screenshot('hilbert-hover');
	s.assertClean();
});

test('a click zooms into the /8 and loads its /24s', async () => {
	const prefix8 = M.formatPrefix(M.parentPrefix(M.cellPrefix(M.parsePrefix('0.0.0.0/0'), 16, top[0]), 8));
	const mark = s.mark();
	const pt = await cellPoint(top[0]);
	await s.page.mouse.click(pt.x, pt.y);
	await s.ready();
	assert.equal(new URL(s.page.url()).searchParams.get('prefix'), prefix8);
	const reqs = s.since(mark).filter(r => r.path === '/api/hilbert');
	assert.ok(reqs.length > 0, 'the next level was asked for');
	const params = Object.fromEntries(reqs[reqs.length - 1].params);
	assert.equal(params.prefix, prefix8);
	assert.equal(params.depth, '24');
	const answer = await B.api('/api/hilbert', params);
	// the /8's total is the /16 map's cells inside it
	const whole = await B.api('/api/hilbert', {...params, prefix: '0.0.0.0/0', depth: 16});
	const first = Number(M.parsePrefix(prefix8).addr >> 24n) * 256;
	const inside = whole.cells.filter(c => c[0] >= first && c[0] < first + 256)
		.reduce((a, c) => a + c[2], 0);
	assert.equal(answer.total.packetDeltaCount, inside);
	assert.equal((await s.page.locator('.fi-hilbert-crumbs').innerText()).replace(/\s/g, ''),
		`0.0.0.0/0›${prefix8}`, 'breadcrumbs');
	await s.screenshot('hilbert-zoomed');
	s.assertClean();
});

test('a /24 shows its hosts; a click on one opens its flows', async () => {
	const {answer: map8} = await lastMap();
	const p8 = M.parsePrefix(map8.prefix);
	const p24 = M.cellPrefix(p8, 24, busiest(map8)[0]);
	await s.goto(`/hilbert?prefix=${M.formatPrefix(p24)}`);
	const {params, answer} = await lastMap();
	assert.equal(params.depth, '32');
	assert.equal(await s.page.locator('canvas.fi-hilbert-canvas').getAttribute('data-order'), '4');
	assert.equal(await s.page.locator('svg.fi-hilbert-overlay text.fi-hilbert-label').count(), 256,
		'every host is labelled');
	await s.screenshot('hilbert-hosts');
	const host = M.formatCell(M.cellPrefix(p24, 32, busiest(answer)[0]));
	const pt = await cellPoint(busiest(answer)[0]);
	await s.page.mouse.click(pt.x, pt.y);
	await s.ready();
	const url = new URL(s.page.url());
	assert.equal(url.pathname, '/flow-details');
	assert.equal(url.searchParams.get('include_ips'), host);
	await s.page.goBack();
	await s.ready();
	s.assertClean();
});

test('the wheel zooms out a level, the breadcrumbs back to the top', async () => {
	const before = M.parsePrefix(new URL(s.page.url()).searchParams.get('prefix'));
	const canvas = await s.page.locator('canvas.fi-hilbert-canvas').boundingBox();
	await s.page.mouse.move(canvas.x + 10, canvas.y + 10);
	await s.page.mouse.wheel(0, 200);
	await s.ready();
	const after1 = M.parsePrefix(new URL(s.page.url()).searchParams.get('prefix'));
	assert.equal(after1.len, before.len - 2);
	assert.ok(M.contains(after1, before));
	await s.page.locator('.fi-hilbert-crumbs a', {hasText: '0.0.0.0/0'}).click();
	await s.ready();
	assert.equal(new URL(s.page.url()).searchParams.get('prefix'), null);
	const {params} = await lastMap();
	assert.equal(params.prefix, '0.0.0.0/0');
	s.assertClean();
});

test('brushing the timeline narrows the map to the range', async () => {
	const tl = await s.page.locator('.fi-timeline svg').boundingBox();
	const mark = s.mark();
	await s.page.mouse.move(tl.x + tl.width * 0.3, tl.y + tl.height / 2);
	await s.page.mouse.down();
	await s.page.mouse.move(tl.x + tl.width * 0.6, tl.y + tl.height / 2, {steps: 5});
	await s.page.mouse.up();
	await s.ready();
	const url = new URL(s.page.url()).searchParams;
	assert.ok(url.get('from') && url.get('to'), 'the range is in the URL');
	const reqs = s.since(mark).filter(r => r.path === '/api/hilbert');
	assert.ok(reqs.length > 0);
	const p = reqs[reqs.length - 1].params;
	assert.equal(p.get('start_bucket'), url.get('from'));
	assert.equal(Number(p.get('end_bucket')), Number(url.get('to')) - 1);
	s.assertClean();
});

test('IPv6: the /48s of a /32; a bad prefix is explained', async () => {
	await s.goto('/hilbert?prefix=2001:db8::/32&direction=dst');
	const {params} = await lastMap();
	assert.equal(params.prefix, '2001:db8::/32');
	assert.equal(params.depth, '48');
	assert.equal(params.direction, 'dst');
	assert.equal(await s.page.locator('.fi-hilbert-crumbs').innerText().then(t => t.replace(/\s/g, '')),
		'::/0›2001::/16›2001:db8::/32');
	s.assertClean();
	await s.goto('/hilbert?prefix=10.1.0.0/8');
	const body = s.page.locator('.fi-hilbert-body');
	assert.equal(await body.getAttribute('data-status'), 'error');
	assert.match(await body.innerText(), /bits set past its length \(10\.0\.0\.0\/8\?\)/);
	s.assertClean();
});

test('SVG and PNG export; the prefix as a filter for the other pages', async () => {
	await s.goto('/hilbert');
	const {answer} = await lastMap();
	const svgFile = await s.download(() => s.page.click('#fi-export-svg'), 'hilbert.svg');
	const svg = await B.parseSvg(s.page, fs.readFileSync(svgFile, 'utf8'));
	assert.ok(svg.elements > answer.cells.length, 'a square per lit cell');
	assert.deepEqual(svg.title, ['Address map']);
	assert.equal(svg.captions.length, 1);
	assert.match(svg.captions[0], /^0\.0\.0\.0\/0 at \/\d+ \(.+\), all data, flows$/);
	const pngFile = await s.download(() => s.page.click('#fi-export-png'), 'hilbert.png');
	const png = fs.readFileSync(pngFile);
	assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
	// filter by a prefix: the URL carries it, the map still draws (it does
	// not pass address filters to the node index) and says so
	const mark = s.mark();
	await s.page.click('.fi-hilbert-filter');
	await s.ready();
	assert.equal(new URL(s.page.url()).searchParams.get('include_ips'), '0.0.0.0/0');
	assert.match(await s.page.locator('.fi-hilbert-note').innerText(), /include_ips/);
	for (const r of s.since(mark).filter(q => q.path === '/api/hilbert'))
		assert.equal(r.params.get('include_ips'), null);
	assert.equal(await s.page.locator('.fi-hilbert-body').getAttribute('data-status'), 'ready');
	s.assertClean();
});
