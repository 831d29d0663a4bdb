// synth.js: synthetic API answers for the views' render benchmark: a node
// index of `hosts` hosts (IPv4 spread over private and public /8s, /16s and
// /24s, one in twenty IPv6) and a host-pair aggregate of `links` distinct
// pairs with last buckets over two hours, in the shapes fcgi/API.md gives.
// Seeded, so every run draws the same data.

function rng(seed)
{
	let s = seed >>> 0;
	return () => {
		// mulberry32
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const CLASSES = ['tcp', 'udp', 'icmp', 'other'];

function counters(flows, cls)
{
	const c = {flows, packetDeltaCount: flows * 7, octetDeltaCount: flows * 5300};
	const out = {...c};
	for (const p of CLASSES)
		out[p] = p === cls ? {...c} : {flows: 0, packetDeltaCount: 0, octetDeltaCount: 0};
	return out;
}

// Returns {index, pairs}: the answers of /api/dynamic/index/nodes and of
// /api/bucket/query?aggregate=sourceIPv4Address,destinationIPv4Address&fields=bucket.
export function synthesize(hosts, links, seed = 1)
{
	const r = rng(seed);
	const pick = (n) => Math.floor(r() * n);
	const ids = new Set();
	const addrs = [];
	while (addrs.length < hosts) {
		let id;
		if (addrs.length % 20 === 19) {
			id = `2001:db8:${pick(8).toString(16)}:${pick(4).toString(16)}::${(1 + pick(4000)).toString(16)}`;
		} else if (r() < 0.6) {
			// 10.a.b.c: 4 /16s, 10 /24s each
			id = ((10 * 256 + pick(4)) * 256 + pick(10)) * 256 + 1 + pick(254);
		} else {
			id = ((20 + pick(60)) * 16777216) + pick(65536) * 256 + 1 + pick(254);
		}
		if (!ids.has(id)) {
			ids.add(id);
			addrs.push(id);
		}
	}
	const classes = addrs.map(() => CLASSES[Math.min(3, Math.floor(r() * r() * 4))]);
	const flows = new Array(hosts).fill(0);
	const seen = new Set();
	const rows = [];
	const start = 1714550400;
	while (rows.length < links) {
		// Skewed toward the first hosts, as real traffic is.
		const s = Math.floor(hosts * r() * r());
		const d = pick(hosts);
		if (s === d || seen.has(s * hosts + d))
			continue;
		seen.add(s * hosts + d);
		const f = 1 + Math.floor(50 * r() * r() * r());
		flows[s] += f;
		flows[d] += f;
		const row = {};
		row[typeof addrs[s] === 'number' ? 'sourceIPv4Address' : 'sourceIPv6Address'] = addrs[s];
		row[typeof addrs[d] === 'number' ? 'destinationIPv4Address' : 'destinationIPv6Address'] = addrs[d];
		row.bucket = start + 600 * pick(12);
		rows.push(Object.assign(row, counters(f, classes[s])));
	}
	const total = flows.reduce((a, b) => a + b, 0) / 2;
	const results = addrs.map((id, i) => ({id, ...counters(flows[i], classes[i])}))
		.sort((a, b) => b.flows - a.flows);
	return {
		index: {totalCounter: counters(total, 'tcp'), results},
		pairs: {bucket_size: 600, global_min_bucket: start, global_max_bucket: start + 6600, results: rows},
	};
}
