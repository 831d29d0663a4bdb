// dom.js: the one element builder of the pages and widgets: el() for HTML
// elements, svgEl() for SVG ones (static/js makes no element any other way;
// d3 selections build the charts' own SVG). Text goes in as text nodes only,
// never as markup. Nothing here runs on import, so node's tests can load it
// with a stand-in document (tests/js/dom.test.mjs).

export const SVG_NS = 'http://www.w3.org/2000/svg';

// Puts content into e: a string or number as its text; a node, or an array
// of nodes and strings (null, undefined and false left out), as children.
function fill(e, content)
{
	if (content === undefined || content === null)
		return;
	if (Array.isArray(content))
		e.append(...content.filter(c => c !== null && c !== undefined && c !== false));
	else if (typeof content === 'object')
		e.append(content);
	else
		e.textContent = content;
}

function setAttrs(e, attrs)
{
	for (const [k, v] of Object.entries(attrs)) {
		if (v !== undefined && v !== null)
			e.setAttribute(k, String(v));
	}
}

// A new HTML <tag>. cls: its class names (null, undefined or '' for none).
// content: its text (a string or number), or its children (a node, or an
// array of nodes and strings). props: properties to set (type, value, name,
// title, placeholder, disabled, ...), where these keys are special:
//   attrs    {name: value} set as attributes (role, aria-*, ...)
//   dataset  {key: value} copied into e.dataset (data-* attributes)
//   style    {property: value} copied into e.style
//   on       {event: listener} added with addEventListener
// An entry whose value is undefined or null is left out. Returns the new
// element, not yet in the document.
export function el(tag, cls, content, props)
{
	const e = document.createElement(tag);
	if (cls)
		e.className = cls;
	fill(e, content);
	if (!props)
		return e;
	for (const [k, v] of Object.entries(props)) {
		if (v === undefined || v === null)
			continue;
		if (k === 'attrs')
			setAttrs(e, v);
		else if (k === 'dataset')
			Object.assign(e.dataset, v);
		else if (k === 'style')
			Object.assign(e.style, v);
		else if (k === 'on') {
			for (const [type, fn] of Object.entries(v))
				e.addEventListener(type, fn);
		} else {
			e[k] = v;
		}
	}
	return e;
}

// A new SVG <tag> in the SVG namespace. attrs: {name: value} set as
// attributes (values turned into text; undefined and null left out).
// content: text or children as for el(). Returns the new element.
export function svgEl(tag, attrs, content)
{
	const e = document.createElementNS(SVG_NS, tag);
	if (attrs)
		setAttrs(e, attrs);
	fill(e, content);
	return e;
}

// Links the stylesheet at href (an absolute path such as /css/views.css)
// from the document's head, once: a page's own styles, added when it mounts.
export function stylesheet(href)
{
	if (document.querySelector(`link[rel="stylesheet"][href="${href}"]`))
		return;
	document.head.appendChild(el('link', null, null, {rel: 'stylesheet', href}));
}
