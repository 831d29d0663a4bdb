// geomap.js: the pure parts of the world map page (/geo): the colour of a
// value on the log scale, the names of /api/geo's groups, which groups the
// map cannot show (no shape, too small to point at, local and unknown), the
// lines about the databases and their credit, and a country's hosts as an
// include_ips list that the API takes. No DOM, no d3: tests/js/geomap.test.mjs
// runs it under node.

import {countryName} from './countries.js';
import {formatAddress, formatTime, VALUE_FIELD} from './format.js';
import {MAX_ITEMS} from './filters.js';

// The credit the sources ask for (README, Countries and autonomous
// systems: Attribution); DB-IP asks for a link to db-ip.com.
export const CREDIT = {
	country: 'Country data: NRO (nro.net), CC BY 4.0.',
	asn: 'AS data: RouteViews (routeviews.org), DB-IP.com, NRO, CC BY 4.0.',
	dbipUrl: 'https://db-ip.com',
};
export const CREDIT_TEXT = `${CREDIT.country} ${CREDIT.asn}`;

// A shape smaller than this (square pixels on screen) cannot be pointed at:
// its country is listed in the table beside the map as well.
export const SMALL_AREA = 24;

// The bytes of the filter value a country's hosts may take in the query:
// the API takes 8,192 bytes of query (FI_QUERY_MAX) and the other pages add
// their range, options and the other filters.
export const FILTER_BUDGET = 6144;

// Where a value v lies on the log scale up to max: 0 (the smallest) to 1.
export function logShare(v, max)
{
	if (!(v > 0) || !(max > 0))
		return 0;
	return Math.min(1, Math.log1p(v) / Math.log1p(max));
}

// The name of a group of /api/geo (by=country): the country's name, or
// what local and unknown stand for.
export function groupName(group)
{
	if (group === 'local')
		return 'local addresses (special-purpose ranges)';
	if (group === 'unknown')
		return 'unknown (no country known)';
	return countryName(group) || group;
}

// The rows of a by=country answer that the map does not show well, sorted
// by value (largest first): those whose code has no shape on the map (not
// in drawn), or whose shape is under SMALL_AREA (drawn.get(code) is its
// area on screen), and local and unknown.
export function offMapRows(results, drawn, value)
{
	const field = VALUE_FIELD[value] || 'flows';
	return results
		.filter(r => r.group === 'local' || r.group === 'unknown' || !drawn.has(r.group) ||
			drawn.get(r.group) < SMALL_AREA)
		.sort((a, b) => b[field] - a[field]);
}

// What the page says about the databases of an answer's `databases`
// ({country, asn}, each {type, build_epoch} or null): one line each.
export function databaseLines(databases)
{
	const db = databases || {};
	const line = (what, d) => (d
		? `${what} database: ${d.type}, built ${formatTime(d.build_epoch)}.`
		: `No ${what} database is installed: every address is "unknown" by ${what === 'country' ? 'country' : 'AS'}. ` +
			'Install it with deploy/geo-update, which puts both databases into /var/lib/flowinspector/geo ' +
			'(the responder\'s geo_country_db and geo_asn_db) and takes them up without a restart ' +
			'(README: Countries and autonomous systems).');
	return [line('country', db.country), line('AS', db.asn)];
}

// The addresses of host rows (/api/geo?country=XX: ids, largest first) as
// an include_ips list for the other pages: at most MAX_ITEMS addresses and
// at most budget bytes once encoded in a query (each comma as %2C, as the
// pages' requests send it). Returns {list, cut}: cut is how many hosts were
// left out (the smallest).
export function hostFilter(rows, budget = FILTER_BUDGET)
{
	const list = [];
	let bytes = 0;
	for (const r of rows) {
		const a = formatAddress(r.id);
		const cost = encodeURIComponent(a).length + (list.length ? 3 : 0);
		if (list.length >= MAX_ITEMS || bytes + cost > budget)
			break;
		list.push(a);
		bytes += cost;
	}
	return {list, cut: rows.length - list.length};
}
