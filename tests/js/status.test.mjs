// status.test.mjs: the widget status (static/js/widgets/status.js) while a
// request waits to be asked again after a 503: the API's message with the
// seconds left, still data-status="loading", then ready or the error; a
// newer run hides an older request's notices. The few DOM calls the status
// makes are served by a small stand-in element here; the request is the
// real api() with an injected fetch and sleep.
import test from 'node:test';
import assert from 'node:assert/strict';
import {api} from '../../static/js/api.js';
import {createStatus} from '../../static/js/widgets/status.js';

// Just enough of an element for status.js: classes, dataset, children, text.
class El {
	constructor()
	{
		this.dataset = {};
		this.children = [];
		this.className = '';
		this.hidden = false;
		this.text = '';
		const el = this;
		this.classList = {add: (c) => { el.className = `${el.className} ${c}`.trim(); }};
	}

	appendChild(c)
	{
		this.children.push(c);
		return c;
	}

	append(...parts)
	{
		for (const p of parts)
			this.children.push(p);
	}

	set textContent(t)
	{
		this.text = t;
		this.children = [];
	}

	get textContent()
	{
		return this.text + this.children.map((c) => (typeof c === 'string' ? c : c.textContent)).join('');
	}
}

globalThis.document = {createElement: () => new El()};

function answer(status, body, headers = {})
{
	return new Response(JSON.stringify(body), {status, headers});
}

const BUSY = {error: 'The server is busy.'};

// A sleep held until release() and the fetch answers in turn.
function gated()
{
	let release;
	const gate = new Promise((r) => { release = r; });
	return {sleep: () => gate, release: () => release()};
}

function fetchOf(answers)
{
	let n = 0;
	return async () => answers[Math.min(n++, answers.length - 1)]();
}

test('a retry wait shows the message and the seconds left, then ready', async () => {
	const host = new El();
	const st = createStatus(host);
	const g = gated();
	const seen = new Promise((resolve) => {
		const req = api('/api/x', {}, {
			fetch: fetchOf([() => answer(503, BUSY, {'Retry-After': '7'}), () => answer(200, {v: 1})]),
			sleep: g.sleep, random: () => 0, onRetry: (i) => i && setImmediate(resolve),
		});
		st.result = st.run(req);
	});
	await seen;
	assert.equal(host.dataset.status, 'loading');
	assert.match(st.element.textContent, /^The server is busy\. Retrying in 7 s \(1 of 3\)…$/);
	assert.match(st.element.className, /fi-retrying/);
	g.release();
	assert.deepEqual(await st.result, {v: 1});
	assert.equal(host.dataset.status, 'ready');
	assert.equal(st.element.hidden, true);
});

test('giving up shows the usual error; a newer run hides older notices', async () => {
	const host = new El();
	const st = createStatus(host);
	const res = await st.run(api('/api/x', {}, {
		fetch: fetchOf([() => answer(503, BUSY, {'Retry-After': '1'})]), sleep: async () => {}, random: () => 0,
	}));
	assert.equal(res, undefined);
	assert.equal(host.dataset.status, 'error');
	assert.equal(st.element.textContent, 'Error: The server is busy.');

	const g = gated();
	const old = api('/api/x', {}, {
		fetch: fetchOf([() => answer(503, BUSY, {'Retry-After': '3'}), () => answer(200, {v: 0})]),
		sleep: g.sleep, random: () => 0,
	});
	const oldRun = st.run(old);
	const newer = st.run(api('/api/x', {}, {fetch: fetchOf([() => answer(200, {v: 2})])}));
	assert.deepEqual(await newer, {v: 2});
	await new Promise((r) => old.onRetry((i) => i && r()));
	await new Promise((r) => setImmediate(r));
	assert.equal(host.dataset.status, 'ready', 'the older request\'s wait is not shown');
	g.release();
	await oldRun;
	assert.equal(host.dataset.status, 'ready');
});
