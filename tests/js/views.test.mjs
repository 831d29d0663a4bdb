// views.test.mjs: the data shaping of the graph, edge bundle and hive plot
// views (static/js/views/), from answers shaped as the API prints them
// (fcgi/API.md: IPv4 as integers, IPv6 as text under the IPv6 keys), and the
// Hilbert layout of SPEC 7.
import test from 'node:test';
import assert from 'node:assert/strict';
import {valueField, timeColor, dominantProto, shapeHosts, shapeLinks, rowSource,
	intOpt, numOpt, enumOpt, boolOpt,
	shortNumber} from '../../static/js/views/common.js';
import {shapeGraph, hilbertLayout} from '../../static/js/views/graph.js';
import {shapeBundle, linkMatches} from '../../static/js/views/edgebundle.js';
import {parseAxes, axisOf, directionAllows, scalePosition, shapeHive,
	DEFAULT_AXES} from '../../static/js/views/hiveplot.js';
import {parseAddr, OTHERS} from '../../static/js/lib/prefix.js';
import * as colors from '../../static/js/lib/colors.js';

const ip = (t) => parseAddr(t);
const int = (t) => Number(ip(t).n & 0xffffffffn);

// A counter object: flows f, packets 10 f, bytes 1000 f, all of class cls.
function counters(f, cls = 'tcp')
{
	const c = {flows: f, packetDeltaCount: 10 * f, octetDeltaCount: 1000 * f};
	const out = {...c};
	for (const p of ['tcp', 'udp', 'icmp', 'other'])
		out[p] = p === cls ? {...c} : {flows: 0, packetDeltaCount: 0, octetDeltaCount: 0};
	return out;
}

// An index row: IPv4 as an integer id, IPv6 as text.
function node(addr, f, cls)
{
	const a = ip(addr);
	return {id: a.v === 4 ? int(addr) : a.key, ...counters(f, cls)};
}

function pair(src, dst, f, bucket, cls)
{
	const row = {};
	const put = (dir, addr) => {
		const a = ip(addr);
		if (a.v === 4)
			row[`${dir}IPv4Address`] = int(addr);
		else
			row[`${dir}IPv6Address`] = a.key;
	};
	put('source', src);
	put('destination', dst);
	if (bucket !== undefined)
		row.bucket = bucket;
	return Object.assign(row, counters(f, cls));
}

// Five hosts; the node rows add up to twice the total (100 flows).
const INDEX = {
	totalCounter: counters(100),
	results: [
		node('10.0.0.1', 60),
		node('2001:db8::10', 50, 'udp'),
		node('10.0.0.2', 40, 'icmp'),
		node('192.168.1.1', 30),
		node('8.8.8.8', 20, 'other'),
	],
};
const PAIRS = {
	bucket_size: 600,
	results: [
		pair('10.0.0.1', '2001:db8::10', 20, 1200),
		pair('2001:db8::10', '10.0.0.1', 5, 600, 'udp'),
		pair('10.0.0.1', '10.0.0.2', 10, 1800),
		pair('10.0.0.2', '192.168.1.1', 7, 600),
		pair('10.0.0.2', '8.8.8.8', 3, 2400, 'udp'),
		pair('10.0.0.1', '10.0.0.1', 1, 600),
		pair('192.168.1.1', '8.8.8.8', 4, 1200),
	],
};

test('value names and link colours', () => {
	assert.equal(valueField('bytes'), 'octetDeltaCount');
	assert.equal(valueField('packets'), 'packetDeltaCount');
	assert.equal(valueField('octetDeltaCount'), 'octetDeltaCount');
	assert.equal(valueField('bogus'), 'flows');
	// lib/colors.js's scale, over the links' own time range.
	assert.equal(timeColor(0, 0, 10), colors.timeColor(0));
	assert.equal(timeColor(10, 0, 10), colors.timeColor(1));
	assert.equal(timeColor(1714550700, 1714550400, 1714551600), colors.timeColor(0.25));
	assert.notEqual(timeColor(0, 0, 10), timeColor(10, 0, 10));
	assert.equal(timeColor(-5, 0, 10), timeColor(0, 0, 10));
	assert.equal(timeColor(20, 0, 10), timeColor(10, 0, 10));
	assert.equal(timeColor(7, 7, 7), colors.timeColor(1));
});

