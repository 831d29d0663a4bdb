// hilbertmap.test.mjs: the address-space map's prefix <-> cell mapping
// (static/js/lib/hilbertmap.js) for orders 1 to 12: round trips, adjacency
// of consecutive cells, blocks as squares, and known vectors (the same as
// the C side's in tests/unit/test_hilbert.c, so page and API agree).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as M from '../../static/js/lib/hilbertmap.js';

// xorshift32: the same numbers on every run
let seed = 0x2545f491;
function rand(n)
{
	seed ^= seed << 13;
	seed >>>= 0;
	seed ^= seed >>> 17;
	seed ^= seed << 5;
	seed >>>= 0;
	return seed % n;
}

test('cells <-> squares: round trip and adjacency, orders 1 to 12', () => {
	for (let order = 1; order <= 12; order++) {
		const cells = 4 ** order;
		// every cell up to order 9, then 200,000 random runs of two
		const starts = order <= 9 ? null : Array.from({length: 100000}, () => rand(cells - 1));
		const check = (i) => {
			const [x, y] = M.cellXY(order, i);
			assert.ok(x >= 0 && y >= 0 && x < 2 ** order && y < 2 ** order, `order ${order} cell ${i}`);
			assert.equal(M.xyCell(order, x, y), i);
			return [x, y];
		};
		if (starts === null) {
			let prev = check(0);
			for (let i = 1; i < cells; i++) {
				const cur = check(i);
				assert.equal(Math.abs(cur[0] - prev[0]) + Math.abs(cur[1] - prev[1]), 1,
					`order ${order}: cells ${i - 1} and ${i} are not neighbours`);
				prev = cur;
			}
		} else {
			for (const i of [0, cells - 2, ...starts]) {
				const a = check(i);
				const b = check(i + 1);
				assert.equal(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]), 1);
			}
		}
	}
});

test('the table of all cells equals d2xy, orders 0 to 10', () => {
	for (let order = 0; order <= 10; order++) {
		const [xs, ys] = M.cellTable(order);
		assert.equal(xs.length, 4 ** order);
		for (let i = 0; i < 4 ** order; i += order > 8 ? 7 : 1)
			assert.deepEqual([xs[i], ys[i]], M.cellXY(order, i), `order ${order} cell ${i}`);
	}
});

test('SPEC 7 order 1, and every order runs from (0, 0) to (2^order - 1, 0)', () => {
	// the order-1 curve as SPEC 7 gives it, and every order begins at (0, 0)
	// and ends at (2^order - 1, 0)
	assert.deepEqual([0, 1, 2, 3].map(i => M.cellXY(1, i)), [[0, 0], [0, 1], [1, 1], [1, 0]]);
	for (let order = 1; order <= 12; order++) {
		assert.deepEqual(M.cellXY(order, 0), [0, 0]);
		assert.deepEqual(M.cellXY(order, 4 ** order - 1), [2 ** order - 1, 0]);
	}
});

test('every aligned block of 4^k cells (a shorter prefix) is a square', () => {
	for (let order = 1; order <= 8; order++) {
		for (let i = 0; i < 4 ** order; i++) {
			const [x, y] = M.cellXY(order, i);
			for (let level = 0; level <= order; level++) {
				const sq = M.blockSquare(order, level, Math.floor(i / 4 ** (order - level)));
				assert.ok(x >= sq.x && x < sq.x + sq.size && y >= sq.y && y < sq.y + sq.size,
					`order ${order} level ${level} cell ${i}`);
			}
		}
	}
	assert.deepEqual(M.blockSquare(8, 4, 0), {x: 0, y: 0, size: 16});
	assert.deepEqual(M.blockSquare(8, 0, 0), {x: 0, y: 0, size: 256});
});

