// prefix.js: host addresses in the forms the API prints (IPv4 as an integer,
// IPv6 as text), CIDR prefixes, and the prefix hierarchy the edge bundle lays
// its hosts out by. Pure functions, no DOM and no d3: node tests them.
//
// An address is {v: 4 | 6, n: BigInt, key: text}: n is the 128-bit value with
// IPv4 mapped into ::ffff:0:0/96, as the database stores it, so IPv4 and IPv6
// sort and match prefixes alike; key is the canonical text (dotted IPv4,
// RFC 5952 IPv6), the one name a host has in every view. Parsing and
// printing are addr.js's.

import {MAPPED, fromV4, formatIP, isMapped, mask128, parseCidr as parseText,
	parseIP} from './addr.js';

// The prefix lengths of the edge bundle's grouping levels, coarse to fine.
// IPv4: /8 -> /16 -> /24 (SPEC 7). IPv6: /32 -> /48 -> /64, the usual
// allocation sizes (a provider's block, a site, a subnet), so hosts of one
// LAN share their finest group as IPv4 hosts of one /24 do.
export const LEVELS = {4: [8, 16, 24], 6: [32, 48, 64]};

// The key of the leaf that stands for every host not shown.
export const OTHERS = 'others';

function fromBig(n)
{
	return {v: isMapped(n) ? 4 : 6, n, key: formatIP(n)};
}

// An address as the API gives it (integer IPv4, or text: IPv6, dotted IPv4,
// a decimal integer) to {v, n, key}; null when it is none of these. Text
// follows addr.js's rule (the responder's); an IPv4-mapped IPv6 text is
// IPv4, as the database sees it.
export function parseAddr(value)
{
	if (typeof value === 'number') {
		if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
			return null;
		return fromBig(fromV4(value));
	}
	const a = parseIP(value, {int: true});
	return a === null ? null : fromBig(a.n);
}

// Orders addresses by their 128-bit value (every IPv4 before global IPv6).
export function compareAddr(a, b)
{
	return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

// The prefix of length len (in the address's own family: 0-32 for IPv4,
// 0-128 for IPv6) holding addr, as text "10.1.0.0/16" or "2001:db8::/32".
export function prefixKey(addr, len)
{
	const bits = addr.v === 4 ? 96 + len : len;
	const net = fromBig(addr.n & mask128(bits) | (addr.v === 4 ? MAPPED : 0n));
	return `${net.key}/${len}`;
}

// A CIDR prefix or a single address as a user types it (no IPv4
// integers). Returns {v, n, len, bits, key} (len in the family, bits over
// 128, n the network with host bits cleared) or {error: message}. Host bits
// set are cleared: "10.1.2.3/8" is 10.0.0.0/8. A length after an address
// written as IPv6 counts in 128 bits: "::ffff:10.0.0.0/104" is 10.0.0.0/8.
export function parseCidr(text)
{
	const t = String(text).trim();
	const p = parseText(t);
	if (p.error === 'length')
		return {error: `"${t}": the prefix length must be 0 to ${p.max}.`};
	if (p.error)
		return {error: `"${t}" is not an IPv4 or IPv6 address or prefix.`};
	return {v: p.v, n: p.n, len: p.len, bits: p.bits, key: `${formatIP(p.n)}/${p.len}`};
}

// Parses a comma or whitespace separated list of prefixes. Returns
// {prefixes: [...], errors: [messages]}; an empty list is no prefixes.
export function parseCidrList(text)
{
	const prefixes = [];
	const errors = [];
	for (const item of String(text || '').split(/[\s,]+/)) {
		if (item === '')
			continue;
		const p = parseCidr(item);
		if (p.error)
			errors.push(p.error);
		else
			prefixes.push(p);
	}
	return {prefixes, errors};
}

// Whether prefix p (from parseCidr) holds addr. An IPv4 prefix never holds
// an IPv6 address and the reverse, also for ::/0 (0.0.0.0/0 is IPv4 only).
export function cidrContains(p, addr)
{
	if (p.v !== addr.v)
		return false;
	return (addr.n & mask128(p.bits)) === p.n;
}

// Builds the tree the edge bundle clusters: root -> prefix groups (levels
// of LEVELS, 0 to 3 of them, coarse to fine) -> host leaves in address
// order, then an "others" leaf when given.
//
// hosts: [{addr, value, ...}] (each kept as the leaf's `host`); the caller
// has chosen which hosts are shown. opts.levels: how many grouping levels
// (default 3); opts.others: null, or {value, count} for the "others" leaf.
// Returns {key: 'root', children}; a group is {key: 'g:<prefix>', name,
// depth, value, children}; a leaf {key: <address>, name, host, value}; the
// others leaf {key: OTHERS, name, others: true, value, count}. Group values
// are the sums of their hosts'. Keys are unique in the tree.
export function buildHierarchy(hosts, opts = {})
{
	const levels = Math.max(0, Math.min(3, opts.levels ?? 3));
	const sorted = hosts.slice().sort((a, b) => compareAddr(a.addr, b.addr));
	const root = {key: 'root', name: '', depth: 0, value: 0, children: []};
	// Hosts arrive in address order, so each group is the last child made
	// at its depth when it is still open.
	for (const h of sorted) {
		let parent = root;
		for (let l = 0; l < levels; l++) {
			const pk = prefixKey(h.addr, LEVELS[h.addr.v][l]);
			const last = parent.children[parent.children.length - 1];
			let g;
			if (last && last.key === 'g:' + pk) {
				g = last;
			} else {
				g = {key: 'g:' + pk, name: pk, depth: l + 1, value: 0, children: []};
				parent.children.push(g);
			}
			g.value += h.value;
			parent = g;
		}
		parent.children.push({key: h.addr.key, name: h.addr.key, host: h, value: h.value});
		root.value += h.value;
	}
	if (opts.others) {
		root.children.push({key: OTHERS, name: OTHERS, others: true,
			value: opts.others.value, count: opts.others.count});
		root.value += opts.others.value;
	}
	return root;
}

// The groups of a tree from buildHierarchy (every node with children but the
// root), depth first in drawing order.
export function groupsOf(tree)
{
	const out = [];
	const walk = (node) => {
		for (const c of node.children || []) {
			if (c.children) {
				out.push(c);
				walk(c);
			}
		}
	};
	walk(tree);
	return out;
}
