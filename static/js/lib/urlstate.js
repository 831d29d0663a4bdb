// urlstate.js: the view state that the URL holds, as an object, and back.
// Pure (no DOM, no d3), so node's test runner checks it
// (tests/js/urlstate.test.mjs); static/js/state.js ties it to the browser's
// history. The state object:
//   from, to      the time range in UNIX seconds, [from, to): null = all data
//   bucket_size   a bucket size in seconds, or null to let the API choose
//   value         'flows' | 'packets' | 'bytes'
//   filters       {include_ips: [...], exclude_ips, include_ports,
//                  exclude_ports, include_protos, exclude_protos}: strings
//                  as the API takes them (the sidebar checks them first; a
//                  hand-made URL may hold bad ones, which the API answers
//                  with a 400 that the widgets show)
//   opts          {name: string}: every other URL parameter, the page's own
//                  options (layout, limit, sort, ...)
// In the URL the same names are used: ?from=..&to=..&bucket_size=..&value=..
// &include_ports=80,443&layout=hilbert; defaults are left out.

import {FILTER_KEYS} from './filters.js';
import {VALUES} from './format.js';

export const DEFAULT_VALUE = 'flows';
const COMMON_KEYS = ['from', 'to', 'bucket_size', 'value', ...FILTER_KEYS];

// An empty state: all data, the API's bucket size, flows, no filters.
export function emptyState()
{
	const filters = {};
	for (const k of FILTER_KEYS)
		filters[k] = [];
	return {from: null, to: null, bucket_size: null, value: DEFAULT_VALUE, filters, opts: {}};
}

function nonNegInt(text)
{
	if (typeof text !== 'string' || !/^\d{1,15}$/.test(text))
		return null;
	return Number(text);
}

// A query string ("?a=b&..." or "a=b", or URLSearchParams) to a state.
// Malformed common values are dropped (a from without a to, a range that
// ends before it starts, a value that is not one of the three); page
// options are kept as text for the page to judge.
export function parseState(search)
{
	const params = search instanceof URLSearchParams ? search : new URLSearchParams(search);
	const st = emptyState();
	const from = nonNegInt(params.get('from'));
	const to = nonNegInt(params.get('to'));
	if (from !== null && to !== null && from < to) {
		st.from = from;
		st.to = to;
	}
	const bs = nonNegInt(params.get('bucket_size'));
	if (bs !== null && bs > 0)
		st.bucket_size = bs;
	const value = params.get('value');
	if (VALUES.includes(value))
		st.value = value;
	for (const k of FILTER_KEYS) {
		const all = params.getAll(k).join(',');
		st.filters[k] = all.split(',').map(s => s.trim()).filter(s => s !== '');
	}
	for (const [k, v] of params) {
		if (!COMMON_KEYS.includes(k) && k !== '_' && !(k in st.opts))
			st.opts[k] = v;
	}
	return st;
}

// Like encodeURIComponent, but keeps the characters that are allowed in a
// query and make addresses and lists readable (, : /).
function enc(s)
{
	return encodeURIComponent(s).replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

// Only the time range, bucket size, value and filters (what every page
// shares): the query the top bar's links carry from page to page.
export function commonPairs(st)
{
	const pairs = [];
	if (st.from !== null && st.to !== null) {
		pairs.push(['from', String(st.from)]);
		pairs.push(['to', String(st.to)]);
	}
	if (st.bucket_size)
		pairs.push(['bucket_size', String(st.bucket_size)]);
	if (st.value && st.value !== DEFAULT_VALUE)
		pairs.push(['value', st.value]);
	for (const k of FILTER_KEYS) {
		if (st.filters[k] && st.filters[k].length)
			pairs.push([k, st.filters[k].join(',')]);
	}
	return pairs;
}

function toQuery(pairs)
{
	if (!pairs.length)
		return '';
	return '?' + pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

// A state to its query string ("" or "?..."), in a fixed order: the common
// keys, then the page options in the order they were set.
export function serializeState(st)
{
	const pairs = commonPairs(st);
	for (const [k, v] of Object.entries(st.opts || {})) {
		if (v !== null && v !== undefined && v !== '')
			pairs.push([k, String(v)]);
	}
	return toQuery(pairs);
}

// The common part alone, for links to another page.
export function serializeCommon(st)
{
	return toQuery(commonPairs(st));
}

// A new state: st with patch applied. Top-level keys replace; `filters` and
// `opts` are merged key by key, a null or undefined option removing it.
// {from: null, to: null} clears the time range.
export function mergeState(st, patch)
{
	const out = {
		...st,
		filters: {...st.filters},
		opts: {...st.opts},
	};
	for (const [k, v] of Object.entries(patch || {})) {
		if (k === 'filters') {
			for (const [fk, fv] of Object.entries(v || {})) {
				if (!FILTER_KEYS.includes(fk))
					throw new Error(`unknown filter ${fk}`);
				out.filters[fk] = fv ? [...fv] : [];
			}
		} else if (k === 'opts') {
			for (const [ok, ov] of Object.entries(v || {})) {
				if (ov === null || ov === undefined)
					delete out.opts[ok];
				else
					out.opts[ok] = String(ov);
			}
		} else if (['from', 'to', 'bucket_size', 'value'].includes(k)) {
			out[k] = v;
		} else {
			throw new Error(`unknown state key ${k}`);
		}
	}
	if (out.from === null || out.to === null || !(out.from < out.to)) {
		out.from = null;
		out.to = null;
	}
	if (!VALUES.includes(out.value))
		out.value = DEFAULT_VALUE;
	return out;
}

// The coarsest of sizes (seconds) whose buckets tile [from, to) exactly:
// it divides both ends. null when none does.
export function tilingSize(from, to, sizes)
{
	let best = null;
	for (const s of sizes || []) {
		if (s > 0 && from % s === 0 && to % s === 0 && to - from >= s && (best === null || s > best))
			best = s;
	}
	return best;
}

// The API parameters for a state (SPEC 6): start_bucket = from and
// end_bucket = to - 1, so exactly the buckets that start inside [from, to)
// are counted; bucket_size when one is chosen, else, for a range, the
// coarsest of sizes (the configured ones, from /api/meta) that tiles it,
// since the API on its own would take the coarsest size, whose buckets may
// start before from; the filters. Pass {filters: false}, {range: false} or
// {bucketSize: false} to leave a part out.
export function apiParams(st, {range = true, filters = true, bucketSize = true, sizes = null} = {})
{
	const p = {};
	const ranged = range && st.from !== null && st.to !== null;
	if (ranged) {
		p.start_bucket = st.from;
		p.end_bucket = st.to - 1;
	}
	if (bucketSize && st.bucket_size)
		p.bucket_size = st.bucket_size;
	else if (bucketSize && ranged && sizes) {
		const s = tilingSize(st.from, st.to, sizes);
		if (s)
			p.bucket_size = s;
	}
	if (filters) {
		for (const k of FILTER_KEYS) {
			if (st.filters[k] && st.filters[k].length)
				p[k] = st.filters[k].join(',');
		}
	}
	return p;
}

// True when a state has any filter.
export function hasFilters(st)
{
	return FILTER_KEYS.some(k => st.filters[k] && st.filters[k].length);
}
