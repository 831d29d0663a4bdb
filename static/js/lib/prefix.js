// prefix.js: host addresses in the forms the API prints (IPv4 as an integer,
// IPv6 as text), CIDR prefixes, and the prefix hierarchy the edge bundle lays
// its hosts out by. Pure functions, no DOM and no d3: node tests them.
//
// An address is {v: 4 | 6, n: BigInt, key: text}: n is the 128-bit value with
// IPv4 mapped into ::ffff:0:0/96, as the database stores it, so IPv4 and IPv6
// sort and match prefixes alike; key is the canonical text (dotted IPv4,
// RFC 5952 IPv6), the one name a host has in every view.

const MAPPED = 0xffffn << 32n;
const ALL128 = (1n << 128n) - 1n;

// The prefix lengths of the edge bundle's grouping levels, coarse to fine.
// IPv4: /8 -> /16 -> /24 (SPEC 7). IPv6: /32 -> /48 -> /64, the usual
// allocation sizes (a provider's block, a site, a subnet), so hosts of one
// LAN share their finest group as IPv4 hosts of one /24 do.
export const LEVELS = {4: [8, 16, 24], 6: [32, 48, 64]};

// The key of the leaf that stands for every host not shown.
export const OTHERS = 'others';

function v4(n)
{
	return {v: 4, n: MAPPED | BigInt(n), key: formatV4(n)};
}

function formatV4(n)
{
	return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

// Dotted quad to its integer, or -1. Decimal parts 0-255, no leading zeros
// (an octal reading of them is a classic ambiguity).
function parseV4(text)
{
	const parts = text.split('.');
	if (parts.length !== 4)
		return -1;
	let n = 0;
	for (const p of parts) {
		if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)
			return -1;
		n = n * 256 + Number(p);
	}
	return n;
}

// IPv6 text to its BigInt, or null. Takes '::' once and a dotted IPv4 tail.
function parseV6(text)
{
	if (!/^[0-9a-fA-F:.]+$/.test(text))
		return null;
	const halves = text.split('::');
	if (halves.length > 2)
		return null;
	const groups = (s) => {
		if (s === '')
			return [];
		const out = [];
		const parts = s.split(':');
		for (let i = 0; i < parts.length; i++) {
			const p = parts[i];
			if (i === parts.length - 1 && p.includes('.')) {
				const q = parseV4(p);
				if (q < 0)
					return null;
				out.push(q >>> 16, q & 0xffff);
			} else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
				out.push(parseInt(p, 16));
			} else {
				return null;
			}
		}
		return out;
	};
	const head = groups(halves[0]);
	const tail = halves.length === 2 ? groups(halves[1]) : [];
	if (head === null || tail === null)
		return null;
	// A dotted tail is only allowed at the very end.
	if (halves.length === 2 && halves[0].includes('.'))
		return null;
	let all;
	if (halves.length === 2) {
		const gap = 8 - head.length - tail.length;
		if (gap < 1)
			return null;
		all = head.concat(new Array(gap).fill(0), tail);
	} else {
		all = head;
	}
	if (all.length !== 8)
		return null;
	let n = 0n;
	for (const g of all)
		n = (n << 16n) | BigInt(g);
	return n;
}

// 128-bit value to RFC 5952 text: lower case, no leading zeros, the longest
// run of two or more zero groups (the first of equal runs) as '::'.
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

function fromBig(n)
{
	if ((n >> 32n) === 0xffffn)
		return v4(Number(n & 0xffffffffn));
	return {v: 6, n, key: formatV6(n)};
}

// An address as the API gives it (integer IPv4, or text: IPv6, dotted IPv4,
// a decimal integer) to {v, n, key}; null when it is none of these. An
// IPv4-mapped IPv6 text is IPv4, as the database sees it.
export function parseAddr(value)
{
	if (typeof value === 'number') {
		if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
			return null;
		return v4(value);
	}
	if (typeof value !== 'string')
		return null;
	if (/^[0-9]+$/.test(value)) {
		const n = Number(value);
		return n <= 0xffffffff ? v4(n) : null;
	}
	const q = parseV4(value);
	if (q >= 0)
		return v4(q);
	const n = parseV6(value);
	return n === null ? null : fromBig(n);
}

// Orders addresses by their 128-bit value (every IPv4 before global IPv6).
export function compareAddr(a, b)
{
	return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

// The mask of the top `bits` bits of 128.
function mask128(bits)
{
	return bits <= 0 ? 0n : (ALL128 >> BigInt(128 - bits)) << BigInt(128 - bits);
}

// The prefix of length len (in the address's own family: 0-32 for IPv4,
// 0-128 for IPv6) holding addr, as text "10.1.0.0/16" or "2001:db8::/32".
export function prefixKey(addr, len)
{
	const bits = addr.v === 4 ? 96 + len : len;
	const net = fromBig(addr.n & mask128(bits) | (addr.v === 4 ? MAPPED : 0n));
	return `${net.key}/${len}`;
}

// A CIDR prefix or a single address as a user types it. Returns
// {v, n, len, bits, key} (len in the family, bits over 128, n the network
// with host bits cleared) or {error: message}. Host bits set are cleared:
// "10.1.2.3/8" is 10.0.0.0/8.
export function parseCidr(text)
{
	const t = String(text).trim();
	const slash = t.indexOf('/');
	const addrText = slash < 0 ? t : t.slice(0, slash);
	const a = parseAddr(addrText);
	if (a === null || /^[0-9]+$/.test(addrText))
		return {error: `"${t}" is not an IPv4 or IPv6 address or prefix.`};
	const max = a.v === 4 ? 32 : 128;
	let len = max;
	if (slash >= 0) {
		const l = t.slice(slash + 1);
		if (!/^[0-9]{1,3}$/.test(l) || Number(l) > max)
			return {error: `"${t}": the prefix length must be 0 to ${max}.`};
		len = Number(l);
	}
	const bits = a.v === 4 ? 96 + len : len;
	const n = (a.n & mask128(bits)) | (a.v === 4 ? MAPPED : 0n);
	return {v: a.v, n, len, bits, key: `${fromBig(n).key}/${len}`};
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
