// geomap.test.mjs: the world map page's pure parts (static/js/lib/geomap.js):
// the log scale, group names, the rows the map does not show well, the
// databases' lines, and a country's hosts as an include_ips list the API
// takes (at most 1,024 items and the query's bytes).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../static/js/lib/geomap.js';

test('log scale', () => {
	assert.equal(G.logShare(0, 100), 0);
	assert.equal(G.logShare(5, 0), 0);
	assert.equal(G.logShare(100, 100), 1);
	assert.equal(G.logShare(1, 1), 1);
	assert.ok(G.logShare(10, 1000) > 0.3 && G.logShare(10, 1000) < 0.4);
	assert.equal(G.logShare(2000, 1000), 1);
});

test('group names', () => {
	assert.equal(G.groupName('DE'), 'Germany');
	assert.match(G.groupName('local'), /^local addresses/);
	assert.match(G.groupName('unknown'), /^unknown/);
	assert.equal(G.groupName('QQ'), 'QQ');
});

test('rows off the map: no shape, too small, local and unknown; by value', () => {
	const rows = [
		{group: 'DE', flows: 50, packetDeltaCount: 1}, {group: 'SG', flows: 5, packetDeltaCount: 9},
		{group: 'MT', flows: 7, packetDeltaCount: 2}, {group: 'local', flows: 70, packetDeltaCount: 3},
		{group: 'unknown', flows: 1, packetDeltaCount: 4},
	];
	const drawn = new Map([['DE', 900], ['MT', 3]]);
	assert.deepEqual(G.offMapRows(rows, drawn, 'flows').map(r => r.group), ['local', 'MT', 'SG', 'unknown']);
	assert.deepEqual(G.offMapRows(rows, drawn, 'packets').map(r => r.group), ['SG', 'unknown', 'local', 'MT']);
});

test('the databases\' lines; none installed says how to install', () => {
	const lines = G.databaseLines({country: {type: 'GeoLite2-Country', build_epoch: 1714550400},
		asn: null});
	assert.equal(lines[0], 'country database: GeoLite2-Country, built 2024-05-01 08:00 UTC.');
	assert.match(lines[1], /^No AS database is installed: .*deploy\/geo-update/);
	assert.match(G.databaseLines(null)[0], /^No country database is installed/);
	assert.match(G.CREDIT_TEXT, /NRO \(nro\.net\), CC BY 4\.0\. AS data: RouteViews \(routeviews\.org\), DB-IP\.com, NRO, CC BY 4\.0/);
});

test('hosts as include_ips: at most 1,024 items and the query budget', () => {
	const v4 = n => Array.from({length: n}, (_, i) => ({id: 0x05010000 + i}));
	assert.deepEqual(G.hostFilter([{id: 83952131}, {id: '2a00:1450::1'}]),
		{list: ['5.1.2.3', '2a00:1450::1'], cut: 0});
	const many = G.hostFilter(v4(2000), 1e9);
	assert.equal(many.list.length, 1024);
	assert.equal(many.cut, 976);
	const fit = G.hostFilter(v4(2000));
	const bytes = fit.list.map(a => a.length).reduce((a, b) => a + b) + 3 * (fit.list.length - 1);
	assert.ok(bytes <= G.FILTER_BUDGET && fit.list.length > 300, `${fit.list.length} addresses, ${bytes} bytes`);
	assert.equal(fit.list[0], '5.1.0.0');
});