test('dominant protocol and row addresses', () => {
	const row = counters(5, 'udp');
	row.tcp.flows = 5; // a tie goes to the first class
	assert.equal(dominantProto(row, 'flows'), 'tcp');
	assert.equal(dominantProto(row, 'octetDeltaCount'), 'udp');
	assert.equal(dominantProto({flows: 3}, 'flows'), null);
	assert.equal(rowSource(pair('2001:db8::10', '10.0.0.1', 1)).key, '2001:db8::10');
	assert.equal(rowSource(pair('10.0.0.1', '2001:db8::10', 1)).key, '10.0.0.1');
});

test('hosts: the top by value, the rest counted as others', () => {
	const h = shapeHosts(INDEX, {value: 'flows', limit: 3});
	assert.deepEqual(h.hosts.map((x) => x.key), ['10.0.0.1', '2001:db8::10', '10.0.0.2']);
	assert.deepEqual(h.hosts.map((x) => x.proto), ['tcp', 'udp', 'icmp']);
	assert.equal(h.others, 200 - 150);
	const all = shapeHosts(INDEX, {value: 'bytes'});
	assert.equal(all.hosts.length, 5);
	assert.equal(all.hosts[0].value, 60000);
	assert.equal(all.others, 0);
	// The answer's order does not matter; equal values go by address.
	const tie = {results: [node('10.0.0.9', 5), node('10.0.0.3', 5), {id: 'junk', flows: 99}]};
	const t = shapeHosts(tie, {limit: 1});
	assert.deepEqual(t.hosts.map((x) => x.key), ['10.0.0.3']);
	assert.equal(t.bad, 1);
	assert.equal(t.others, 5); // no totalCounter: what was listed
});

test('links: merged into others, self links dropped, last bucket kept', () => {
	const shown = new Set(['10.0.0.1', '2001:db8::10', '10.0.0.2']);
	const l = shapeLinks(PAIRS, shown, {value: 'flows', others: true});
	const byKey = Object.fromEntries(l.links.map((x) => [x.key, [x.value, x.last, x.proto]]));
	assert.deepEqual(byKey, {
		'10.0.0.1>2001:db8::10': [20, 1200, 'tcp'],
		'2001:db8::10>10.0.0.1': [5, 600, 'udp'],
		'10.0.0.1>10.0.0.2': [10, 1800, 'tcp'],
		// 10.0.0.2 -> 192.168.1.1 (7, tcp) and -> 8.8.8.8 (3, udp)
		[`10.0.0.2>${OTHERS}`]: [10, 2400, 'tcp'],
	});
	assert.equal(l.otherHosts, 2);
	assert.equal(l.dropped, 2); // the self link and others -> others
	assert.deepEqual(l.time, [600, 2400]);
	const without = shapeLinks(PAIRS, shown, {value: 'flows'});
	assert.equal(without.links.length, 3);
	assert.ok(without.links.every((x) => x.source !== OTHERS && x.target !== OTHERS));
	// Without fields=bucket there is no time.
	const noTime = shapeLinks({results: [pair('10.0.0.1', '10.0.0.2', 1)]}, shown, {});
	assert.equal(noTime.links[0].last, null);
	assert.equal(noTime.time, null);
});