test('prefixes: parse and print', () => {
	const p = M.parsePrefix('10.0.0.0/8');
	assert.deepEqual(p, {v4: true, addr: 0x0a000000n, len: 8});
	assert.equal(M.formatPrefix(p), '10.0.0.0/8');
	assert.equal(M.formatPrefix(M.parsePrefix('0.0.0.0/0')), '0.0.0.0/0');
	assert.equal(M.formatPrefix(M.parsePrefix(' 2001:DB8::/32 ')), '2001:db8::/32');
	assert.equal(M.formatPrefix(M.parsePrefix('::ffff:10.0.0.0/104')), '10.0.0.0/8');
	assert.equal(M.formatPrefix(M.parsePrefix('::/0')), '::/0');
	assert.equal(M.formatPrefix(M.parsePrefix('2001:db8:0:0:1:0:0:0/80')), '2001:db8:0:0:1::/80');
	assert.equal(M.formatPrefix(M.parsePrefix('2001:0:0:1::/64')), '2001:0:0:1::/64');
	assert.equal(M.formatPrefix(M.parsePrefix('fe80::/10')), 'fe80::/10');
	assert.equal(M.formatCell(M.parsePrefix('192.168.1.77/32')), '192.168.1.77');
	assert.equal(M.formatCell(M.parsePrefix('2001:db8::1/128')), '2001:db8::1');
	assert.throws(() => M.parsePrefix('10.1.0.0/8'), /bits set past its length \(10\.0\.0\.0\/8\?\)/);
	assert.throws(() => M.parsePrefix('2001:db8::1/32'), /\(2001:db8::\/32\?\)/);
	// a length after IPv6 text counts in 128 bits (as /api/hilbert counts it)
	assert.throws(() => M.parsePrefix('::ffff:10.0.0.0/8'), /bits set past its length \(::\/8\?\)/);
	assert.throws(() => M.parsePrefix('010.0.0.0/8'), /is not a CIDR prefix/);
	assert.throws(() => M.parsePrefix('10.0.0.0/'), /is not a CIDR prefix/);
	assert.throws(() => M.parsePrefix('10.0.0.0/40'), /length out of range/);
	for (const bad of ['10.0.0.0', '10.0.0.0/33', 'net/8', '10.0.0.256/24', '1::2::3/64',
		'2001:db8::/129', '1:2:3:4:5:6:7:8:9/64', '10.0.0/8', '', '/8', '::ffff:1.2.3/104'])
		assert.throws(() => M.parsePrefix(bad), Error, bad);
	assert.deepEqual(M.parseAddress('::ffff:1.2.3.4'), {v4: true, addr: 0x01020304n});
	assert.deepEqual(M.parseAddress('1:2:3:4:5:6:7:8'),
		{v4: false, addr: 0x00010002000300040005000600070008n});
	assert.equal(M.parseAddress('1:2:3:4:5:6:7::8'), null);
	assert.equal(M.parseAddress('10.0.0.1.5'), null);
});

test('known cells: the same vectors as the C side', () => {
	const vectors = [
		['0.0.0.0/0', 16, '10.20.30.40', 0x0a14, '10.20.0.0/16'],
		['0.0.0.0/0', 16, '255.255.255.255', 0xffff, '255.255.0.0/16'],
		['0.0.0.0/0', 8, '192.168.1.1', 192, '192.0.0.0/8'],
		['0.0.0.0/0', 20, '10.20.30.40', 0x0a141, '10.20.16.0/20'],
		['10.0.0.0/8', 24, '10.20.30.40', 0x141e, '10.20.30.0/24'],
		['192.168.1.0/24', 32, '192.168.1.77', 77, '192.168.1.77/32'],
		['10.0.0.0/7', 15, '11.128.0.1', 0xc0, '11.128.0.0/15'],
		['2001:db8::/32', 48, '2001:db8:876e::1', 0x876e, '2001:db8:876e::/48'],
		['::/0', 2, 'fe80::1', 3, 'c000::/2'],
		['::/0', 16, '::ffff:10.0.0.1', -1, null], // IPv4 is not in the IPv6 map
		['2001:db8::ff00/120', 128, '2001:db8::ff2a', 0x2a, '2001:db8::ff2a/128'],
	];
	for (const [pt, depth, at, cell, cpt] of vectors) {
		const p = M.parsePrefix(pt);
		assert.equal(M.cellOf(p, depth, M.parseAddress(at)), cell, `${at} in ${pt}`);
		if (cpt)
			assert.equal(M.formatPrefix(M.cellPrefix(p, depth, cell)), cpt);
	}
	assert.equal(M.cellOf(M.parsePrefix('10.0.0.0/8'), 16, M.parseAddress('11.0.0.1')), -1);
	// a prefix as the thing to find: 10.20.0.0/16 is cell 20 of the /8's /16 map
	assert.equal(M.cellOf(M.parsePrefix('10.0.0.0/8'), 16, M.parsePrefix('10.20.0.0/16')), 20);
	assert.equal(M.cellOf(M.parsePrefix('10.0.0.0/8'), 16, M.parsePrefix('10.0.0.0/12')), -1);
});

