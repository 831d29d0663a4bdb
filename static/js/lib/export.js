// export.js: saves the current view as an SVG or PNG file and its data as
// CSV, for every page. An SVG is exported standalone: the computed styles
// that the stylesheet gave it are written onto each element, so the file
// looks like the page without the page's CSS. The widget's title (HTML
// outside the chart) and a line naming the range, value and filters are
// written as text at the top of the file, so the picture says what it shows;
// the chart on screen is left as it is. toCsv, csvField, exportCaption and
// headingWidth are pure (tests/js/export.test.mjs); the rest needs a browser.

import {formatRange, valueLabel} from './format.js';
import {el, svgEl, SVG_NS} from './dom.js';

// The heading of an export: the title's and the caption's font sizes, the
// line height and the margin, in px.
const TITLE_PX = 15;
const CAPTION_PX = 12;
const LINE_H = 20;
const PAD = 8;
// The widest filter list a caption spells out; longer ones are counted.
const CAPTION_ITEMS = 6;

const FILTER_NAMES = {
	include_ips: 'addresses', exclude_ips: 'not addresses',
	include_ports: 'ports', exclude_ports: 'not ports',
	include_protos: 'protocols', exclude_protos: 'not protocols',
};

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

// What a view shows, as one line for the export's heading: the range (or
// "all data"), the value and the filters of the state (lib/urlstate.js).
export function exportCaption(state)
{
	const parts = [state.from === null || state.from === undefined ? 'all data' : formatRange(state.from, state.to),
		valueLabel(state.value)];
	const f = state.filters || {};
	for (const [key, name] of Object.entries(FILTER_NAMES)) {
		const list = f[key] || [];
		if (!list.length)
			continue;
		const shown = list.slice(0, CAPTION_ITEMS).join(', ');
		const more = list.length > CAPTION_ITEMS ? ` and ${list.length - CAPTION_ITEMS} more` : '';
		parts.push(`${name} ${shown}${more}`);
	}
	return parts.join(' · ');
}

// About how wide (px) text is in a sans-serif font of px size: an upper
// guess, so that the heading is not cut off by a narrow chart.
export function headingWidth(text, px)
{
	return Math.ceil(String(text).length * px * 0.6);
}

// Saves blob as a download called name.
export function downloadBlob(blob, name)
{
	const url = URL.createObjectURL(blob);
	const a = el('a', null, null, {href: url, download: name});
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
	copy.insertBefore(whiteBackground(), copy.firstChild);
	return copy;
}

// The title and the one-line summary (an element with class
// fi-widget-summary, where the panel shows one) of the panel
// (.fi-widget) that el sits in; empty strings where there are none.
export function widgetHeading(el)
{
	const w = el && el.closest ? el.closest('.fi-widget') : null;
	const text = (sel) => {
		const e = w ? w.querySelector(sel) : null;
		return e ? e.textContent.trim() : '';
	};
	return {title: text('.fi-widget-title'), summary: text('.fi-widget-summary'), widget: w};
}

// A <rect> filling its SVG white: the background of an exported file.
function whiteBackground()
{
	return svgEl('rect', {width: '100%', height: '100%', fill: 'white'});
}

// A <text> at (x, y) (the baseline's left end), sans-serif.
function textElement(x, y, px, weight, fill, cls, text)
{
	return svgEl('text', {x, y, 'font-family': 'sans-serif', 'font-size': px, 'font-weight': weight, fill,
		class: cls}, text);
}

// A new standalone SVG: lines of text at the top (the first as the title,
// class fi-export-title, the others fi-export-caption; empty ones left out),
// content (a standalone SVG, not in the document) below them. Widened
// when the text needs it.
export function withHeading(content, lines)
{
	const texts = lines.filter(Boolean);
	if (!texts.length)
		return content;
	const w = Number(content.getAttribute('width')) || 0;
	const h = Number(content.getAttribute('height')) || 0;
	const top = PAD + texts.length * LINE_H;
	const width = Math.max(w, ...texts.map((t, i) => 2 * PAD + headingWidth(t, i ? CAPTION_PX : TITLE_PX)));
	const out = svgEl('svg', {xmlns: SVG_NS, width, height: top + h, viewBox: `0 0 ${width} ${top + h}`});
	out.appendChild(whiteBackground());
	texts.forEach((t, i) => {
		out.appendChild(textElement(PAD, PAD + (i + 1) * LINE_H - 5, i ? CAPTION_PX : TITLE_PX,
			i ? 'normal' : 'bold', i ? '#555' : '#222', i ? 'fi-export-caption' : 'fi-export-title', t));
	});
	content.removeAttribute('xmlns');
	content.setAttribute('x', '0');
	content.setAttribute('y', String(top));
	out.appendChild(content);
	return out;
}

// The export of one chart in the document: a standalone copy of svg under
// its panel's title (else fallbackTitle) and a line of the panel's summary
// and caption (exportCaption).
export function headedSvg(svg, {title = '', caption = ''} = {})
{
	const h = widgetHeading(svg);
	return withHeading(standaloneSvg(svg), [h.title || title, [h.summary, caption].filter(Boolean).join(' · ')]);
}

// Several visible <svg> elements (say a dashboard's charts) as one SVG,
// each placed where it is on screen relative to root, each panel's title
// (widgetHeading) where it is on screen too.
export function combineSvgs(svgs, root)
{
	const base = root.getBoundingClientRect();
	const out = svgEl('svg');
	let w = 0;
	let h = 0;
	const titled = new Set();
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
		const head = widgetHeading(svg);
		const te = head.widget ? head.widget.querySelector('.fi-widget-title') : null;
		if (te && head.title && !titled.has(head.widget)) {
			titled.add(head.widget);
			const tr = te.getBoundingClientRect();
			const cs = getComputedStyle(te);
			const px = parseFloat(cs.fontSize) || 13;
			// the baseline where a line of px text centred in the title's box has it
			const y = Math.round(tr.top - base.top + tr.height / 2 + px * 0.35);
			out.appendChild(textElement(Math.round(tr.left - base.left), y, px, cs.fontWeight || 'bold',
				cs.color || '#222', 'fi-export-widget-title', head.title));
			w = Math.max(w, tr.left - base.left + headingWidth(head.title, px));
		}
	}
	out.setAttribute('xmlns', SVG_NS);
	out.setAttribute('width', String(Math.ceil(w)));
	out.setAttribute('height', String(Math.ceil(h)));
	out.setAttribute('viewBox', `0 0 ${Math.ceil(w)} ${Math.ceil(h)}`);
	return out;
}

// Every top-level visible <svg> under root, combined (see combineSvgs); a
// page's default export when it has no exportView of its own. With title
// or caption, those lines head it (withHeading).
export function pageSvg(root, {title = '', caption = ''} = {})
{
	const svgs = [...root.querySelectorAll('svg')].filter(s =>
		!(s.parentElement && s.parentElement.closest('svg')) && s.getBoundingClientRect().width > 0);
	return withHeading(combineSvgs(svgs, root), [title, caption]);
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
		const canvas = el('canvas', null, null, {width: Math.ceil(w * scale), height: Math.ceil(h * scale)});
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
