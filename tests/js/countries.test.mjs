// countries.test.mjs: the world map's table of countries
// (static/js/lib/countries.js): every shape of world-atlas's
// countries-110m.json (the map's, node_modules/ from `npm ci`; the 50m
// file too) maps to an alpha-2 code of the table or is knowingly unmapped,
// no two shapes of the map's file share a code (in the 50m file some
// territories carry their country's: Ashmore and Cartier Is. are AU), and the table itself is consistent (ISO
// 3166-1's 249 countries, codes and numbers unique and well formed).
import test from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import * as C from '../../static/js/lib/countries.js';

function atlas(name)
{
	const file = new URL(`../../node_modules/world-atlas/${name}`, import.meta.url);
	let text;
	try {
		text = readFileSync(file, 'utf8');
	} catch (e) {
		assert.fail(`${file.pathname}: ${e.message} (npm ci installs world-atlas)`);
	}
	return JSON.parse(text).objects.countries.geometries;
}

test('the table: 249 countries, unique well-formed codes', () => {
	assert.equal(C.COUNTRIES.length, 249);
	const codes = new Set();
	const numbers = new Set();
	for (const c of C.COUNTRIES) {
		assert.match(c.code, /^[A-Z]{2}$/, JSON.stringify(c));
		assert.match(c.numeric, /^\d{3}$/, JSON.stringify(c));
		assert.ok(c.name.length > 2, JSON.stringify(c));
		assert.ok(!codes.has(c.code), `${c.code} twice`);
		assert.ok(!numbers.has(c.numeric), `${c.numeric} twice`);
		codes.add(c.code);
		numbers.add(c.numeric);
	}
});

test('lookups', () => {
	assert.equal(C.alpha2('276'), 'DE');
	assert.equal(C.alpha2(276), 'DE');
	assert.equal(C.alpha2(4), 'AF');
	assert.equal(C.alpha2('840'), 'US');
	assert.equal(C.alpha2('999'), null);
	assert.equal(C.alpha2(undefined), null);
	assert.equal(C.countryName('de'), 'Germany');
	assert.equal(C.countryName('XK'), 'Kosovo');
	assert.equal(C.countryName('ZZ'), null);
	assert.equal(C.featureCode({id: '250', properties: {name: 'France'}}), 'FR');
	assert.equal(C.featureCode({properties: {name: 'Kosovo'}}), 'XK');
	assert.equal(C.featureCode({properties: {name: 'Somaliland'}}), null);
});

for (const file of ['countries-110m.json', 'countries-50m.json']) {
	test(`every shape of world-atlas's ${file} has a code or is knowingly unmapped`, () => {
		const seen = new Map();
		const unmapped = [];
		for (const g of atlas(file)) {
			const name = g.properties.name;
			const code = C.featureCode(g);
			if (code === null) {
				unmapped.push(name);
				continue;
			}
			assert.ok(C.countryName(code), `${name} (${g.id}): ${code} has no name`);
			if (file === 'countries-110m.json')
				assert.ok(!seen.has(code), `${name} and ${seen.get(code)} are both ${code}`);
			if (!seen.has(code))
				seen.set(code, name);
		}
		const known = file === 'countries-110m.json' ? C.UNMAPPED_FEATURES
			: [...C.UNMAPPED_FEATURES, 'Indian Ocean Ter.', 'Siachen Glacier'];
		assert.deepEqual(unmapped.sort(), [...known].sort());
		assert.ok(seen.size > 170, `${seen.size} countries on the map`);
		for (const [code, name] of [['DE', 'Germany'], ['US', 'United States of America'], ['XK', 'Kosovo'],
			['FR', 'France'], ['JP', 'Japan'], ['BR', 'Brazil'], ['NL', 'Netherlands'], ['AU', 'Australia'],
			['IE', 'Ireland']])
			assert.equal(seen.get(code), name);
	});
}

test('a host\'s country and AS as the tooltips and the flow table give them', () => {
	assert.deepEqual(C.geoRows({country: 'DE', asn: 3320, as_name: 'Deutsche Telekom AG'}),
		[['country', 'Germany (DE)'], ['AS', 'AS3320 Deutsche Telekom AG']]);
	assert.deepEqual(C.geoRows({country: 'local', range: 'Private-Use'}), [['country', 'local (Private-Use)']]);
	assert.deepEqual(C.geoRows({country: 'unknown'}), [['country', 'unknown']]);
	assert.deepEqual(C.geoRows({country: 'ZZ', asn: 64500}), [['country', 'ZZ (ZZ)'], ['AS', 'AS64500']]);
	assert.deepEqual(C.geoRows(null), []);
	assert.deepEqual(C.geoRows({id: 1}), [], 'an index row asked without geo=1');
	assert.equal(C.geoText({country: 'DE', asn: 3320, as_name: 'Deutsche Telekom AG'}),
		'Germany (DE) / AS3320 Deutsche Telekom AG');
	assert.equal(C.geoText(null), '');
	const row = {sourceCountry: 'US', sourceAsn: 7018, sourceAsName: 'AT&T', destinationCountry: 'local',
		destinationRange: 'Documentation'};
	assert.deepEqual(C.flowGeo(row, 'source'), {country: 'US', asn: 7018, as_name: 'AT&T', range: undefined});
	assert.equal(C.geoText(C.flowGeo(row, 'destination')), 'local (Documentation)');
	assert.equal(C.flowGeo({sourceIPv4Address: 1}, 'source'), null);
	assert.equal(C.geoDatabases({geo: {databases: {country: null, asn: null}}}), null);
	assert.equal(C.geoDatabases({}), null);
	assert.equal(C.geoDatabases(null), null);
	const dbs = {country: {type: 't', build_epoch: 1}, asn: null};
	assert.equal(C.geoDatabases({geo: {databases: dbs}}), dbs);
});
