// format.js: how the pages print numbers, byte counts, times (always UTC),
// addresses and protocols. Pure functions without d3 or the DOM, so node's
// test runner checks them (tests/js/format.test.mjs).

import {formatV4} from './addr.js';

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

// Three significant digits without trailing zeros: 1.5, 12.3, 123.
function sig3(x)
{
	const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
	return String(Number(x.toFixed(digits)));
}

// Scales x by step through the units; a value that rounds up to the next
// step (999.95 k) moves on to the next unit (1 M).
function scaled(x, step, units, sep)
{
	const sign = x < 0 ? '-' : '';
	let v = Math.abs(x);
	let i = 0;
	while (i < units.length - 1 && (v >= step || Number(sig3(v)) >= step)) {
		v /= step;
		i++;
	}
	return sign + sig3(v) + sep + units[i];
}

// A count (flows, packets) for axes and labels: 950, 1.2k, 3.45M. Counts
// below 1000 are printed whole (flows are fractional inside, but the API
// prints them rounded).
export function formatCount(n)
{
	if (n === null || n === undefined || !Number.isFinite(Number(n)))
		return '–';
	const x = Number(n);
	if (Math.abs(x) < 1000)
		return String(Math.round(x));
	return scaled(x, 1000, SI, '');
}

// A byte count in binary units: 512 B, 1.5 KiB, 23.4 MiB.
export function formatBytes(n)
{
	if (n === null || n === undefined || !Number.isFinite(Number(n)))
		return '–';
	const x = Number(n);
	if (Math.abs(x) < 1024)
		return `${Math.round(x)} B`;
	return scaled(x, 1024, IEC, ' ');
}

// Every digit, grouped by thousands with a thin space: 1 234 567 (tooltips).
export function formatExact(n)
{
	if (n === null || n === undefined || !Number.isFinite(Number(n)))
		return '–';
	const s = String(Math.round(Math.abs(Number(n))));
	const grouped = s.replace(/\B(?=(\d{3})+$)/g, '\u2009');
	return (Number(n) < 0 ? '-' : '') + grouped;
}

// The three values the pages switch between, and their API counter names.
export const VALUES = ['flows', 'packets', 'bytes'];
export const VALUE_FIELD = {flows: 'flows', packets: 'packetDeltaCount', bytes: 'octetDeltaCount'};

// A value of kind 'flows' | 'packets' | 'bytes', short form.
export function formatValue(n, value)
{
	return value === 'bytes' ? formatBytes(n) : formatCount(n);
}

// The value's name with its unit, for axis titles and tooltips.
export function valueLabel(value)
{
	return {flows: 'flows', packets: 'packets', bytes: 'bytes'}[value] || String(value);
}

function pad2(n)
{
	return n < 10 ? `0${n}` : String(n);
}

// UNIX seconds to "2023-05-01 12:34:56 UTC" (seconds left out when zero).
export function formatTime(sec)
{
	if (sec === null || sec === undefined || !Number.isFinite(Number(sec)))
		return '–';
	const d = new Date(Number(sec) * 1000);
	let s = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
		`${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
	if (d.getUTCSeconds() !== 0)
		s += `:${pad2(d.getUTCSeconds())}`;
	return `${s} UTC`;
}

// A bucket's start as precise as its size needs: a day bucket is
// "2023-05-01 UTC", shorter ones carry the time of day.
export function formatBucket(sec, size)
{
	if (size >= 86400 && Number(sec) % 86400 === 0) {
		const d = new Date(Number(sec) * 1000);
		return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} UTC`;
	}
	return formatTime(sec);
}

// A length of time in seconds: 60 s, 10 min, 1 h, 1 d, 1 h 30 min.
export function formatDuration(sec)
{
	let s = Math.round(Number(sec));
	if (!Number.isFinite(s))
		return '–';
	if (s < 60)
		return `${s} s`;
	const parts = [];
	for (const [unit, len] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]]) {
		if (s >= len) {
			parts.push(`${Math.floor(s / len)} ${unit}`);
			s %= len;
		}
	}
	return parts.slice(0, 2).join(' ');
}

// "[from, to)" as text: "2023-05-01 12:00 – 14:00 UTC" within a day (to
// may be the next midnight), else both times in full.
export function formatRange(from, to)
{
	const a = formatTime(from).replace(/ UTC$/, '');
	const b = formatTime(to).replace(/ UTC$/, '');
	if (Number(to) - Number(from) <= 86400 && a.slice(0, 10) === formatTime(Number(to) - 1).slice(0, 10))
		return `${a} – ${b.slice(11) === '00:00' && a.slice(0, 10) !== b.slice(0, 10) ? '24:00' : b.slice(11)} UTC`;
	return `${a} – ${b} UTC`;
}

// An address as the API gives it: IPv4 as an integer, IPv6 as text.
export function formatAddress(id)
{
	if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0xffffffff)
		return formatV4(id);
	return String(id);
}

// The source and destination address of a flow row (IPv4 or IPv6 keys).
export function rowSource(row)
{
	return row.sourceIPv4Address ?? row.sourceIPv6Address;
}

export function rowDestination(row)
{
	return row.destinationIPv4Address ?? row.destinationIPv6Address;
}

const PROTO_NAMES = {
	1: 'icmp', 2: 'igmp', 4: 'ipip', 6: 'tcp', 17: 'udp', 33: 'dccp', 41: 'ipv6',
	47: 'gre', 50: 'esp', 51: 'ah', 58: 'ipv6-icmp', 89: 'ospf', 103: 'pim',
	112: 'vrrp', 132: 'sctp', 136: 'udplite',
};

// An IP protocol number as its name (tcp, udp, ...), else the number.
export function protoName(n)
{
	return PROTO_NAMES[n] || String(n);
}

// The protocol class the API splits counters by (SPEC 6): icmp is 1 and 58.
export function protoClass(n)
{
	if (n === 6)
		return 'tcp';
	if (n === 17)
		return 'udp';
	if (n === 1 || n === 58)
		return 'icmp';
	return 'other';
}

// An axis tick's label for a time axis spanning span seconds, in UTC and
// 24-hour time: "14:30" within a day, "05-01 14:30" within a few days,
// else "2024-05-01".
export function formatTick(date, span)
{
	const d = date instanceof Date ? date : new Date(Number(date) * 1000);
	const day = `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
	const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
	if (span <= 86400)
		return hm;
	if (span <= 4 * 86400)
		return hm === '00:00' ? day : `${day} ${hm}`;
	return `${d.getUTCFullYear()}-${day}`;
}
