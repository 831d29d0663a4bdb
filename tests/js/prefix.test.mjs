// prefix.test.mjs: address parsing and printing (IPv4 integers, RFC 5952
// IPv6), CIDR prefixes and the edge bundle's prefix hierarchy.
import test from 'node:test';
import assert from 'node:assert/strict';
import {parseAddr, compareAddr, prefixKey, parseCidr, parseCidrList, cidrContains,
	buildHierarchy, groupsOf, LEVELS, OTHERS} from '../../static/js/lib/prefix.js';

const key = (v) => {
	const a = parseAddr(v);
	return a === null ? null : a.key;
};

test('IPv4 in the API forms', () => {
	assert.equal(key(167772165), '10.0.0.5');
	assert.equal(key(0), '0.0.0.0');
	assert.equal(key(4294967295), '255.255.255.255');
	assert.equal(key('167772165'), '10.0.0.5');
	assert.equal(key('10.0.0.5'), '10.0.0.5');
	assert.equal(parseAddr(167772165).v, 4);
	for (const bad of [-1, 2 ** 32, 1.5, NaN, '4294967296', '256.0.0.1', '010.0.0.1', '::ffff:010.0.0.1',
		'1.2.3', '1.2.3.4.5', '1.2.3.', '', null, undefined, {}])
		assert.equal(parseAddr(bad), null, String(bad));
});

test('IPv6 parsing and RFC 5952 printing', () => {
	const cases = [
		['2001:db8::1', '2001:db8::1'],
		['2001:0DB8:0:0:0:0:0:1', '2001:db8::1'],
		['::', '::'],
		['::1', '::1'],
		['1::', '1::'],
		['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
		['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'], // one zero group is not compressed
		['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'], // equal runs: the first
		['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
		['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'], // the longest run
		['a0a:20a::', 'a0a:20a::'],
		['::1.2.3.4', '::102:304'],
		['fe80::1:2', 'fe80::1:2'],
	];
	for (const [text, want] of cases) {
		const a = parseAddr(text);
		assert.ok(a, text);
		assert.equal(a.v, 6, text);
		assert.equal(a.key, want, text);
		assert.equal(parseAddr(a.key).n, a.n, `round trip ${text}`);
	}
	for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', '1:2:3:4:5:6:7:8::',
		':1', '1:', 'g::1', '1.2.3.4::', '::1.2.3', '::256.1.1.1', '2001:db8::1/64', ' ::1'])
		assert.equal(parseAddr(bad), null, bad);
});

test('IPv4-mapped IPv6 text is IPv4, as the database stores it', () => {
	const a = parseAddr('::ffff:10.0.0.1');
	assert.equal(a.v, 4);
	assert.equal(a.key, '10.0.0.1');
	assert.equal(a.n, parseAddr(167772161).n);
	assert.equal(parseAddr('::ffff:a00:1').key, '10.0.0.1');
});

test('address order: by 128-bit value, IPv4 mapped', () => {
	const list = ['2001:db8::1', '10.0.0.2', '::1', '10.0.0.10', '9.255.255.255', 'fe80::1']
		.map(parseAddr).sort(compareAddr).map((a) => a.key);
	assert.deepEqual(list, ['::1', '9.255.255.255', '10.0.0.2', '10.0.0.10', '2001:db8::1', 'fe80::1']);
});

test('prefix keys of the grouping levels', () => {
	const a = parseAddr('10.1.2.3');
	assert.deepEqual(LEVELS[4].map((l) => prefixKey(a, l)), ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24']);
	assert.equal(prefixKey(a, 0), '0.0.0.0/0');
	assert.equal(prefixKey(a, 32), '10.1.2.3/32');
	const b = parseAddr('2001:db8:10:1::10');
	assert.deepEqual(LEVELS[6].map((l) => prefixKey(b, l)),
		['2001:db8::/32', '2001:db8:10::/48', '2001:db8:10:1::/64']);
	assert.equal(prefixKey(b, 0), '::/0');
});

test('CIDR parsing', () => {
	assert.equal(parseCidr('10.1.2.3/8').key, '10.0.0.0/8');
	assert.equal(parseCidr(' 192.168.0.0/16 ').key, '192.168.0.0/16');
	assert.equal(parseCidr('10.0.0.1').key, '10.0.0.1/32');
	assert.equal(parseCidr('10.0.0.1').len, 32);
	assert.equal(parseCidr('fc00::/7').key, 'fc00::/7');
	assert.equal(parseCidr('2001:db8::1').key, '2001:db8::1/128');
	assert.equal(parseCidr('2001:db8:ffff::/32').key, '2001:db8::/32');
	// a length after IPv6 text counts in 128 bits, as the responder counts it
	assert.equal(parseCidr('::ffff:10.0.0.0/104').key, '10.0.0.0/8');
	assert.equal(parseCidr('::ffff:10.0.0.0/8').key, '::/8');
	for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', 'bogus',
		'::/129', '167772160/8', '10.0.0.0/ 8', ''])
		assert.ok(parseCidr(bad).error, bad);
	assert.match(parseCidr('10.0.0.0/40').error, /0 to 32/);
	assert.match(parseCidr('::/200').error, /0 to 128/);
});

