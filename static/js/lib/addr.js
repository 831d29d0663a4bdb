// addr.js: the one parser and printer of IPv4 and IPv6 addresses and CIDR
// prefixes for every page. It accepts exactly what the responder accepts
// (lib/fi_addr.c: fi_addr_parse, fi_prefix_parse), so an entry the pages
// take is never a 400, and the reverse. Pure: node tests it against the
// table tests/cases/addr/table.txt, which a C test checks against lib/.
//
// The rule (the responder's, written out):
// - Dotted IPv4: four decimal parts 0-255 without leading zeros, as
//   inet_pton reads them ("010.0.0.1" is 8.0.0.1 to tools that read octal,
//   so it is refused rather than guessed).
// - IPv6: RFC 4291 text as inet_pton reads it: eight groups of 1-4 hex
//   digits (any case), or fewer with "::" once standing for at least one
//   zero group; the last 32 bits may be a dotted IPv4 tail, which (inet_pton's
//   rule) takes no leading zeros. No zone ids, no spaces, no brackets.
// - With opts.int, a decimal integer 0-4294967295 is an IPv4 address (the
//   API's own form); never with a prefix length.
// - At most 63 characters before the "/" (the responder's buffer).
// - An IPv6 text inside ::ffff:0:0/96 is that IPv4 address: the database
//   keeps IPv4 there, so "::ffff:10.0.0.1" and "10.0.0.1" are one host.
// - CIDR "address/length": the length is decimal, 0-32 after an address
//   written as dotted IPv4 and 0-128 after one written as IPv6 (counted in
//   128 bits, so "::ffff:10.0.0.0/104" is 10.0.0.0/8). Host bits past the
//   length are cleared, and reported (hostBits) for callers that refuse them.
//
// Values: n is the 128-bit BigInt with IPv4 mapped into ::ffff:0:0/96 (the
// database's order); v is 4 or 6.

export const MAPPED = 0xffffn << 32n;
const ALL128 = (1n << 128n) - 1n;
const MAX_V4 = 4294967295;
// The longest address text the responder reads (FI_ADDR_TEXT_MAX - 1 in
// lib/fi_limits.h); only an integer with many leading zeros comes near it.
const TEXT_MAX = 63;

// Dotted quad to its integer, or null (a whole address or an IPv6
// address's dotted tail: the same rule).
function parseQuad(text)
{
	const part = /^(0|[1-9][0-9]{0,2})$/;
	const parts = text.split('.');
	if (parts.length !== 4)
		return null;
	let n = 0;
	for (const p of parts) {
		if (!part.test(p) || Number(p) > 255)
			return null;
		n = n * 256 + Number(p);
	}
	return n;
}

// Dotted IPv4 text to its integer (0 to 2^32 - 1), or null.
export function parseV4(text)
{
	return typeof text === 'string' ? parseQuad(text) : null;
}

// IPv6 text to its 128-bit BigInt, or null. An IPv4-mapped address stays
// IPv6 here; parseIP makes it IPv4.
export function parseV6(text)
{
	if (typeof text !== 'string' || !/^[0-9A-Fa-f:.]+$/.test(text))
		return null;
	const halves = text.split('::');
	if (halves.length > 2)
		return null;
	// The groups of one side of "::"; last: the side that ends the text,
	// the only place a dotted tail may stand.
	const groups = (s, last) => {
		if (s === '')
			return [];
		const out = [];
		const parts = s.split(':');
		for (let i = 0; i < parts.length; i++) {
			const p = parts[i];
			if (last && i === parts.length - 1 && p.includes('.')) {
				const q = parseQuad(p);
				if (q === null)
					return null;
				out.push(Math.floor(q / 65536), q % 65536);
			} else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) {
				out.push(parseInt(p, 16));
			} else {
				return null;
			}
		}
		return out;
	};
	const head = groups(halves[0], halves.length === 1);
	const tail = halves.length === 2 ? groups(halves[1], true) : [];
	if (head === null || tail === null)
		return null;
	const gap = 8 - head.length - tail.length;
	if (halves.length === 2 ? gap < 1 : gap !== 0)
		return null;
	let n = 0n;
	for (const g of [...head, ...new Array(halves.length === 2 ? gap : 0).fill(0), ...tail])
		n = (n << 16n) | BigInt(g);
	return n;
}

