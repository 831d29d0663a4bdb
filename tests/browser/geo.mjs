// geo.mjs: the /geo page (issue 18) in headless Chromium against the real
// stack (see lib.mjs), run with FI_BROWSER_GEO=1: run.sh makes the test's
// country and AS databases (tests/api/geo_ref.py's tables, plus 96/8 as
// Singapore) and imports tests/browser/geo_flows.py's hosts in DE, US, FR,
// JP, BR, NL, AU, IE, SG and unknown blocks with the sample. Checks: the
// countries of the data are filled, the others not; hovering a country
// shows the numbers /api/geo gives; the table beside the map lists
// Singapore (no shape on the map), local and unknown, largest first; a
// click opens the panel with the country's hosts and ASes as /api/geo
// answers them; direction and value switch; brushing the timeline; the
// country's hosts as include_ips, and the dashboard's top hosts with
// their country and AS in the tooltips; the databases and the credit
// shown; SVG, PNG and CSV export. The flow table's country columns and
// CSV fields and a graph host's tooltip as the API's geo=1 answers give
// them. No console errors.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as B from './lib.mjs';
import {formatExact, formatAddress, rowSource, rowDestination} from '../../static/js/lib/format.js';
import {countryName} from '../../static/js/lib/countries.js';

const s = await B.session();
after(() => s.close());
const page = s.page;

const DATA_COUNTRIES = ['DE', 'US', 'FR', 'JP', 'BR', 'NL', 'AU', 'IE'];

// The last request of the page to /api/geo matching pred (on its
// URLSearchParams), and the same answer asked from node.
async function lastGeo(pred = () => true, since = 0)
{
	const reqs = s.since(since).filter(r => r.path === '/api/geo' && pred(r.params));
	assert.ok(reqs.length > 0, 'the page asked /api/geo');
	const params = Object.fromEntries(reqs[reqs.length - 1].params);
	return {params, answer: await B.api('/api/geo', params)};
}
const byCountry = p => p.get('by') === 'country';

async function fillOf(code)
{
	return page.locator(`svg.fi-geo-map path[data-code="${code}"]`).first().getAttribute('fill');
}

// A point of the page inside country code's shape, not covered by another
// (a bounding box's middle may lie in the sea: Japan's does).
async function pointIn(code)
{
	const pt = await page.evaluate((c) => {
		const p = document.querySelector(`svg.fi-geo-map path[data-code="${c}"]`);
		const r = p.getBoundingClientRect();
		for (let k = 1; k < 400; k++) {
			const x = r.left + r.width * ((k * 0.618034) % 1);
			const y = r.top + r.height * ((k * 0.381966 + 0.5) % 1);
			if (document.elementFromPoint(x, y) === p)
				return {x, y};
		}
		return null;
	}, code);
	assert.ok(pt, `a point inside ${code}`);
	return pt;
}

async function hover(code)
{
	const {x, y} = await pointIn(code);
	await page.mouse.move(x, y);
}

let empty = null; // the fill of a country without traffic

test('the map draws the countries of the data', async () => {
	await s.goto('/geo');
	assert.equal(await page.locator('#fi-nav a.active').getAttribute('data-path'), '/geo');
	const {params, answer} = await lastGeo(byCountry);
	assert.equal(params.direction, undefined, 'both directions by default');
	assert.equal(params.value, 'flows');
	const groups = answer.results.map(r => r.group);
	for (const c of [...DATA_COUNTRIES, 'SG', 'local', 'unknown'])
		assert.ok(groups.includes(c), `${c} in the answer (${groups})`);
	empty = await page.locator('svg.fi-geo-map').getAttribute('data-empty-fill');
	assert.ok(empty);
	assert.ok(await page.locator('svg.fi-geo-map path.fi-geo-country').count() > 170, 'the countries are drawn');
	assert.equal(await page.locator('svg.fi-geo-map path.fi-geo-selected').count(), 0, 'none selected');
	for (const c of DATA_COUNTRIES) {
		const fill = await fillOf(c);
		assert.ok(fill && fill !== empty, `${c} is filled (${fill})`);
	}
	for (const c of ['CN', 'RU', 'ZA', 'CA'])
		assert.equal(await fillOf(c), empty, `${c} has no traffic`);
	// the largest country has the darkest colour of the scale
	const fills = {};
	for (const c of DATA_COUNTRIES)
		fills[c] = await fillOf(c);
	assert.notEqual(fills.DE, fills.AU, 'the log scale tells 1 flow from 110');
	// the databases in use and the credit
	const about = await page.locator('.fi-geo-about').innerText();
	assert.match(about, /country database: fi-test-country, built \d{4}-\d\d-\d\d/);
	assert.match(about, /AS database: fi-test-asn/);
	assert.match(about, /Country data: NRO \(nro\.net\), CC BY 4\.0\. AS data: RouteViews \(routeviews\.org\), DB-IP\.com, NRO, CC BY 4\.0\./);
	assert.equal(await page.locator('.fi-geo-credit a', {hasText: 'DB-IP.com'}).getAttribute('href'), 'https://db-ip.com');
	assert.equal(await page.locator('section.fi-geo-detail').isHidden(), true, 'no country panel yet');
	await s.screenshot('geo-map');
	s.assertClean();
});

