// filters.test.mjs: the filter sidebar's checks (static/js/lib/filters.js):
// addresses and CIDR prefixes of IPv4 and IPv6, ports, protocols, lists.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as L from '../../static/js/lib/filters.js';

// The address parser itself is addr.js's: tests/js/addr.test.mjs.

test('address entries: integer, dotted, IPv6, CIDR of either', () => {
	const ok = [['10.0.0.5', '10.0.0.5'], ['167772165', '167772165'], ['10.0.0.0/8', '10.0.0.0/8'],
		['0.0.0.0/0', '0.0.0.0/0'], ['2001:DB8::/32', '2001:db8::/32'], ['::1/128', '::1/128'],
		[' 192.0.2.1 ', '192.0.2.1'], ['10.1.2.3/08', '10.1.2.3/8'],
		['::ffff:10.0.0.0/104', '::ffff:10.0.0.0/104']];
	for (const [text, value] of ok)
		assert.deepEqual(L.checkAddress(text), {ok: true, value}, text);
	const bad = [['10.0.0.256', /not an IPv4 or IPv6 address/], ['4294967296', /at most 4294967295/],
		['10.0.0.0/33', /prefix length must be 0 to 32/], ['2001:db8::/129', /0 to 128/],
		['2001:db8:::/32', /not an IPv6 address/], ['10.0.0.0/', /prefix length/],
		['host.example', /not an IPv4 or IPv6/], ['', /empty/], ['10.0.0.0/8/8', /prefix length/],
		// the responder refuses these: an integer with a length, leading
		// zeros in a dotted quad (octal to some tools) or IPv6 tail
		['167772161/8', /integer IPv4 address takes no prefix length/],
		['010.0.0.1', /not an IPv4 or IPv6 address/],
		['::ffff:010.0.0.1', /not an IPv6 address/]];
	for (const [text, re] of bad) {
		const r = L.checkAddress(text);
		assert.equal(r.ok, false, text);
		assert.match(r.error, re, text);
	}
});

test('ports and protocols', () => {
	assert.deepEqual(L.checkPort('80'), {ok: true, value: '80'});
	assert.deepEqual(L.checkPort('0'), {ok: true, value: '0'});
	assert.deepEqual(L.checkPort('65535'), {ok: true, value: '65535'});
	assert.deepEqual(L.checkPort('0080'), {ok: true, value: '80'});
	for (const bad of ['65536', '-1', 'http', '8.0', '123456'])
		assert.match(L.checkPort(bad).error, /is not a port \(0 to 65535\)/, bad);
	assert.deepEqual(L.checkProto('TCP'), {ok: true, value: 'tcp'});
	assert.deepEqual(L.checkProto('other'), {ok: true, value: 'other'});
	assert.deepEqual(L.checkProto('47'), {ok: true, value: '47'});
	for (const bad of ['256', 'gre', '-1', '6.0'])
		assert.match(L.checkProto(bad).error, /is not a protocol/, bad);
});

test('lists: split, deduplicated, each bad entry named', () => {
	assert.deepEqual(L.parseFilterList('ports', '80, 443,80\n53 '), {values: ['80', '443', '53'], errors: []});
	const r = L.parseFilterList('ports', '80, 70000, x');
	assert.deepEqual(r.values, ['80']);
	assert.equal(r.errors.length, 2);
	assert.match(r.errors[0], /"70000"/);
	assert.match(r.errors[1], /"x"/);
	assert.deepEqual(L.parseFilterList('ips', ''), {values: [], errors: []});
	assert.deepEqual(L.parseFilterList('protos', 'tcp udp'), {values: ['tcp', 'udp'], errors: []});
	const many = Array.from({length: 1025}, (_, i) => String(i)).join(',');
	assert.match(L.parseFilterList('ports', many).errors[0], /at most 1024 entries/);
	assert.throws(() => L.parseFilterList('hosts', 'x'));
	assert.equal(L.filterKind('exclude_protos'), 'protos');
});
