// dom.test.mjs: the element builder (static/js/lib/dom.js): classes, text,
// children, properties, attributes, data-*, style and listeners of el(); the
// namespace and attributes of svgEl(); stylesheet() linking a sheet once.
// node has no DOM: a stand-in document records what the builder does.
import test from 'node:test';
import assert from 'node:assert/strict';
import {el, svgEl, stylesheet, SVG_NS} from '../../static/js/lib/dom.js';

const HTML_NS = 'http://www.w3.org/1999/xhtml';

// Just enough of an element: what the builder may touch, recorded.
class Node {
	constructor(ns, tag)
	{
		this.namespaceURI = ns;
		this.tagName = tag;
		this.className = '';
		this.attributes = {};
		this.dataset = {};
		this.style = {};
		this.children = [];
		this.listeners = [];
		this.text = '';
	}

	setAttribute(k, v)
	{
		assert.equal(typeof v, 'string', `attribute ${k} is text`);
		this.attributes[k] = v;
	}

	getAttribute(k)
	{
		return k in this.attributes ? this.attributes[k] : null;
	}

	addEventListener(type, fn)
	{
		this.listeners.push([type, fn]);
	}

	append(...parts)
	{
		this.children.push(...parts);
	}

	appendChild(c)
	{
		this.children.push(c);
		return c;
	}

	set textContent(t)
	{
		this.text = String(t);
		this.children = [];
	}

	get textContent()
	{
		return this.text + this.children.map((c) => (typeof c === 'string' ? c : c.textContent)).join('');
	}
}

const head = new Node(HTML_NS, 'head');
globalThis.document = {
	head,
	createElement: (tag) => new Node(HTML_NS, tag),
	createElementNS: (ns, tag) => new Node(ns, tag),
	querySelector(sel) {
		const m = /^link\[rel="stylesheet"\]\[href="([^"]+)"\]$/.exec(sel);
		assert.ok(m, `a selector stylesheet() uses: ${sel}`);
		return head.children.find((c) => c.tagName === 'link' && c.rel === 'stylesheet' && c.href === m[1]) || null;
	},
};

test('el: tag, class and text, as before', () => {
	const e = el('span', 'fi-widget-title', 'Timeline');
	assert.equal(e.namespaceURI, HTML_NS);
	assert.equal(e.tagName, 'span');
	assert.equal(e.className, 'fi-widget-title');
	assert.equal(e.textContent, 'Timeline');
	assert.deepEqual(e.children, []);
	const bare = el('div');
	assert.equal(bare.className, '');
	assert.equal(bare.textContent, '');
	assert.equal(el('div', '', '').className, '', 'an empty class sets nothing');
	assert.equal(el('div', null).className, '');
	assert.equal(el('option', null, 25).textContent, '25', 'a number is text');
	assert.equal(el('span', null, '').textContent, '');
});

test('el: text stays text, never markup', () => {
	const e = el('div', null, '<img src=x onerror=alert(1)>');
	assert.equal(e.textContent, '<img src=x onerror=alert(1)>');
	assert.deepEqual(e.children, []);
});

test('el: children, a node or a list of nodes and strings', () => {
	const a = el('strong', null, 'Error:');
	const line = el('span', null, [a, ' ', 'went wrong', null, undefined, false]);
	assert.deepEqual(line.children, [a, ' ', 'went wrong']);
	assert.equal(line.textContent, 'Error: went wrong');
	const one = el('label', null, a);
	assert.deepEqual(one.children, [a]);
	assert.deepEqual(el('div', null, []).children, []);
});

test('el: properties, and undefined or null ones left out', () => {
	const e = el('input', 'fi-x', null, {type: 'text', name: 'prefix', size: 24, placeholder: undefined,
		title: null, spellcheck: false, tabIndex: 0});
	assert.equal(e.type, 'text');
	assert.equal(e.name, 'prefix');
	assert.equal(e.size, 24);
	assert.equal(e.spellcheck, false);
	assert.equal(e.tabIndex, 0);
	assert.ok(!('placeholder' in e));
	assert.ok(!('title' in e));
	assert.deepEqual(e.attributes, {});
});

test('el: attributes, dataset, style and listeners', () => {
	const click = () => {};
	const key = () => {};
	const e = el('button', 'b', 'Go', {
		type: 'button',
		attrs: {'aria-label': 'go on', role: 'switch', 'aria-pressed': false, hidden: undefined},
		dataset: {value: 'flows', path: '/'},
		style: {width: '10px', background: 'red'},
		on: {click, keydown: key},
	});
	assert.deepEqual(e.attributes, {'aria-label': 'go on', role: 'switch', 'aria-pressed': 'false'});
	assert.deepEqual(e.dataset, {value: 'flows', path: '/'});
	assert.deepEqual(e.style, {width: '10px', background: 'red'});
	assert.deepEqual(e.listeners, [['click', click], ['keydown', key]]);
	assert.equal(e.textContent, 'Go');
	assert.ok(!('attrs' in e) && !('on' in e), 'the special keys are not properties');
});

test('svgEl: the SVG namespace, attributes as text, content', () => {
	const r = svgEl('rect', {width: '100%', height: 12, fill: 'white', x: 0, y: undefined, class: null});
	assert.equal(r.namespaceURI, SVG_NS);
	assert.equal(SVG_NS, 'http://www.w3.org/2000/svg');
	assert.equal(r.tagName, 'rect');
	assert.deepEqual(r.attributes, {width: '100%', height: '12', fill: 'white', x: '0'});
	const t = svgEl('text', {class: 'fi-export-title'}, 'Dashboard');
	assert.equal(t.textContent, 'Dashboard');
	assert.equal(t.getAttribute('class'), 'fi-export-title');
	const g = svgEl('g', null, [r, t]);
	assert.deepEqual(g.children, [r, t]);
	assert.deepEqual(svgEl('svg').attributes, {});
});

test('stylesheet: linked once', () => {
	stylesheet('/css/views.css');
	stylesheet('/css/views.css');
	stylesheet('/css/hilbert.css');
	assert.deepEqual(head.children.map((c) => [c.tagName, c.rel, c.href]),
		[['link', 'stylesheet', '/css/views.css'], ['link', 'stylesheet', '/css/hilbert.css']]);
});