test('graph: nodes, the others super-node, links by key', () => {
	const g = shapeGraph(INDEX, PAIRS, {value: 'flows', limit: 3, others: true});
	assert.deepEqual(g.nodes.map((x) => x.key), ['10.0.0.1', '2001:db8::10', '10.0.0.2', OTHERS]);
	assert.deepEqual([g.nodes[3].value, g.nodes[3].count], [50, 2]);
	assert.equal(g.links.length, 4);
	const keys = new Set(g.nodes.map((x) => x.key));
	assert.ok(g.links.every((x) => keys.has(x.source) && keys.has(x.target)));
	const plain = shapeGraph(INDEX, PAIRS, {value: 'flows', limit: 3, others: false});
	assert.equal(plain.nodes.length, 3);
	assert.equal(plain.links.length, 3);
	// Everything shown: no super-node even when asked for.
	const full = shapeGraph(INDEX, PAIRS, {limit: 10, others: true});
	assert.equal(full.nodes.length, 5);
	assert.ok(!full.nodes.some((x) => x.others));
	assert.equal(full.links.length, 6);
	assert.deepEqual(shapeGraph({results: []}, {results: []}, {others: true}),
		{nodes: [], links: [], time: null});
});

test('Hilbert layout: address rank along the curve of SPEC 7', () => {
	// Four hosts in scrambled order: rank by address, n = 2.
	const nodes = ['10.0.0.4', '10.0.0.1', '10.0.0.3', '10.0.0.2'].map((a) => ({key: a, addr: ip(a)}));
	assert.equal(hilbertLayout(nodes, 200, 100), 2);
	const at = Object.fromEntries(nodes.map((x) => [x.key, [x.x, x.y]]));
	// d 0..3 -> (0,0) (0,1) (1,1) (1,0); cell centres of a 2 x 2 grid.
	assert.deepEqual(at, {
		'10.0.0.1': [50, 25], '10.0.0.2': [50, 75], '10.0.0.3': [150, 75], '10.0.0.4': [150, 25],
	});
	// Five nodes need n = 4; the super-node comes last, IPv6 after IPv4.
	const five = [{key: OTHERS, others: true}, ...['2001:db8::1', '10.0.0.1', '10.0.0.2', '10.0.0.3']
		.map((a) => ({key: a, addr: ip(a)}))];
	assert.equal(hilbertLayout(five, 400, 400), 4);
	const want = {'10.0.0.1': [0, 0], '10.0.0.2': [1, 0], '10.0.0.3': [1, 1], '2001:db8::1': [0, 1],
		[OTHERS]: [0, 2]};
	for (const x of five)
		assert.deepEqual([x.x, x.y], want[x.key].map((c) => (c + 0.5) * 100), x.key);
	// One node still uses the 2 x 2 grid; none is fine.
	const one = [{key: 'a', addr: ip('1.1.1.1')}];
	assert.equal(hilbertLayout(one, 100, 100), 2);
	assert.deepEqual([one[0].x, one[0].y], [25, 25]);
	assert.equal(hilbertLayout([], 100, 100), 2);
});

test('Hilbert layout: 1,000 nodes fill a 32 x 32 grid, one per cell', () => {
	const nodes = [];
	for (let i = 0; i < 1000; i++)
		nodes.push({key: String(i), addr: parseAddr(0x0a000000 + i * 7)});
	assert.equal(hilbertLayout(nodes, 320, 320), 32);
	const cells = new Set(nodes.map((x) => `${x.x},${x.y}`));
	assert.equal(cells.size, 1000);
	// Consecutive addresses sit in neighbouring cells.
	for (let i = 1; i < 1000; i++)
		assert.equal(Math.abs(nodes[i].x - nodes[i - 1].x) + Math.abs(nodes[i].y - nodes[i - 1].y), 10);
});