test('prefix -> cell -> prefix, orders 1 to 12, IPv4 and IPv6', () => {
	for (const pt of ['0.0.0.0/0', '10.0.0.0/8', '172.16.0.0/12', '2001:db8::/32', '::/0', 'fe80::/10']) {
		const p = M.parsePrefix(pt);
		for (let order = 1; order <= 12 && p.len + 2 * order <= M.familyBits(p); order++) {
			const depth = p.len + 2 * order;
			let prev = null;
			for (let k = 0; k < 300; k++) {
				const i = k === 0 ? 0 : k === 1 ? 4 ** order - 1 : rand(4 ** order);
				const c = M.cellPrefix(p, depth, i);
				assert.ok(M.contains(p, c));
				assert.equal(M.cellOf(p, depth, c), i);
				// any address inside the cell maps back to it
				const host = {v4: c.v4, addr: c.addr | (BigInt(rand(1 << 30)) & ((1n << BigInt(M.familyBits(c) - c.len)) - 1n))};
				assert.equal(M.cellOf(p, depth, host), i, `${pt} order ${order} cell ${i}`);
				if (prev && prev.i < i)
					assert.ok(prev.addr < c.addr, 'cells in address order');
				prev = {i, addr: c.addr};
			}
		}
	}
});

test('fitting order, parents, breadcrumbs', () => {
	const P = s => M.parsePrefix(s);
	assert.equal(M.fitOrder(P('0.0.0.0/0'), 8), 8);
	assert.equal(M.fitOrder(P('0.0.0.0/0'), 12), 10);
	assert.equal(M.fitOrder(P('10.1.2.0/24'), 8), 4);
	assert.equal(M.fitOrder(P('10.1.2.0/23'), 8), 4);
	assert.equal(M.fitOrder(P('10.1.2.4/31'), 8), 0);
	assert.equal(M.fitOrder(P('2001:db8::/32'), 8), 8);
	assert.equal(M.formatPrefix(M.parentPrefix(P('10.1.2.0/24'), 8)), '10.0.0.0/8');
	assert.deepEqual(M.breadcrumbs(P('10.1.2.0/24')).map(M.formatPrefix),
		['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24']);
	assert.deepEqual(M.breadcrumbs(P('10.64.0.0/10')).map(M.formatPrefix),
		['0.0.0.0/0', '10.0.0.0/8', '10.64.0.0/10']);
	assert.deepEqual(M.breadcrumbs(P('0.0.0.0/0')).map(M.formatPrefix), ['0.0.0.0/0']);
	assert.deepEqual(M.breadcrumbs(P('2001:db8::/32'), 16).map(M.formatPrefix),
		['::/0', '2001::/16', '2001:db8::/32']);
	assert.deepEqual(M.formatPrefix(M.subPrefix(P('10.0.0.0/8'), 8, 20)), '10.20.0.0/16');
});
