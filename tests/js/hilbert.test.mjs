// hilbert.test.mjs: the Hilbert curve module against SPEC 7's test vectors,
// plus round trips and adjacency of consecutive indices.
import test from 'node:test';
import assert from 'node:assert/strict';
import {d2xy, xy2d, gridSide} from '../../static/js/lib/hilbert.js';

test('SPEC 7 vectors, n = 2', () => {
	assert.deepEqual([0, 1, 2, 3].map(d => d2xy(2, d)), [[0, 0], [0, 1], [1, 1], [1, 0]]);
});

test('SPEC 7 vectors, n = 4', () => {
	const want = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 2], [0, 3], [1, 3], [1, 2],
		[2, 2], [2, 3], [3, 3], [3, 2], [3, 1], [2, 1], [2, 0], [3, 0]];
	for (let d = 0; d < 16; d++)
		assert.deepEqual(d2xy(4, d), want[d], `d = ${d}`);
});

test('round trip and adjacency, orders 1 to 8', () => {
	for (let order = 1; order <= 8; order++) {
		const n = 2 ** order;
		let prev = null;
		for (let d = 0; d < n * n; d++) {
			const [x, y] = d2xy(n, d);
			assert.ok(x >= 0 && x < n && y >= 0 && y < n);
			assert.equal(xy2d(n, x, y), d);
			if (prev)
				assert.equal(Math.abs(x - prev[0]) + Math.abs(y - prev[1]), 1);
			prev = [x, y];
		}
	}
});

test('indices beyond 32 bits stay exact', () => {
	const n = 2 ** 20;
	for (const d of [2 ** 32, 2 ** 32 + 1, 2 ** 40 - 1, n * n - 1]) {
		const [x, y] = d2xy(n, d);
		assert.equal(xy2d(n, x, y), d);
	}
});

test('grid side', () => {
	assert.deepEqual([1, 4, 5, 16, 17, 1000].map(gridSide), [2, 2, 4, 4, 8, 32]);
});