test('hovering a country shows its name, code and numbers', async () => {
	const {answer} = await lastGeo(byCountry);
	for (const code of ['DE', 'JP']) {
		const row = answer.results.find(r => r.group === code);
		await hover(code);
		const tip = page.locator('.fi-tooltip');
		await tip.waitFor({state: 'visible'});
		const text = await tip.innerText();
		assert.match(text, code === 'DE' ? /^Germany/ : /^Japan/, text);
		assert.match(text, new RegExp(`\\ncode\\s*${code}\\n`), text);
		for (const [label, field] of [['flows', 'flows'], ['packets', 'packetDeltaCount'],
			['bytes', 'octetDeltaCount'], ['hosts', 'hosts']])
			assert.match(text, new RegExp(`\\n${label}\\s*${formatExact(row[field])}(\\n|$)`), `${label} in ${text}`);
		if (code === 'DE')
			await s.screenshot('geo-hover');
	}
	await hover('CN');
	assert.match(await page.locator('.fi-tooltip').innerText(), /none in this range/);
	await page.mouse.move(1, 1);
	s.assertClean();
});

test('the table lists what the map does not show, largest first', async () => {
	const {answer} = await lastGeo(byCountry);
	const rows = page.locator('.fi-geo-offmap tbody tr');
	const groups = await rows.evaluateAll(trs => trs.map(tr => tr.dataset.group));
	for (const g of ['SG', 'local', 'unknown'])
		assert.ok(groups.includes(g), `${g} listed (${groups})`);
	for (const c of ['DE', 'US', 'JP'])
		assert.ok(!groups.includes(c), `${c} is on the map, not in the table`);
	const want = answer.results.filter(r => groups.includes(r.group)).map(r => r.group);
	assert.deepEqual(groups, want, 'in the answer\'s order: by value');
	assert.match(await page.locator('.fi-geo-offmap tr[data-group="SG"]').innerText(), /Singapore\s+SG/);
	s.assertClean();
});

test('a click opens the panel with the country\'s hosts and ASes', async () => {
	const mark = s.mark();
	const {x, y} = await pointIn('DE');
	await page.mouse.click(x, y);
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('country'), 'DE');
	assert.equal(await page.locator('section.fi-geo-detail').isVisible(), true);
	assert.equal(await page.locator('section.fi-geo-detail .fi-widget-title').innerText(), 'Germany (DE)');
	const hosts = await lastGeo(p => p.get('country') === 'DE' && !p.has('by'), mark);
	assert.equal(hosts.params.limit, '10');
	const shown = await page.locator('.fi-geo-host-table tbody tr td:first-child').allInnerTexts();
	assert.deepEqual(shown, hosts.answer.results.map(r => formatAddress(r.id)));
	assert.deepEqual([...shown].sort(), ['5.1.2.3', '5.1.2.4', '9.9.9.10']);
	assert.match(await page.locator('.fi-geo-host-table').innerText(), /AS3320 Deutsche Telekom AG/);
	const asns = await lastGeo(p => p.get('country') === 'DE' && p.get('by') === 'asn', mark);
	assert.deepEqual(await page.locator('.fi-geo-asn-table tbody tr td:first-child').allInnerTexts(),
		asns.answer.results.map(r => `AS${r.asn}`));
	assert.equal(await page.locator('svg.fi-geo-map path.fi-geo-selected').getAttribute('data-code'), 'DE');
	await s.screenshot('geo-panel');
	// local from the table: its hosts with the names of their ranges
	await page.locator('.fi-geo-offmap tr[data-group="local"] a').click();
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('country'), 'local');
	assert.match(await page.locator('.fi-geo-host-table').innerText(), /Private-Use/);
	await page.locator('.fi-geo-close').click();
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('country'), null);
	assert.equal(await page.locator('section.fi-geo-detail').isHidden(), true);
	s.assertClean();
});