// Whether a 128-bit value is an IPv4 address (inside ::ffff:0:0/96).
export function isMapped(n)
{
	return (n >> 32n) === 0xffffn;
}

// An IPv4 integer as its 128-bit value.
export function fromV4(int)
{
	return MAPPED | BigInt(int);
}

// Address text (dotted IPv4, IPv6; with opts.int also an IPv4 integer) to
// {v, n}, or null. No surrounding spaces: callers trim what users type.
export function parseIP(text, opts = {})
{
	if (typeof text !== 'string' || text.length > TEXT_MAX)
		return null;
	if (text.includes(':')) {
		const n = parseV6(text);
		if (n === null)
			return null;
		return {v: isMapped(n) ? 4 : 6, n};
	}
	if (text.includes('.')) {
		const q = parseQuad(text);
		return q === null ? null : {v: 4, n: fromV4(q)};
	}
	if (opts.int && /^[0-9]+$/.test(text) && Number(text) <= MAX_V4)
		return {v: 4, n: fromV4(Number(text))};
	return null;
}

// The mask of the top `bits` bits of 128.
export function mask128(bits)
{
	return bits <= 0 ? 0n : (ALL128 >> BigInt(128 - bits)) << BigInt(128 - bits);
}

// "address/length" or a bare address (a full-length prefix) to {v, n, len,
// bits, hostBits}: n the network (host bits cleared), bits the length in
// 128 bits, len in the family (bits - 96 for IPv4), hostBits whether the
// text had bits set past its length. opts.int: a bare IPv4 integer is taken;
// opts.bare === false: the length is required. On failure {error:
// 'address'} or {error: 'length', max} (max: 32 or 128, as the address is
// written).
export function parseCidr(text, opts = {})
{
	if (typeof text !== 'string')
		return {error: 'address'};
	const slash = text.indexOf('/');
	const host = slash < 0 ? text : text.slice(0, slash);
	const a = parseIP(host, {int: opts.int && slash < 0});
	if (a === null)
		return {error: 'address'};
	const max = a.v === 4 && !host.includes(':') ? 32 : 128;
	let bits = 128;
	if (slash >= 0) {
		const l = text.slice(slash + 1);
		if (!/^[0-9]+$/.test(l) || Number(l) > max)
			return {error: 'length', max};
		bits = Number(l) + 128 - max;
	} else if (opts.bare === false) {
		return {error: 'length', max};
	}
	const n = a.n & mask128(bits);
	const v = bits >= 96 && isMapped(n) ? 4 : 6;
	return {v, n, len: v === 4 ? bits - 96 : bits, bits, hostBits: n !== a.n};
}

// An IPv4 integer as dotted text.
export function formatV4(int)
{
	return [int >>> 24, (int >>> 16) & 255, (int >>> 8) & 255, int & 255].join('.');
}

// 128-bit value to RFC 5952 text: lower case, no leading zeros, the longest
// run of two or more zero groups (the first of equal runs) as '::'. (glibc's
// inet_ntop, which the responder prints with, writes ::/96 addresses such as
// ::1.2.3.4 with a dotted tail; this writes ::102:304, the same address.)
export function formatV6(n)
{
	const g = [];
	for (let i = 7; i >= 0; i--)
		g.push(Number((n >> BigInt(16 * i)) & 0xffffn));
	let best = -1;
	let bestLen = 1;
	for (let i = 0; i < 8;) {
		if (g[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && g[j] === 0)
			j++;
		if (j - i > bestLen) {
			best = i;
			bestLen = j - i;
		}
		i = j;
	}
	const hex = (a) => a.map((x) => x.toString(16)).join(':');
	if (best < 0)
		return hex(g);
	return hex(g.slice(0, best)) + '::' + hex(g.slice(best + bestLen));
}

// The canonical text of a 128-bit value: dotted IPv4 for a mapped address,
// RFC 5952 IPv6 otherwise (the one name a host has in every view).
export function formatIP(n)
{
	return isMapped(n) ? formatV4(Number(n & 0xffffffffn)) : formatV6(n);
}

// The text of a prefix from parseCidr: "10.0.0.0/8", "2001:db8::/32".
export function formatCidr(p)
{
	return `${formatIP(p.n)}/${p.len}`;
}