test('edge bundle: leaves, groups, links and hover matching', () => {
	const b = shapeBundle(INDEX, PAIRS, {value: 'flows', limit: 4, others: true, levels: 2});
	// 10.0.0.1, 10.0.0.2, 192.168.1.1, 2001:db8::10 and the others leaf.
	assert.equal(b.leaves, 5);
	assert.deepEqual(b.groups.map((g) => g.name),
		['10.0.0.0/8', '10.0.0.0/16', '192.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '2001:db8::/48']);
	assert.equal(b.tree.children[b.tree.children.length - 1].key, OTHERS);
	assert.deepEqual(b.groups.map((g) => g.value), [100, 100, 30, 30, 50, 50]);
	// 8.8.8.8 is hidden: its two links go to others.
	assert.equal(b.links.length, 6);
	assert.equal(b.links.filter((l) => l.target === OTHERS).length, 2);
	const l = {source: 'a', target: 'b'};
	assert.deepEqual(['in', 'out', 'both'].map((m) => linkMatches(l, 'a', m)), [false, true, true]);
	assert.deepEqual(['in', 'out', 'both'].map((m) => linkMatches(l, 'b', m)), [true, false, true]);
	assert.deepEqual(['in', 'out', 'both'].map((m) => linkMatches(l, 'c', m)), [false, false, false]);
	// A group: its hosts' links.
	assert.deepEqual(['in', 'out', 'both'].map((m) => linkMatches(l, new Set(['a', 'c']), m)), [false, true, true]);
	assert.deepEqual(['in', 'out', 'both'].map((m) => linkMatches(l, new Set(['a', 'b']), m)), [true, true, true]);
	assert.deepEqual(['in', 'out', 'both'].map((m) => linkMatches(l, new Set(['c']), m)), [false, false, false]);
	const flat = shapeBundle(INDEX, PAIRS, {limit: 10, others: true, levels: 0});
	assert.equal(flat.leaves, 5);
	assert.equal(flat.groups.length, 0);
});

test('hive plot: axes by CIDR list, the catch-all axis', () => {
	const {axes, errors} = parseAxes(['10.0.0.0/8', 'rest', '2001:db8::/32, bogus']);
	assert.equal(errors.length, 1);
	assert.match(errors[0], /^axis 3: .*bogus/);
	assert.equal(axisOf(ip('10.1.1.1'), axes), 0);
	assert.equal(axisOf(ip('2001:db8::1'), axes), 2);
	assert.equal(axisOf(ip('8.8.8.8'), axes), 1);
	const none = parseAxes(['10.0.0.0/8', '192.168.0.0/16', '::/0']).axes;
	assert.equal(axisOf(ip('8.8.8.8'), none), -1);
	// The first axis that holds it wins; an empty list is the catch-all too.
	assert.equal(axisOf(ip('10.0.0.1'), parseAxes(['', '10.0.0.0/8', '10.0.0.0/24']).axes), 1);
	assert.equal(axisOf(ip('8.8.8.8'), parseAxes(['', '10.0.0.0/8', '10.0.0.0/24']).axes), 0);
	// "rest" besides prefixes; in any case.
	const mixed = parseAxes(['10.0.0.0/8', '192.168.0.0/16, REST', '']).axes;
	assert.equal(axisOf(ip('192.168.0.1'), mixed), 1);
	assert.equal(axisOf(ip('1.1.1.1'), mixed), 1);
	// A list of only bad entries is not a catch-all.
	const typo = parseAxes(['10.0.0.0/8', '10.0.0.0/88', '192.168.0.0/16']);
	assert.equal(typo.errors.length, 1);
	assert.equal(axisOf(ip('1.1.1.1'), typo.axes), -1);
	assert.deepEqual(parseAxes(DEFAULT_AXES).errors, []);
	assert.deepEqual(parseAxes(DEFAULT_AXES).axes.map((a) => a.rest), [false, true, false]);
});

test('hive plot: direction filters per axis pair', () => {
	const dirs = ['fwd', 'rev', 'none'];
	// pair 0-1 fwd: 0 -> 1 only
	assert.ok(directionAllows(0, 1, dirs));
	assert.ok(!directionAllows(1, 0, dirs));
	// pair 1-2 rev: 2 -> 1 only
	assert.ok(!directionAllows(1, 2, dirs));
	assert.ok(directionAllows(2, 1, dirs));
	// pair 2-0 none
	assert.ok(!directionAllows(2, 0, dirs));
	assert.ok(!directionAllows(0, 2, dirs));
	// default both; same axis never
	assert.ok(directionAllows(0, 2, []));
	assert.ok(directionAllows(2, 0, []));
	assert.ok(!directionAllows(1, 1, []));
});

test('hive plot: linear and log positions', () => {
	assert.equal(scalePosition(50, 10, 100, 'linear'), 0.5);
	assert.equal(scalePosition(0, 0, 0, 'linear'), 1);
	assert.equal(scalePosition(10, 10, 1000, 'log'), 0);
	assert.equal(scalePosition(100, 10, 1000, 'log'), 0.5);
	assert.equal(scalePosition(1000, 10, 1000, 'log'), 1);
	assert.equal(scalePosition(0, 0, 100, 'log'), 0);
	assert.equal(scalePosition(5, 5, 5, 'log'), 1);
});

test('hive plot: shaping with axes, scale and directions', () => {
	const axes = ['10.0.0.0/8', '192.168.0.0/16, 2001:db8::/32', 'rest'];
	const h = shapeHive(INDEX, PAIRS, {value: 'flows', axes, scale: 'linear', limit: 10});
	const where = Object.fromEntries(h.nodes.map((x) => [x.key, [x.axis, x.pos]]));
	assert.deepEqual(where, {
		'10.0.0.1': [0, 1], '2001:db8::10': [1, 50 / 60], '10.0.0.2': [0, 40 / 60],
		'192.168.1.1': [1, 0.5], '8.8.8.8': [2, 20 / 60],
	});
	// Within axis 0 (10.0.0.1 -> 10.0.0.2) is not drawn; the self link neither.
	assert.deepEqual(h.links.map((l) => l.key).sort(), [
		'10.0.0.1>2001:db8::10', '10.0.0.2>192.168.1.1', '10.0.0.2>8.8.8.8',
		'192.168.1.1>8.8.8.8', '2001:db8::10>10.0.0.1']);
	assert.deepEqual(h.range, [20, 60]);
	assert.deepEqual(h.axisErrors, [[], [], []]);
	const f = shapeHive(INDEX, PAIRS, {value: 'flows', axes, limit: 10, dirs: ['fwd', 'none', 'both']});
	assert.deepEqual(f.links.map((l) => l.key).sort(), [
		'10.0.0.1>2001:db8::10', '10.0.0.2>192.168.1.1', '10.0.0.2>8.8.8.8']);
	// Hosts on no axis are counted, not drawn.
	const some = shapeHive(INDEX, PAIRS, {axes: ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32']});
	assert.equal(some.hidden, 1);
	assert.equal(some.nodes.length, 4);
	const bad = shapeHive(INDEX, PAIRS, {axes: ['x', '', '']});
	assert.equal(bad.errors.length, 1);
	assert.equal(bad.axisErrors[0].length, 1);
	assert.equal(shapeHive({results: []}, {results: []}, {}).range, null);
});

test('short numbers', () => {
	assert.deepEqual([0, 999, 1000, 1234567, 98765432, 5e12].map(shortNumber),
		['0', '999', '1.00 k', '1.23 M', '98.8 M', '5.00 T']);
});

test('page options from hand-made URLs', () => {
	assert.equal(intOpt('50', 1, 1000, 100), 50);
	assert.equal(intOpt('5000', 1, 1000, 100), 1000);
	assert.equal(intOpt('-3', 1, 1000, 100), 1);
	for (const bad of [undefined, null, '', 'ten', '1.5', '1e3', '12abc'])
		assert.equal(intOpt(bad, 1, 1000, 100), 100, String(bad));
	assert.equal(numOpt('0.5', 0, 1, 0.85), 0.5);
	assert.equal(numOpt('7', 0, 1, 0.85), 1);
	assert.equal(numOpt('x', 0, 1, 0.85), 0.85);
	assert.equal(numOpt('', 0, 1, 0.85), 0.85);
	assert.equal(numOpt('Infinity', 0, 1, 0.85), 0.85);
	assert.equal(enumOpt('log', ['linear', 'log'], 'linear'), 'log');
	assert.equal(enumOpt('LOG', ['linear', 'log'], 'linear'), 'linear');
	assert.equal(enumOpt(undefined, ['linear', 'log'], 'linear'), 'linear');
	assert.equal(boolOpt('0', true), false);
	assert.equal(boolOpt('Yes', false), true);
	assert.equal(boolOpt('maybe', true), true);
	assert.equal(boolOpt(undefined, false), false);
});
