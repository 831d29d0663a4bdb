// filters.js: checks the filter sidebar's entries (addresses and CIDR
// prefixes of IPv4 and IPv6, ports, protocols) before they go into the URL,
// with a message per bad entry, using the rules of the API (fcgi/API.md).
// Pure, without the DOM: tests/js/filters.test.mjs runs it under node.

// The six filter lists, named as the API's parameters (and the URL's).
export const FILTER_KEYS = ['include_ips', 'exclude_ips', 'include_ports', 'exclude_ports',
	'include_protos', 'exclude_protos'];

// The API takes at most this many items per list (FI_QUERY_ITEMS_MAX).
export const MAX_ITEMS = 1024;

export const PROTO_WORDS = ['tcp', 'udp', 'icmp', 'other'];

// Dotted IPv4 "a.b.c.d", each part 0-255 in decimal; null when it is not one.
export function parseIPv4(text)
{
	const parts = text.split('.');
	if (parts.length !== 4)
		return null;
	const bytes = [];
	for (const p of parts) {
		if (!/^\d{1,3}$/.test(p) || Number(p) > 255)
			return null;
		bytes.push(Number(p));
	}
	return bytes;
}

// IPv6 text (RFC 4291 forms: "::" once, 1-4 hex digits a group, an IPv4
// tail) to its 8 groups; null when it is not one. Zone ids are not taken.
export function parseIPv6(text)
{
	if (!/^[0-9a-fA-F:.]+$/.test(text))
		return null;
	const halves = text.split('::');
	if (halves.length > 2)
		return null;
	const groups = (half) => {
		if (half === '')
			return [];
		const out = [];
		const items = half.split(':');
		for (let i = 0; i < items.length; i++) {
			const it = items[i];
			if (it.includes('.')) {
				// an IPv4 tail, only as the very last item
				if (i !== items.length - 1)
					return null;
				const v4 = parseIPv4(it);
				if (!v4)
					return null;
				out.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
			} else if (/^[0-9a-fA-F]{1,4}$/.test(it)) {
				out.push(parseInt(it, 16));
			} else {
				return null;
			}
		}
		return out;
	};
	const head = groups(halves[0]);
	if (!head)
		return null;
	if (halves.length === 1)
		return head.length === 8 ? head : null;
	const tail = groups(halves[1]);
	if (!tail || head.length + tail.length > 7)
		return null;
	if (halves[0].includes('.'))
		return null; // an IPv4 tail before "::"
	return [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
}

// One address filter entry: integer IPv4, dotted IPv4, IPv6, or a CIDR
// prefix of either. Returns {ok: true, value} (the entry as the URL keeps
// it) or {ok: false, error}.
export function checkAddress(entry)
{
	const text = entry.trim();
	if (text === '')
		return {ok: false, error: 'empty address'};
	const slash = text.indexOf('/');
	const addr = slash < 0 ? text : text.slice(0, slash);
	const len = slash < 0 ? null : text.slice(slash + 1);
	let bits;
	if (/^\d+$/.test(addr)) {
		if (Number(addr) > 4294967295)
			return {ok: false, error: `"${text}": an integer IPv4 address is at most 4294967295`};
		bits = 32;
	} else if (addr.includes(':')) {
		if (!parseIPv6(addr))
			return {ok: false, error: `"${text}" is not an IPv6 address`};
		bits = 128;
	} else if (parseIPv4(addr)) {
		bits = 32;
	} else {
		return {ok: false, error: `"${text}" is not an IPv4 or IPv6 address`};
	}
	if (len !== null) {
		if (!/^\d{1,3}$/.test(len) || Number(len) > bits)
			return {ok: false, error: `"${text}": the prefix length must be 0 to ${bits}`};
		return {ok: true, value: `${addr.toLowerCase()}/${Number(len)}`};
	}
	return {ok: true, value: addr.toLowerCase()};
}

// One port: an integer 0-65535.
export function checkPort(entry)
{
	const text = entry.trim();
	if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
		return {ok: false, error: `"${text}" is not a port (0 to 65535)`};
	return {ok: true, value: String(Number(text))};
}

// One protocol: tcp, udp, icmp, other (any case) or a number 0-255.
export function checkProto(entry)
{
	const text = entry.trim().toLowerCase();
	if (PROTO_WORDS.includes(text))
		return {ok: true, value: text};
	if (/^\d{1,3}$/.test(text) && Number(text) <= 255)
		return {ok: true, value: String(Number(text))};
	return {ok: false, error: `"${entry.trim()}" is not a protocol (tcp, udp, icmp, other or 0 to 255)`};
}

const CHECKS = {ips: checkAddress, ports: checkPort, protos: checkProto};

// The kind ('ips', 'ports', 'protos') of a filter key such as include_ports.
export function filterKind(key)
{
	return key.slice(key.indexOf('_') + 1);
}

// A list as typed (entries split by commas, spaces or new lines) to
// {values, errors}: the good entries without repeats, and a message for
// each bad one. kind is 'ips', 'ports' or 'protos'.
export function parseFilterList(kind, text)
{
	const check = CHECKS[kind];
	if (!check)
		throw new Error(`unknown filter kind ${kind}`);
	const values = [];
	const errors = [];
	for (const item of String(text).split(/[\s,]+/)) {
		if (item === '')
			continue;
		const r = check(item);
		if (!r.ok)
			errors.push(r.error);
		else if (!values.includes(r.value))
			values.push(r.value);
	}
	if (values.length > MAX_ITEMS)
		errors.push(`at most ${MAX_ITEMS} entries per list (${values.length} given)`);
	return {values, errors};
}
