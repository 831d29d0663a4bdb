// views_bench.mjs: the render benchmark of issue 6, in headless Chromium:
// the edge bundle with 1,000 hosts and 10,000 links and the graph with
// 1,000 nodes (force and Hilbert layouts), each timed from the data's
// arrival to the first frame painted after the drawing (target: under 1 s).
// The force layout is computed for at most 150 ms before that frame and
// then goes on animated; the time until it has cooled is printed too.
// The data is synthetic, generated in the page by tests/bench/views/synth.js
// in the API's answer shapes; the page and the static files are served to
// the browser from the checkout by playwright's request routing, so no
// server runs. Prints the median, best and worst of RUNS runs per case.
// Usage: node tests/bench/views_bench.mjs [RUNS]   (CHROMIUM=path overrides
// /usr/bin/chromium; D3=path overrides node_modules/d3/dist/d3.min.js;
// SHOTS=dir saves a screenshot of each case's last drawing there)
import {chromium} from 'playwright-core';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runs = Number(process.argv[2] || 5);
const d3 = process.env.D3 || path.join(top, 'node_modules/d3/dist/d3.min.js');

const browser = await chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium'});
let failed = false;
try {
	const page = await browser.newPage({viewport: {width: 1000, height: 1000}});
	page.on('pageerror', (e) => {
		console.error('page error:', e.message);
		failed = true;
	});
	page.on('console', (m) => {
		if (m.type() === 'error') {
			console.error('console error:', m.text());
			failed = true;
		}
	});
	await page.route('http://bench.invalid/**', (route) => {
		const p = new URL(route.request().url()).pathname;
		const type = p.endsWith('.html') ? 'text/html' : 'text/javascript';
		let file;
		if (p === '/vendor/d3.min.js')
			file = d3;
		else if (p.startsWith('/js/'))
			file = path.join(top, 'static', p);
		else if (p.startsWith('/bench/'))
			file = path.join(top, 'tests/bench/views', p.slice('/bench/'.length));
		if (!file)
			return route.fulfill({status: 404, body: ''});
		return route.fulfill({path: file, contentType: type});
	});
	// The machine is shared: the load says how much of it the runs had.
	console.log(`${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
	await page.goto('http://bench.invalid/bench/bench.html');
	await page.waitForFunction(() => window.ready === true);
	const cases = [
		['edge bundle, 1,000 hosts, 10,000 links', 'bundle', 1000, 10000],
		['graph, force layout, 1,000 nodes, 10,000 links', 'graph-force', 1000, 10000],
		['graph, Hilbert layout, 1,000 nodes, 10,000 links', 'graph-hilbert', 1000, 10000],
	];
	for (const [name, view, hosts, links] of cases) {
		const times = [];
		const settle = [];
		let last;
		for (let i = 0; i < runs; i++) {
			last = await page.evaluate(([v, h, l]) => window.runCase(v, h, l), [view, hosts, links]);
			times.push(last.ms);
			settle.push(last.settledMs);
		}
		settle.sort((a, b) => a - b);
		if (process.env.SHOTS)
			await page.screenshot({path: path.join(process.env.SHOTS, `views-bench-${view}.png`)});
		times.sort((a, b) => a - b);
		const median = times[Math.floor(times.length / 2)];
		console.log(`${name}: median ${median.toFixed(0)} ms (best ${times[0].toFixed(0)}, ` +
			`worst ${times[times.length - 1].toFixed(0)}; script ${last.scriptMs.toFixed(0)} ms of the last, shaping ${last.shapeMs.toFixed(0)} ms); ` +
			`drawn ${last.nodes} nodes, ${last.links} links, ${last.arcs} arcs; ` +
			`${median < 1000 ? 'within' : 'OVER'} the 1 s target` +
			(view === 'graph-force' ? `; the layout cooled after ${settle[Math.floor(runs / 2)].toFixed(0)} ms (median)` : ''));
	}
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