test('direction and value switch', async () => {
	let mark = s.mark();
	await page.selectOption('select.fi-geo-direction', 'dst');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('direction'), 'dst');
	let {params} = await lastGeo(byCountry, mark);
	assert.equal(params.direction, 'dst');
	mark = s.mark();
	await page.click('#fi-value button[data-value="bytes"]');
	await s.ready();
	({params} = await lastGeo(byCountry, mark));
	assert.equal(params.value, 'bytes');
	assert.equal(params.direction, 'dst');
	assert.notEqual(await fillOf('DE'), empty);
	assert.match(await page.locator('svg.fi-geo-map .fi-geo-legend-title').textContent(), /^bytes per country/);
	s.assertClean();
});

test('brushing the timeline narrows the map to the range', async () => {
	await s.goto('/geo');
	const tl = await page.locator('.fi-timeline svg').boundingBox();
	const mark = s.mark();
	await page.mouse.move(tl.x + tl.width * 0.2, tl.y + tl.height / 2);
	await page.mouse.down();
	await page.mouse.move(tl.x + tl.width * 0.7, tl.y + tl.height / 2, {steps: 5});
	await page.mouse.up();
	await s.ready();
	const url = new URL(page.url()).searchParams;
	assert.ok(url.get('from') && url.get('to'), 'the range is in the URL');
	const {params, answer} = await lastGeo(byCountry, mark);
	assert.equal(params.start_bucket, url.get('from'));
	assert.equal(Number(params.end_bucket), Number(url.get('to')) - 1);
	const de = answer.results.find(r => r.group === 'DE');
	const all = await B.api('/api/geo', {by: 'country', value: 'flows'});
	assert.ok(de.flows < all.results.find(r => r.group === 'DE').flows, 'fewer flows in the range');
	await hover('DE');
	assert.match(await page.locator('.fi-tooltip').innerText(), new RegExp(`\\nflows\\s*${formatExact(de.flows)}\\n`));
	await page.mouse.move(1, 1);
	s.assertClean();
});

test('a country\'s hosts as include_ips for the other pages', async () => {
	await s.goto('/geo?country=DE');
	const mark = s.mark();
	await page.click('.fi-geo-filter');
	await s.ready();
	const {params, answer} = await lastGeo(p => p.get('limit') === '1024', mark);
	assert.equal(params.country, 'DE');
	const ips = new URL(page.url()).searchParams.get('include_ips').split(',');
	assert.deepEqual(ips, answer.results.map(r => formatAddress(r.id)));
	assert.deepEqual([...ips].sort(), ['5.1.2.3', '5.1.2.4', '9.9.9.10']);
	assert.match(await page.locator('.fi-geo-filter-note').innerText(), /include_ips: 3 of the 3 hosts of DE seen in this range/);
	assert.match(await page.locator('.fi-geo-filter').getAttribute('title'), /at most 1,024 addresses/);
	assert.match(await page.locator('.fi-geo-note').innerText(), /include_ips: not applied to the map/);
	for (const r of s.since(mark).filter(q => q.path === '/api/geo'))
		assert.equal(r.params.get('include_ips'), null, 'the map does not pass address filters');
	// the dashboard with the filter: only DE's hosts and their peers; the
	// top hosts' tooltips give their country and AS (the node index asked
	// with geo=1, no /api/geo call)
	const dash = s.mark();
	await page.click('#fi-nav a[data-path="/dashboard"]');
	await s.ready();
	assert.equal(new URL(page.url()).searchParams.get('include_ips'), ips.join(','));
	assert.equal(await page.locator('[data-status="error"]').count(), 0);
	assert.equal(s.since(dash).filter(r => r.path === '/api/geo').length, 0, 'no /api/geo call for the top hosts');
	const nodeReq = s.since(dash).filter(r => r.path === '/api/dynamic/index/nodes');
	assert.equal(nodeReq.length, 1, 'one node index call');
	assert.equal(nodeReq[0].params.get('geo'), '1');
	assert.equal(nodeReq[0].params.get('include_ips'), ips.join(','));
	const barTip = async (id) => {
		const pt = await page.evaluate((key) => {
			const segs = [...document.querySelectorAll(`g.fi-host[data-key="${key}"] rect.fi-seg`)];
			const r = segs.map(e => e.getBoundingClientRect()).find(b => b.width > 2);
			return r ? {x: r.left + r.width / 2, y: r.top + r.height / 2} : null;
		}, String(id));
		assert.ok(pt, `a bar of ${id}`);
		await page.mouse.move(pt.x, pt.y);
		return page.locator('.fi-tooltip').innerText();
	};
	const de = await barTip(83952131); // 5.1.2.3
	assert.match(de, /^5\.1\.2\.3\n/);
	assert.match(de, /\ncountry\s*Germany \(DE\)\n/, de);
	assert.match(de, /\nAS\s*AS3320 Deutsche Telekom AG$/, de);
	const peer = (await B.api('/api/dynamic/index/nodes', {include_ips: ips.join(','), limit: 10,
		sort: 'flows desc'})).results.find(r => typeof r.id === 'number' && r.id >>> 24 === 10);
	assert.ok(peer, 'a local peer among the top hosts');
	assert.match(await barTip(peer.id), /\ncountry\s*local \(Private-Use\)$/);
	await s.screenshot('geo-dashboard-tooltip');
	await page.mouse.move(1, 1);
	s.assertClean();
});

