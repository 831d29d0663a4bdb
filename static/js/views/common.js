// common.js: what the graph, edge bundle and hive plot views share: the
// colours of SPEC 7 (lib/colors.js), the value switch's counter names, and
// the shaping of the API's node index and host-pair aggregate into hosts
// and links. Pure functions (no DOM, no d3), tested under node.

import {parseAddr, compareAddr, OTHERS} from '../lib/prefix.js';
import {PROTO_CLASSES, PROTO_COLORS, timeColor as relativeTimeColor} from '../lib/colors.js';

export {PROTO_COLORS};
export const PROTOS = PROTO_CLASSES;
// The "others" super-node and leaf, which has no protocol of its own.
export const OTHERS_COLOR = 'rgb(150,150,150)';

// The value switch's names to the API's counter names; the counter names
// themselves are accepted too.
const FIELDS = {
	flows: 'flows',
	packets: 'packetDeltaCount',
	bytes: 'octetDeltaCount',
	packetDeltaCount: 'packetDeltaCount',
	octetDeltaCount: 'octetDeltaCount',
};

// The counter field for a value name; unknown names mean flows.
export function valueField(value)
{
	return FIELDS[value] || 'flows';
}

// The colour of a link last seen at time t, for links seen in [t0, t1]:
// lib/colors.js's scale from early (faint green) to late (red). A single
// instant (t0 == t1) is late: what is shown is the latest there is.
export function timeColor(t, t0, t1)
{
	return relativeTimeColor(t1 > t0 ? (t - t0) / (t1 - t0) : 1);
}

// The protocol class carrying most of a row's value (ties in PROTOS order),
// or null when the row has no class objects or they are all zero.
export function dominantProto(row, field)
{
	let best = null;
	let bestValue = 0;
	for (const p of PROTOS) {
		const v = row[p] ? Number(row[p][field]) || 0 : 0;
		if (v > bestValue) {
			best = p;
			bestValue = v;
		}
	}
	return best;
}

// The source and destination addresses of a query row: IPv4 as integers
// under the IPv4 keys, IPv6 as text under the IPv6 keys (fcgi/API.md).
export function rowSource(row, parse = parseAddr)
{
	return parse(row.sourceIPv4Address ?? row.sourceIPv6Address);
}

export function rowDest(row, parse = parseAddr)
{
	return parse(row.destinationIPv4Address ?? row.destinationIPv6Address);
}

// parseAddr remembering its answers: an aggregate names each host many
// times, and parsing IPv6 text is the costly part of shaping one.
function memoParse()
{
	const memo = new Map();
	return (v) => {
		let a = memo.get(v);
		if (a === undefined) {
			a = parseAddr(v);
			memo.set(v, a);
		}
		return a;
	};
}

// Hosts from a node index answer ({totalCounter, results}): the `limit`
// largest by the value's counter (ties by address), each {key, addr, value,
// proto, row}. others: the value of every host not shown, from the index's
// rule that its rows add up to twice totalCounter; 0 when all are shown.
// Rows whose id is not an address are skipped and counted in `bad`.
export function shapeHosts(index, opts = {})
{
	const field = valueField(opts.value);
	const limit = opts.limit > 0 ? opts.limit : Infinity;
	const all = [];
	let bad = 0;
	let sum = 0;
	for (const row of (index && index.results) || []) {
		const addr = parseAddr(row.id);
		if (addr === null) {
			bad++;
			continue;
		}
		const value = Number(row[field]) || 0;
		sum += value;
		all.push({key: addr.key, addr, value, proto: dominantProto(row, field), row});
	}
	all.sort((a, b) => b.value - a.value || compareAddr(a.addr, b.addr));
	const hosts = all.slice(0, limit);
	const shownSum = hosts.reduce((s, h) => s + h.value, 0);
	const total = index && index.totalCounter ? Number(index.totalCounter[field]) || 0 : 0;
	// Without totalCounter (an old answer), what the answer listed is all
	// there is to count.
	const grand = index && index.totalCounter ? 2 * total : sum;
	const others = Math.max(0, grand - shownSum);
	return {hosts, others, bad, listed: all.length};
}

