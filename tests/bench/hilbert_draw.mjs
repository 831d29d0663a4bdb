// hilbert_draw.mjs: the canvas side of hilbert_bench.sh. Opens /hilbert in
// headless Chromium (tests/browser/lib.mjs) on the benchmark's data and
// reads the page's own draw time (data-draw-ms of the canvas: cells to
// pixels, grid, labels, legend) for the /16 map of the day, redrawn for
// each value; then the same with an answer in which all 65,536 cells are
// lit (served by the test in place of the API), the worst case. Prints the
// figures; exits 1 when the full map's median draw is 100 ms or more.
// Usage: FI_BASE_URL=... node hilbert_draw.mjs FROM TO
import * as B from '../browser/lib.mjs';

const [from, to] = process.argv.slice(2).map(Number);
const TARGET_MS = 100;
const s = await B.session();

async function drawMs()
{
	return Number(await s.page.locator('canvas.fi-hilbert-canvas').getAttribute('data-draw-ms'));
}

// Draw times of the map on the page: the first draw, then one per value
// switch (no new request: the answer holds all three counters).
async function measure(path)
{
	await s.goto(path);
	const times = [await drawMs()];
	for (const v of ['packets', 'bytes', 'flows', 'packets', 'bytes', 'flows']) {
		const before = await s.page.locator('canvas.fi-hilbert-canvas').getAttribute('data-draw-ms');
		await s.page.click(`#fi-value button[data-value="${v}"]`);
		await s.ready();
		await s.page.waitForFunction(b => document.querySelector('canvas.fi-hilbert-canvas').dataset.drawMs !== b,
			before, {timeout: 5000}).catch(() => {});
		times.push(await drawMs());
	}
	const sorted = [...times].sort((a, b) => a - b);
	return {first: times[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1]};
}

let status = 0;
try {
	const real = await measure(`/hilbert?from=${from}&to=${to}`);
	const lit = (await B.api('/api/hilbert', {start_bucket: from, end_bucket: to - 1, depth: 16})).nonzero;
	// every cell lit: the answer of a /16 map where each /16 had traffic
	const cells = [];
	for (let i = 0; i < 65536; i++)
		cells.push([i, 1 + (i * 7919) % 5000, 10 + (i * 104729) % 500000, 1000 + (i * 1299709) % 90000000]);
	const full = {
		prefix: '0.0.0.0/0', depth: 16, order: 8, bucket_size: 86400, direction: 'both',
		columns: ['index', 'flows', 'packetDeltaCount', 'octetDeltaCount'], cells,
		max: {flows: 5000, packetDeltaCount: 500009, octetDeltaCount: 90001000},
		total: {flows: 1, packetDeltaCount: 1, octetDeltaCount: 1}, nonzero: 65536,
	};
	const body = JSON.stringify(full);
	await s.page.route('**/api/hilbert?**', route => route.fulfill({status: 200, contentType: 'application/json', body}));
	const worst = await measure(`/hilbert?from=${from}&to=${to}`);
	console.log(`canvas draw (ms)         first  median    max`);
	console.log(`/16 map, ${String(lit).padStart(5)} lit   ${real.first.toFixed(1).padStart(7)} ${real.median.toFixed(1).padStart(7)} ${real.max.toFixed(1).padStart(6)}`);
	const verdict = worst.median < TARGET_MS ? `< ${TARGET_MS} ok` : `>= ${TARGET_MS} MISSED`;
	console.log(`/16 map, 65536 lit   ${worst.first.toFixed(1).padStart(7)} ${worst.median.toFixed(1).padStart(7)} ${worst.max.toFixed(1).padStart(6)}  ${verdict}`);
	if (worst.median >= TARGET_MS)
		status = 1;
	if (s.problems.length) {
		console.log('page problems:', s.problems);
		status = 1;
	}
} finally {
	await s.close();
}
process.exit(status);