// The text the pages give a host's country and AS ({country, asn,
// as_name, range}), as the API's geo=1 fields say.
const geoCountry = g => (g.country === 'local' ? `local (${g.range})`
	: g.country === 'unknown' ? 'unknown' : `${countryName(g.country)} (${g.country})`);
const geoLine = g => geoCountry(g) + (g.asn ? ` / AS${g.asn}${g.as_name ? ` ${g.as_name}` : ''}` : '');
const flowSide = (r, side) => ({country: r[`${side}Country`], asn: r[`${side}Asn`],
	as_name: r[`${side}AsName`], range: r[`${side}Range`]});

test('the flow table gives the addresses\' countries and ASes', async () => {
	const mark = s.mark();
	await s.goto('/flows?include_ips=5.1.2.3,20.0.0.5,2a00:1450::1');
	const heads = await page.locator('.fi-table thead th').allInnerTexts();
	assert.deepEqual(heads.map(t => t.trim()), ['bucket (UTC)', 'source', 'src country', 'src port', 'destination',
		'dst country', 'dst port', 'protocol', 'flows', 'packets', 'bytes']);
	const queries = s.since(mark).filter(r => r.path === '/api/bucket/query');
	const rowReq = queries.filter(r => !r.params.has('count'));
	assert.ok(rowReq.length > 0, 'the rows were asked');
	assert.equal(rowReq[rowReq.length - 1].params.get('geo'), '1');
	for (const r of queries.filter(q => q.params.has('count')))
		assert.equal(r.params.get('geo'), null, 'the count needs no countries');
	const params = Object.fromEntries(rowReq[rowReq.length - 1].params);
	const answer = await B.api('/api/bucket/query', params);
	assert.ok(answer.results.length > 0);
	const rows = await page.locator('.fi-table tbody tr').evaluateAll(trs => trs.map(tr =>
		[...tr.cells].map(td => ({text: td.textContent, title: td.title}))));
	assert.equal(rows.length, answer.results.length);
	const seen = new Set();
	answer.results.forEach((r, i) => {
		const cells = rows[i];
		assert.equal(cells[1].text, formatAddress(rowSource(r)));
		assert.equal(cells[4].text, formatAddress(rowDestination(r)));
		for (const [side, cell] of [['source', cells[2]], ['destination', cells[5]]]) {
			const g = flowSide(r, side);
			assert.ok(g.country, `row ${i}: the API gives the ${side}'s country`);
			assert.equal(cell.text, `${g.country}${g.asn ? ` AS${g.asn}` : ''}`, `row ${i} ${side}`);
			assert.equal(cell.title, geoLine(g), `row ${i} ${side}'s tooltip`);
			seen.add(g.country);
		}
	});
	for (const c of ['DE', 'US', 'IE', 'local'])
		assert.ok(seen.has(c), `${c} among the rows (${[...seen]})`);
	assert.ok(rows.some(cells => cells[2].title === 'Germany (DE) / AS3320 Deutsche Telekom AG' ||
		cells[5].title === 'Germany (DE) / AS3320 Deutsche Telekom AG'), '5.1.2.3 as Germany, AS3320');
	assert.ok(rows.some(cells => cells[2].title === 'local (Private-Use)' || cells[5].title === 'local (Private-Use)'));
	await s.screenshot('geo-flows');
	// the CSV: the API's geo fields beside each address
	const csvFile = await s.download(() => page.click('#fi-export-csv'), 'flows.csv');
	const lines = fs.readFileSync(csvFile, 'utf8').trim().split('\r\n');
	assert.equal(lines[0], 'bucket,source,sourceCountry,sourceAsn,sourceAsName,sourceRange,sourceTransportPort,' +
		'destination,destinationCountry,destinationAsn,destinationAsName,destinationRange,destinationTransportPort,' +
		'protocolIdentifier,protocol,flows,packetDeltaCount,octetDeltaCount');
	assert.equal(lines.length, answer.results.length + 1);
	const csvField = v => (v === undefined || v === null ? '' : String(v));
	answer.results.forEach((r, i) => {
		const f = lines[i + 1].split(',');
		assert.deepEqual(f.slice(2, 6), ['Country', 'Asn', 'AsName', 'Range'].map(k => csvField(r[`source${k}`])), lines[i + 1]);
		assert.deepEqual(f.slice(8, 12), ['Country', 'Asn', 'AsName', 'Range'].map(k => csvField(r[`destination${k}`])),
			lines[i + 1]);
	});
	s.assertClean();
});

