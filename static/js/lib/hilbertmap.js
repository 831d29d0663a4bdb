// hilbertmap.js: prefixes and the cells of the address-space map (the
// /hilbert page), as /api/hilbert numbers them: cell i of a map of prefix P
// at depth D is the i-th sub-prefix of length D of P in address order, and
// it is drawn at d2xy(2^order, i), order = (D - len) / 2. Addresses are
// BigInts in their family's width (32 or 128 bits), so IPv6 is exact. Pure:
// no DOM, no d3 (tests/js/hilbertmap.test.mjs).

import {d2xy, xy2d} from './hilbert.js';
import {formatV4, formatV6, parseCidr, parseIP} from './addr.js';

// The most cells /api/hilbert answers: 4^10.
export const ORDER_MAX = 10;

// IPv4 or IPv6 address text (addr.js's rule, the responder's) to {v4,
// addr}; an IPv4-mapped IPv6 address is IPv4 (as the API stores it). null
// when it is not an address.
export function parseAddress(text)
{
	const a = parseIP(String(text).trim());
	if (a === null)
		return null;
	return a.v === 4 ? {v4: true, addr: a.n & 0xffffffffn} : {v4: false, addr: a.n};
}

// The width in bits of a prefix's family.
export function familyBits(p)
{
	return p.v4 ? 32 : 128;
}

function hostMask(p)
{
	return (1n << BigInt(familyBits(p) - p.len)) - 1n;
}

// "10.0.0.0/8", "2001:db8::/32" (an IPv4-mapped "::ffff:10.0.0.0/104" is
// 10.0.0.0/8) to {v4, addr, len}. Throws an Error with a message for the
// user when it is not a CIDR prefix or has bits set past its length, as
// /api/hilbert answers 400 for both (fcgi/API.md).
export function parsePrefix(text)
{
	const s = String(text).trim();
	const c = parseCidr(s, {bare: false});
	if (c.error && (c.error === 'address' || !/\/[0-9]+$/.test(s)))
		throw new Error(`"${s}" is not a CIDR prefix such as 10.0.0.0/8 or 2001:db8::/32`);
	if (c.error)
		throw new Error(`"${s}" has a length out of range`);
	const p = {v4: c.v === 4, addr: c.v === 4 ? c.n & 0xffffffffn : c.n, len: c.len};
	if (c.hostBits)
		throw new Error(`"${s}" has bits set past its length (${formatPrefix(p)}?)`);
	return p;
}

// The text of an address of family v4.
export function formatAddr(v4, addr)
{
	return v4 ? formatV4(Number(addr)) : formatV6(addr);
}

export function formatPrefix(p)
{
	return `${formatAddr(p.v4, p.addr)}/${p.len}`;
}

// The address of a prefix alone (a host: /32, /128) or the prefix text.
export function formatCell(p)
{
	return p.len === familyBits(p) ? formatAddr(p.v4, p.addr) : formatPrefix(p);
}

// The sub-prefix of length p.len + bits with number i (0 <= i < 2^bits).
export function subPrefix(p, bits, i)
{
	const shift = BigInt(familyBits(p) - p.len - bits);
	return {v4: p.v4, addr: p.addr | (BigInt(i) << shift), len: p.len + bits};
}

// The prefix of length len (<= p.len) holding p.
export function parentPrefix(p, len)
{
	const q = {v4: p.v4, addr: 0n, len};
	q.addr = p.addr & ~hostMask(q);
	return q;
}

// Whether q lies inside p (same family, at least as long, same leading bits).
export function contains(p, q)
{
	return p.v4 === q.v4 && q.len >= p.len && parentPrefix(q, p.len).addr === p.addr;
}

// The cell of q (an address as {v4, addr} or a prefix at least depth long)
// in the map of p at depth; -1 when q is outside p.
export function cellOf(p, depth, q)
{
	const len = q.len === undefined ? familyBits(q) : q.len;
	if (p.v4 !== q.v4 || len < depth || !contains(p, {v4: q.v4, addr: q.addr, len}))
		return -1;
	const bits = depth - p.len;
	return Number((q.addr >> BigInt(familyBits(p) - depth)) & ((1n << BigInt(bits)) - 1n));
}

// The sub-prefix that cell i of the map of p at depth stands for.
export function cellPrefix(p, depth, i)
{
	return subPrefix(p, depth - p.len, i);
}

// The order of the map of p that fits: at most maxOrder (the screen), the
// API's ORDER_MAX, and the bits left in the family (rounded down to even).
export function fitOrder(p, maxOrder)
{
	const left = Math.floor((familyBits(p) - p.len) / 2);
	return Math.max(0, Math.min(maxOrder, ORDER_MAX, left));
}

// Where cell i of a 2^order square is drawn: [x, y].
export function cellXY(order, i)
{
	return d2xy(2 ** order, i);
}

// Where every cell of a 2^order square is drawn (order <= ORDER_MAX), as
// two arrays [xs, ys] indexed by cell: d2xy for all cells at once, in
// 32-bit integer arithmetic (exact up to order 15), for drawing a whole map.
export function cellTable(order)
{
	const n = 1 << order;
	const count = n * n;
	const xs = new Uint16Array(count);
	const ys = new Uint16Array(count);
	for (let d = 0; d < count; d++) {
		let x = 0;
		let y = 0;
		let t = d;
		for (let s = 1; s < n; s <<= 1) {
			const rx = (t >> 1) & 1;
			const ry = (t ^ rx) & 1;
			if (ry === 0) {
				if (rx === 1) {
					x = s - 1 - x;
					y = s - 1 - y;
				}
				const tmp = x;
				x = y;
				y = tmp;
			}
			x += s * rx;
			y += s * ry;
			t >>= 2;
		}
		xs[d] = x;
		ys[d] = y;
	}
	return [xs, ys];
}

// The cell at [x, y] of a 2^order square.
export function xyCell(order, x, y)
{
	return xy2d(2 ** order, x, y);
}

// The square that block b of the 4^level blocks of a 2^order map covers
// (block b: the cells b * 4^(order - level) .. (b + 1) * 4^(order - level)
// - 1, i.e. sub-prefix b at level * 2 bits): {x, y, size} in cells. The
// Hilbert curve of order `order`, seen in blocks, is the curve of order
// `level`, so each block is a square.
export function blockSquare(order, level, b)
{
	const size = 2 ** (order - level);
	const [x, y] = d2xy(2 ** level, b);
	return {x: x * size, y: y * size, size};
}

// The prefixes from the top of the family down to p in steps of `step`
// bits (for breadcrumbs): 0.0.0.0/0, 10.0.0.0/8, 10.1.0.0/16 ..., ending
// with p itself.
export function breadcrumbs(p, step = 8)
{
	const out = [];
	for (let len = 0; len < p.len; len += step)
		out.push(parentPrefix(p, len));
	out.push(p);
	return out;
}