// Links from a host-pair aggregate answer (rows with source, destination,
// counters and, with fields=bucket, the last bucket of the pair), between
// the hosts of `shown` (a Set of keys). With opts.others, an endpoint not
// shown becomes OTHERS and the pairs that then coincide are summed;
// without it such rows are dropped. Pairs within OTHERS and from a host to
// itself are dropped (neither can be drawn as a link).
// Returns {links: [{key, source, target, value, last, proto}], otherHosts:
// the number of distinct hidden endpoints, dropped, time: [min, max] of
// `last` over the links (null when no link has a bucket)}.
export function shapeLinks(answer, shown, opts = {})
{
	const field = valueField(opts.value);
	const byPair = new Map();
	const hidden = new Set();
	let dropped = 0;
	const parse = memoParse();
	for (const row of (answer && answer.results) || []) {
		const s = rowSource(row, parse);
		const d = rowDest(row, parse);
		if (s === null || d === null) {
			dropped++;
			continue;
		}
		let sk = s.key;
		let dk = d.key;
		if (!shown.has(sk)) {
			hidden.add(sk);
			sk = OTHERS;
		}
		if (!shown.has(dk)) {
			hidden.add(dk);
			dk = OTHERS;
		}
		if (sk === dk || (!opts.others && (sk === OTHERS || dk === OTHERS))) {
			dropped++;
			continue;
		}
		const key = sk + '>' + dk;
		const value = Number(row[field]) || 0;
		const last = row.bucket === undefined ? null : Number(row.bucket);
		const link = byPair.get(key);
		if (link) {
			link.value += value;
			if (last !== null && (link.last === null || last > link.last))
				link.last = last;
			link.protoValues = addProtos(link.protoValues, row, field);
		} else {
			byPair.set(key, {key, source: sk, target: dk, value, last,
				protoValues: addProtos(null, row, field)});
		}
	}
	const links = [];
	let t0 = Infinity;
	let t1 = -Infinity;
	for (const l of byPair.values()) {
		l.proto = dominantProto(l.protoValues, field);
		delete l.protoValues;
		if (l.last !== null) {
			t0 = Math.min(t0, l.last);
			t1 = Math.max(t1, l.last);
		}
		links.push(l);
	}
	return {links, otherHosts: hidden.size, dropped, time: t0 <= t1 ? [t0, t1] : null};
}

function addProtos(acc, row, field)
{
	const out = acc || {};
	for (const p of PROTOS) {
		if (!out[p])
			out[p] = {[field]: 0};
		out[p][field] += row[p] ? Number(row[p][field]) || 0 : 0;
	}
	return out;
}

// Human-readable counter: 1234567 -> "1.23 M". For labels and tooltips
// of the views (the shell's number format is used where the page has it).
export function shortNumber(n)
{
	const units = ['', ' k', ' M', ' G', ' T', ' P'];
	let v = Number(n) || 0;
	let i = 0;
	while (Math.abs(v) >= 1000 && i < units.length - 1) {
		v /= 1000;
		i++;
	}
	const digits = i === 0 || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
	return v.toFixed(digits) + units[i];
}

// Page options come from the URL as text and may hold anything (a link can
// be edited by hand): each parser returns a valid value, the default when
// the text is absent or unreadable.

// An integer option, clamped to [min, max].
export function intOpt(text, min, max, def)
{
	if (text === undefined || text === null || !/^\s*-?[0-9]+\s*$/.test(String(text)))
		return def;
	return Math.max(min, Math.min(max, Number(text)));
}

// A decimal option, clamped to [min, max].
export function numOpt(text, min, max, def)
{
	if (text === undefined || text === null || String(text).trim() === '')
		return def;
	const n = Number(text);
	return Number.isFinite(n) ? Math.max(min, Math.min(max, n)) : def;
}

// One of the words of list.
export function enumOpt(text, list, def)
{
	return list.includes(text) ? text : def;
}

// A flag: 1/true/yes/on or 0/false/no/off.
export function boolOpt(text, def)
{
	const t = String(text ?? '').toLowerCase();
	if (['1', 'true', 'yes', 'on'].includes(t))
		return true;
	if (['0', 'false', 'no', 'off'].includes(t))
		return false;
	return def;
}