test('a graph host\'s tooltip gives its country and AS', async () => {
	const mark = s.mark();
	await s.goto('/graph?include_ips=5.1.2.3&layout=hilbert');
	const nodeReq = s.since(mark).filter(r => r.path === '/api/dynamic/index/nodes');
	assert.ok(nodeReq.length > 0);
	assert.equal(s.since(mark).filter(r => r.path === '/api/geo').length, 0, 'no /api/geo call');
	const params = Object.fromEntries(nodeReq[nodeReq.length - 1].params);
	assert.equal(params.geo, '1');
	const index = await B.api('/api/dynamic/index/nodes', params);
	const tipOf = async (key) => {
		await page.mouse.move(1, 1);
		await page.$eval('.fi-view-svg', (svg, k) => {
			const c = [...svg.querySelectorAll('circle.node')].find((e) => e.__data__.key === k);
			c.dispatchEvent(new MouseEvent('mouseenter', {bubbles: false, clientX: 200, clientY: 200}));
		}, key);
		const tip = page.locator('.fi-tooltip');
		await tip.waitFor({state: 'visible'});
		return tip.innerText();
	};
	const de = index.results.find(r => r.id === 83952131); // 5.1.2.3
	assert.ok(de, '5.1.2.3 in the index');
	assert.equal(de.country, 'DE');
	const text = await tipOf('5.1.2.3');
	assert.match(text, /^5\.1\.2\.3\n/);
	assert.match(text, new RegExp(`\\ncountry\\s*${geoCountry(de).replace(/[()]/g, '\\$&')}\\n`), text);
	assert.match(text, new RegExp(`\\nAS\\s*AS${de.asn} ${de.as_name}$`), text);
	assert.match(text, /\nAS\s*AS3320 Deutsche Telekom AG$/, text);
	const peer = index.results.find(r => typeof r.id === 'number' && r.id >>> 24 === 10);
	assert.ok(peer, 'a local peer among the hosts');
	assert.equal(peer.country, 'local');
	assert.match(await tipOf(formatAddress(peer.id)), new RegExp(`\\ncountry\\s*local \\(${peer.range}\\)$`));
	await s.screenshot('geo-graph-tooltip');
	await page.mouse.move(1, 1);
	s.assertClean();
});

test('SVG, PNG and CSV export', async () => {
	await s.goto('/geo');
	const {answer} = await lastGeo(byCountry);
	const svgFile = await s.download(() => page.click('#fi-export-svg'), 'geo.svg');
	const svg = await B.parseSvg(page, fs.readFileSync(svgFile, 'utf8'));
	assert.deepEqual(svg.title, ['Traffic by country']);
	assert.match(svg.captions[0], /countries, source \+ destination · all data · flows$/);
	assert.ok(svg.elements > 170, 'a path per country');
	assert.match(fs.readFileSync(svgFile, 'utf8'), /<text[^>]*class="fi-geo-credit-line"[^>]*>Country data: NRO.*DB-IP\.com/,
		'the credit is in the file');
	assert.equal(await page.locator('svg.fi-geo-map text').filter({hasText: 'DB-IP'}).count(), 0,
		'on screen the credit is the line with the links');
	const pngFile = await s.download(() => page.click('#fi-export-png'), 'geo.png');
	const png = fs.readFileSync(pngFile);
	assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	const csvFile = await s.download(() => page.click('#fi-export-csv'), 'geo.csv');
	const lines = fs.readFileSync(csvFile, 'utf8').trim().split('\r\n');
	assert.equal(lines[0], 'group,name,hosts,flows,packetDeltaCount,octetDeltaCount');
	assert.equal(lines.length, answer.results.length + 1);
	const de = answer.results.find(r => r.group === 'DE');
	assert.ok(lines.includes(`DE,Germany,${de.hosts},${de.flows},${de.packetDeltaCount},${de.octetDeltaCount}`),
		lines.join('\n'));
	assert.ok(lines.some(l => l.startsWith('local,')) && lines.some(l => l.startsWith('unknown,')));
	s.assertClean();
});
