// filters.js: checks the filter sidebar's entries (addresses and CIDR
// prefixes of IPv4 and IPv6, ports, protocols) before they go into the URL,
// with a message per bad entry, using the rules of the API (fcgi/API.md).
// Pure, without the DOM: tests/js/filters.test.mjs runs it under node.

import {parseCidr} from './addr.js';

// The six filter lists, named as the API's parameters (and the URL's).
export const FILTER_KEYS = ['include_ips', 'exclude_ips', 'include_ports', 'exclude_ports',
	'include_protos', 'exclude_protos'];

// The API takes at most this many items per list (FI_QUERY_ITEMS_MAX).
export const MAX_ITEMS = 1024;

export const PROTO_WORDS = ['tcp', 'udp', 'icmp', 'other'];

// One address filter entry: integer IPv4, dotted IPv4, IPv6, or a CIDR
// prefix of either, by addr.js's rule (the responder's, so the API takes
// every entry that passes). Returns {ok: true, value} (the entry as the URL
// keeps it) or {ok: false, error}.
export function checkAddress(entry)
{
	const text = entry.trim();
	if (text === '')
		return {ok: false, error: 'empty address'};
	const slash = text.indexOf('/');
	const addr = slash < 0 ? text : text.slice(0, slash);
	const p = parseCidr(text, {int: true});
	if (p.error === 'address') {
		if (/^\d+$/.test(addr) && slash >= 0)
			return {ok: false, error: `"${text}": an integer IPv4 address takes no prefix length`};
		if (/^\d+$/.test(addr))
			return {ok: false, error: `"${text}": an integer IPv4 address is at most 4294967295`};
		if (addr.includes(':'))
			return {ok: false, error: `"${text}" is not an IPv6 address`};
		return {ok: false, error: `"${text}" is not an IPv4 or IPv6 address`};
	}
	if (p.error)
		return {ok: false, error: `"${text}": the prefix length must be 0 to ${p.max}`};
	if (slash >= 0)
		return {ok: true, value: `${addr.toLowerCase()}/${Number(text.slice(slash + 1))}`};
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
