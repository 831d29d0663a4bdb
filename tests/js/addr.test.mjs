// addr.test.mjs: the pages' one address parser and printer
// (static/js/lib/addr.js) against tests/cases/addr/table.txt, the table the
// responder's parser is checked with (tests/unit/addr_table.c), plus round
// trips through the printers.
import test from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import * as A from '../../static/js/lib/addr.js';

const TABLE = new URL('../cases/addr/table.txt', import.meta.url);

function cases()
{
	const out = [];
	readFileSync(TABLE, 'utf8').split('\n').forEach((line, i) => {
		if (line === '' || line.startsWith('#'))
			return;
		const [kind, input, want, extra] = line.split(' ');
		assert.ok(want !== undefined && extra === undefined, `table line ${i + 1}: ${line}`);
		out.push({line: i + 1, kind, input, want});
	});
	return out;
}

// What addr.js makes of a table input, in the table's terms.
function meaning(kind, input)
{
	if (kind === 'prefix') {
		const p = A.parseCidr(input, {int: true});
		return p.error ? '-' : A.formatCidr(p);
	}
	const a = A.parseIP(input, {int: kind === 'int'});
	return a === null ? '-' : A.formatIP(a.n);
}

test('the shared table: what the responder accepts, and what it means', () => {
	const all = cases();
	assert.ok(all.length > 100);
	for (const c of all)
		assert.equal(meaning(c.kind, c.input), c.want, `line ${c.line}: ${c.kind} ${c.input}`);
	// both families and both outcomes are covered
	for (const re of [/^[0-9.]+$/, /:/])
		for (const ok of [true, false])
			assert.ok(all.some((c) => re.test(c.input) && (c.want !== '-') === ok), `${re} ${ok}`);
});

test('every accepted text prints to a text that reads back the same', () => {
	for (const c of cases()) {
		if (c.want === '-')
			continue;
		if (c.kind === 'prefix') {
			const p = A.parseCidr(c.input, {int: true});
			const q = A.parseCidr(A.formatCidr(p));
			assert.deepEqual([q.v, q.n, q.len, q.hostBits], [p.v, p.n, p.len, false], c.input);
		} else {
			const a = A.parseIP(c.input, {int: true});
			assert.deepEqual(A.parseIP(A.formatIP(a.n)), a, c.input);
		}
	}
});

test('families, integers and the IPv4-mapped range', () => {
	assert.equal(A.parseV4('10.0.0.1'), 167772161);
	assert.equal(A.parseV4('010.0.0.1'), null); // octal to some tools: refused
	assert.equal(A.parseV4('1.2.3.4 '), null);
	assert.equal(A.parseV4(167772161), null);
	assert.equal(A.parseV6('::ffff:10.0.0.1'), A.fromV4(167772161));
	assert.equal(A.parseV6('10.0.0.1'), null);
	assert.equal(A.parseV6('2001:db8::1'), 0x20010db8000000000000000000000001n);
	assert.deepEqual(A.parseIP('::ffff:10.0.0.1'), {v: 4, n: A.fromV4(167772161)});
	assert.deepEqual(A.parseIP('::fffe:a00:1'), {v: 6, n: 0xfffe0a000001n});
	assert.equal(A.parseIP('167772161'), null);
	assert.equal(A.parseIP(' 10.0.0.1'), null);
	assert.equal(A.parseIP(null), null);
	assert.equal(A.parseIP(167772161, {int: true}), null); // text only
	assert.equal(A.formatV4(0), '0.0.0.0');
	assert.equal(A.formatV4(4294967295), '255.255.255.255');
	assert.equal(A.formatIP(A.fromV4(0xc0a80101)), '192.168.1.1');
});

test('CIDR: host bits, the length required, errors', () => {
	const p = A.parseCidr('10.1.2.3/8');
	assert.deepEqual([p.v, p.len, p.bits, p.hostBits, A.formatCidr(p)], [4, 8, 104, true, '10.0.0.0/8']);
	assert.equal(A.parseCidr('10.0.0.0/8').hostBits, false);
	assert.equal(A.parseCidr('2001:db8::1/32').hostBits, true);
	assert.equal(A.parseCidr('::ffff:10.0.0.0/104').v, 4);
	assert.equal(A.parseCidr('::ffff:10.0.0.0/8').v, 6);
	assert.deepEqual(A.parseCidr('10.0.0.1', {bare: false}), {error: 'length', max: 32});
	assert.deepEqual(A.parseCidr('::1', {bare: false}), {error: 'length', max: 128});
	assert.deepEqual(A.parseCidr('10.0.0.0/33'), {error: 'length', max: 32});
	assert.deepEqual(A.parseCidr('::ffff:10.0.0.0/129'), {error: 'length', max: 128});
	assert.deepEqual(A.parseCidr('10.0.0.300/8'), {error: 'address'});
	assert.deepEqual(A.parseCidr('167772161'), {error: 'address'});
	assert.equal(A.formatCidr(A.parseCidr('167772161', {int: true})), '10.0.0.1/32');
	assert.deepEqual(A.parseCidr(undefined), {error: 'address'});
});

test('RFC 5952 printing', () => {
	const cases = [
		['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'], // equal runs: the first
		['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'], // the longest run
		['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'], // one zero group is not compressed
		['0:0:0:0:0:0:0:0', '::'],
		['ABCD:0:0:0:0:0:0:0', 'abcd::'],
		['0:0:0:0:0:0:0:1', '::1'],
		['0:1:0:1:0:1:0:1', '0:1:0:1:0:1:0:1'],
		['0:0:1:0:0:0:1:0', '0:0:1::1:0'],
	];
	for (const [text, want] of cases)
		assert.equal(A.formatV6(A.parseV6(text)), want, text);
});

test('round trips of many values through the IPv6 printer', () => {
	// a fixed LCG: the same values every run
	let s = 12345;
	const next = () => {
		s = (s * 1103515245 + 12345) % 2147483648;
		return s;
	};
	for (let i = 0; i < 2000; i++) {
		let n = 0n;
		for (let g = 0; g < 8; g++) {
			// zero groups often, so '::' runs of every length and place occur
			const r = next();
			n = (n << 16n) | BigInt(r % 3 === 0 ? 0 : r % 65536);
		}
		const text = A.formatV6(n);
		assert.equal(A.parseV6(text), n, text);
		assert.equal(A.formatV6(A.parseV6(text.toUpperCase())), text);
		assert.ok(!/(^|:)0[0-9a-f]/.test(text), `no leading zeros: ${text}`);
	}
});
