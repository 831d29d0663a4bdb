// export.js: saves the current view as an SVG or PNG file and its data as
// CSV, for every page. An SVG is exported standalone: the computed styles
// that the stylesheet gave it are written onto each element, so the file
// looks like the page without the page's CSS. toCsv and csvField are pure
// (tests/js/export.test.mjs); the rest needs a browser.

const SVG_NS = 'http://www.w3.org/2000/svg';

// The style properties copied onto exported elements.
const STYLE_PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity',
	'stroke-dasharray', 'opacity', 'font-family', 'font-size', 'font-weight', 'text-anchor',
	'dominant-baseline', 'visibility', 'display'];

// One CSV field: quoted when it holds a comma, quote, or line break
// (RFC 4180), quotes doubled. null and undefined are empty.
export function csvField(v)
{
	if (v === null || v === undefined)
		return '';
	const s = String(v);
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// rows as CSV text with a header line, CRLF line ends. columns: a list of
// keys (strings), or of {label, value} where value is a key or a function
// of the row.
export function toCsv(columns, rows)
{
	const cols = columns.map(c => (typeof c === 'string' ? {label: c, value: c} : c));
	const get = (c, r) => (typeof c.value === 'function' ? c.value(r) : r[c.value]);
	const lines = [cols.map(c => csvField(c.label)).join(',')];
	for (const r of rows)
		lines.push(cols.map(c => csvField(get(c, r))).join(','));
	return lines.join('\r\n') + '\r\n';
}

// Saves blob as a download called name.
export function downloadBlob(blob, name)
{
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	document.body.appendChild(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function downloadCsv(name, columns, rows)
{
	downloadBlob(new Blob([toCsv(columns, rows)], {type: 'text/csv'}), name);
}

// The largest visible <svg> under root (by area), or null.
export function largestSvg(root)
{
	let best = null;
	let area = 0;
	for (const svg of root.querySelectorAll('svg')) {
		if (svg.parentElement && svg.parentElement.closest('svg'))
			continue;
		const r = svg.getBoundingClientRect();
		if (r.width * r.height > area) {
			area = r.width * r.height;
			best = svg;
		}
	}
	return best;
}

// Copies the computed styles of src and its descendants onto dst (a deep
// clone of src with the same structure).
function inlineStyles(src, dst)
{
	const cs = getComputedStyle(src);
	const parts = [];
	for (const p of STYLE_PROPS) {
		const v = cs.getPropertyValue(p);
		if (v)
			parts.push(`${p}:${v}`);
	}
	if (parts.length)
		dst.setAttribute('style', parts.join(';'));
	const a = src.children;
	const b = dst.children;
	for (let i = 0; i < a.length && i < b.length; i++)
		inlineStyles(a[i], b[i]);
}

// A standalone copy of svg (styles inlined, size and namespaces set, a
// white background), as a new element not in the document.
export function standaloneSvg(svg)
{
	const r = svg.getBoundingClientRect();
	const copy = svg.cloneNode(true);
	inlineStyles(svg, copy);
	copy.setAttribute('xmlns', SVG_NS);
	copy.setAttribute('width', String(Math.ceil(r.width)));
	copy.setAttribute('height', String(Math.ceil(r.height)));
	if (!copy.getAttribute('viewBox') && r.width && r.height)
		copy.setAttribute('viewBox', `0 0 ${Math.ceil(r.width)} ${Math.ceil(r.height)}`);
	const bg = document.createElementNS(SVG_NS, 'rect');
	bg.setAttribute('width', '100%');
	bg.setAttribute('height', '100%');
	bg.setAttribute('fill', 'white');
	copy.insertBefore(bg, copy.firstChild);
	return copy;
}

// Several visible <svg> elements (say a dashboard's charts) as one SVG,
// each placed where it is on screen relative to root.
export function combineSvgs(svgs, root)
{
	const base = root.getBoundingClientRect();
	const out = document.createElementNS(SVG_NS, 'svg');
	let w = 0;
	let h = 0;
	for (const svg of svgs) {
		const r = svg.getBoundingClientRect();
		if (!r.width || !r.height)
			continue;
		const part = standaloneSvg(svg);
		part.removeAttribute('xmlns');
		part.setAttribute('x', String(Math.round(r.left - base.left)));
		part.setAttribute('y', String(Math.round(r.top - base.top)));
		out.appendChild(part);
		w = Math.max(w, r.right - base.left);
		h = Math.max(h, r.bottom - base.top);
	}
	out.setAttribute('xmlns', SVG_NS);
	out.setAttribute('width', String(Math.ceil(w)));
	out.setAttribute('height', String(Math.ceil(h)));
	out.setAttribute('viewBox', `0 0 ${Math.ceil(w)} ${Math.ceil(h)}`);
	return out;
}

// Every top-level visible <svg> under root, combined (see combineSvgs); a
// page's default export when it has no exportView of its own.
export function pageSvg(root)
{
	const svgs = [...root.querySelectorAll('svg')].filter(s =>
		!(s.parentElement && s.parentElement.closest('svg')) && s.getBoundingClientRect().width > 0);
	return combineSvgs(svgs, root);
}

// An SVG element (in the document, or made by standaloneSvg/combineSvgs)
// as the text of an .svg file.
export function svgText(svg)
{
	const node = svg.isConnected ? standaloneSvg(svg) : svg;
	return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(node);
}

export function downloadSvg(svg, name)
{
	downloadBlob(new Blob([svgText(svg)], {type: 'image/svg+xml'}), name);
}

// The SVG drawn into a canvas at scale (2: sharp on high-density screens)
// and saved as PNG; resolves when the download started.
export async function downloadPng(svg, name, scale = 2)
{
	const alone = svg.isConnected ? standaloneSvg(svg) : svg;
	const text = svgText(alone);
	const w = Number(alone.getAttribute('width')) || 800;
	const h = Number(alone.getAttribute('height')) || 600;
	const url = URL.createObjectURL(new Blob([text], {type: 'image/svg+xml'}));
	try {
		const img = new Image();
		await new Promise((resolve, reject) => {
			img.onload = resolve;
			img.onerror = () => reject(new Error('the SVG could not be drawn'));
			img.src = url;
		});
		const canvas = document.createElement('canvas');
		canvas.width = Math.ceil(w * scale);
		canvas.height = Math.ceil(h * scale);
		const g = canvas.getContext('2d');
		g.fillStyle = 'white';
		g.fillRect(0, 0, canvas.width, canvas.height);
		g.scale(scale, scale);
		g.drawImage(img, 0, 0, w, h);
		const blob = await new Promise(resolve => canvas.toBlob(resolve, 'image/png'));
		downloadBlob(blob, name);
	} finally {
		URL.revokeObjectURL(url);
	}
}