test('CIDR lists', () => {
	const r = parseCidrList('10.0.0.0/8, 192.168.0.0/16\nfoo  fc00::/7,,');
	assert.deepEqual(r.prefixes.map((p) => p.key), ['10.0.0.0/8', '192.168.0.0/16', 'fc00::/7']);
	assert.equal(r.errors.length, 1);
	assert.match(r.errors[0], /foo/);
	assert.deepEqual(parseCidrList(''), {prefixes: [], errors: []});
	assert.deepEqual(parseCidrList(undefined), {prefixes: [], errors: []});
});

test('CIDR containment', () => {
	const has = (p, a) => cidrContains(parseCidr(p), parseAddr(a));
	// each prefix with an address inside it and one outside
	const cases = [
		['10.0.0.0/8', '10.255.0.1', '11.0.0.0'],
		['0.0.0.0/0', '1.2.3.4', '2001:db8::1'],
		['::/0', '2001:db8::1', '10.0.0.1'],
		['fc00::/7', 'fdff::1', 'fe00::1'],
		['10.0.0.1', '10.0.0.1', '10.0.0.2'],
		['172.16.0.0/12', '172.31.255.255', '172.32.0.0'],
	];
	for (const [p, inside, outside] of cases) {
		assert.ok(has(p, inside), `${p} contains ${inside}`);
		assert.ok(!has(p, outside), `${p} does not contain ${outside}`);
	}
});

const host = (a, value) => ({addr: parseAddr(a), value});
const HOSTS = [
	host('192.168.1.1', 5),
	host('10.0.0.2', 2),
	host('2001:db8:20::22', 7),
	host('10.1.0.1', 3),
	host('10.0.0.1', 1),
	host('2001:db8:10::10', 11),
];

// The tree as nested [name, value, children] for comparing.
function outline(node)
{
	return node.children ? [node.name, node.value, node.children.map(outline)] : [node.name, node.value];
}

test('hierarchy, three levels: /8 /16 /24 and /32 /48 /64', () => {
	const t = buildHierarchy(HOSTS);
	assert.equal(t.key, 'root');
	assert.deepEqual(outline(t), ['', 29, [
		['10.0.0.0/8', 6, [
			['10.0.0.0/16', 3, [['10.0.0.0/24', 3, [['10.0.0.1', 1], ['10.0.0.2', 2]]]]],
			['10.1.0.0/16', 3, [['10.1.0.0/24', 3, [['10.1.0.1', 3]]]]],
		]],
		['192.0.0.0/8', 5, [['192.168.0.0/16', 5, [['192.168.1.0/24', 5, [['192.168.1.1', 5]]]]]]],
		['2001:db8::/32', 18, [
			['2001:db8:10::/48', 11, [['2001:db8:10::/64', 11, [['2001:db8:10::10', 11]]]]],
			['2001:db8:20::/48', 7, [['2001:db8:20::/64', 7, [['2001:db8:20::22', 7]]]]],
		]],
	]]);
	// 10/8 with two /16 and two /24; 192/8 with one of each; the /32 with
	// two /48, two /64.
	assert.equal(groupsOf(t).length, 5 + 3 + 5);
	// The leaf keeps the host it stands for.
	const leaf = t.children[0].children[1].children[0].children[0];
	assert.equal(leaf.host, HOSTS[3]);
	assert.equal(leaf.key, '10.1.0.1');
});

test('hierarchy, fewer levels and the others leaf', () => {
	const flat = buildHierarchy(HOSTS, {levels: 0});
	assert.deepEqual(flat.children.map((c) => c.key),
		['10.0.0.1', '10.0.0.2', '10.1.0.1', '192.168.1.1', '2001:db8:10::10', '2001:db8:20::22']);
	assert.equal(groupsOf(flat).length, 0);
	const one = buildHierarchy(HOSTS, {levels: 1, others: {value: 100, count: 42}});
	assert.deepEqual(one.children.map((c) => c.key),
		['g:10.0.0.0/8', 'g:192.0.0.0/8', 'g:2001:db8::/32', OTHERS]);
	const others = one.children[3];
	assert.deepEqual([others.others, others.value, others.count, others.children], [true, 100, 42, undefined]);
	assert.equal(one.value, 129);
	assert.equal(groupsOf(one).length, 3);
	// Levels are clamped to 0-3.
	assert.deepEqual(outline(buildHierarchy(HOSTS, {levels: 9})), outline(buildHierarchy(HOSTS)));
	assert.deepEqual(outline(buildHierarchy(HOSTS, {levels: -1})), outline(flat));
	// Keys are unique, so d3 can index the leaves and groups by them.
	const keys = [];
	const walk = (n) => {
		keys.push(n.key);
		(n.children || []).forEach(walk);
	};
	walk(buildHierarchy(HOSTS, {others: {value: 1, count: 1}}));
	assert.equal(new Set(keys).size, keys.length);
	assert.deepEqual(buildHierarchy([]).children, []);
});
