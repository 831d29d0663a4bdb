// dom.js: the one small element builder the pages and widgets share.

// A new <tag> with class cls (if any) and text content text (if given).
export function el(tag, cls, text)
{
	const e = document.createElement(tag);
	if (cls)
		e.className = cls;
	if (text !== undefined)
		e.textContent = text;
	return e;
}
