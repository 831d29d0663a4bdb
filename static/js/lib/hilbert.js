// hilbert.js: the Hilbert curve on an n x n grid (n a power of two), shared
// by the graph page's Hilbert layout (SPEC 7) and the address-space map.
// Plain arithmetic rather than bitwise operators, so indices up to 2^52
// (orders above 15, where int32 bit operations would wrap) stay exact.

// Rotates or flips a quadrant so the sub-curve joins its neighbours.
function rotate(s, x, y, rx, ry)
{
	if (ry === 0) {
		if (rx === 1) {
			x = s - 1 - x;
			y = s - 1 - y;
		}
		return [y, x];
	}
	return [x, y];
}

// Index d (0 <= d < n*n) to the cell [x, y]; the standard iterative form.
export function d2xy(n, d)
{
	let x = 0;
	let y = 0;
	let t = d;
	for (let s = 1; s < n; s *= 2) {
		const rx = Math.floor(t / 2) % 2;
		const ry = (t % 2) ^ rx;
		[x, y] = rotate(s, x, y, rx, ry);
		x += s * rx;
		y += s * ry;
		t = Math.floor(t / 4);
	}
	return [x, y];
}

// Cell [x, y] back to its index d; the inverse of d2xy.
export function xy2d(n, x, y)
{
	let d = 0;
	for (let s = n / 2; s >= 1; s /= 2) {
		const rx = x >= s ? 1 : 0;
		const ry = y >= s ? 1 : 0;
		d += s * s * ((3 * rx) ^ ry);
		x -= s * rx;
		y -= s * ry;
		[x, y] = rotate(s, x, y, rx, ry);
	}
	return d;
}

// The smallest grid side (a power of two, at least 2) holding count cells.
export function gridSide(count)
{
	let n = 2;
	while (n * n < count)
		n *= 2;
	return n;
}
