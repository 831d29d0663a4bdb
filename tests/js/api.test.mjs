// api.test.mjs: the pages' fetch path (static/js/api.js) asking again after
// a 503 with Retry-After: the number of tries, the waits (capped, with
// jitter), the notices a widget shows, the abort of a waiting request, and
// every other answer behaving as a plain request. The fetch is injected
// (Response objects made here), the waits too, so no test sleeps.
import test from 'node:test';
import assert from 'node:assert/strict';
import {api, apiUrl, retryAfterSeconds, sleep, allRequests, carryRetries, isAbort,
	ApiError, RETRY_MAX, RETRY_CAP_S, RETRY_JITTER_MS} from '../../static/js/api.js';

const BUSY = {error: 'The server is busy with other large queries; try again shortly.'};

function answer(status, body, headers = {})
{
	return new Response(typeof body === 'string' ? body : JSON.stringify(body),
		{status, headers: {'Content-Type': 'application/json', ...headers}});
}

// A fetch that hands out answers in turn (the last one forever) and
// records the URLs and signals it was called with.
function scripted(answers)
{
	const calls = [];
	const f = async (url, init) => {
		calls.push({url, init});
		const a = answers[Math.min(calls.length - 1, answers.length - 1)];
		return a();
	};
	f.calls = calls;
	return f;
}

// A sleep that records the waits and returns at once.
function recorder()
{
	const waits = [];
	const s = async (ms, signal) => {
		waits.push(ms);
		if (signal && signal.aborted)
			throw new DOMException('aborted', 'AbortError');
	};
	s.waits = waits;
	return s;
}

test('Retry-After: delta seconds, capped; anything else is no header', () => {
	assert.equal(retryAfterSeconds('5'), 5);
	assert.equal(retryAfterSeconds(' 0 '), 0);
	assert.equal(retryAfterSeconds('30'), 30);
	assert.equal(retryAfterSeconds('31'), RETRY_CAP_S);
	assert.equal(retryAfterSeconds('86400'), 30);
	assert.equal(retryAfterSeconds(null), null);
	assert.equal(retryAfterSeconds(''), null);
	assert.equal(retryAfterSeconds('-1'), null);
	assert.equal(retryAfterSeconds('1.5'), null);
	assert.equal(retryAfterSeconds('Fri, 27 Nov 2026 10:00:00 GMT'), null);
});

test('a 503 with Retry-After is asked again, then the answer is the value', async () => {
	const fetch = scripted([() => answer(503, BUSY, {'Retry-After': '2'}), () => answer(200, {results: [1]})]);
	const sleep = recorder();
	const notices = [];
	const p = api('/api/bucket/query', {limit: 5}, {fetch, sleep, random: () => 0.5});
	p.onRetry((info) => notices.push(info));
	assert.deepEqual(await p, {results: [1]});
	assert.equal(fetch.calls.length, 2);
	assert.equal(fetch.calls[0].url, '/api/bucket/query?limit=5');
	assert.equal(fetch.calls[1].url, '/api/bucket/query?limit=5');
	assert.deepEqual(sleep.waits, [2000 + RETRY_JITTER_MS / 2]);
	assert.equal(notices.length, 2);
	assert.equal(notices[0].attempt, 1);
	assert.equal(notices[0].max, RETRY_MAX);
	assert.equal(notices[0].seconds, 2);
	assert.equal(notices[0].message, BUSY.error);
	assert.ok(notices[0].until > Date.now() - 1000);
	assert.equal(notices[1], null, 'the request went out again');
});

test('after RETRY_MAX retries the 503 is the usual error', async () => {
	assert.equal(RETRY_MAX, 3);
	const fetch = scripted([() => answer(503, {error: 'The database is not available.'}, {'Retry-After': '5'})]);
	const sleep = recorder();
	const attempts = [];
	const p = api('/api/meta', {}, {fetch, sleep, random: () => 0, onRetry: (i) => i && attempts.push(i.attempt)});
	await assert.rejects(p, (e) => e instanceof ApiError && e.status === 503 &&
		e.message === 'The database is not available.' && e.path === '/api/meta');
	assert.equal(fetch.calls.length, 1 + RETRY_MAX);
	assert.deepEqual(sleep.waits, [5000, 5000, 5000]);
	assert.deepEqual(attempts, [1, 2, 3]);
});

test('no retry for a 503 without Retry-After, nor for other statuses', async () => {
	for (const [status, headers] of [[503, {}], [503, {'Retry-After': 'soon'}], [500, {'Retry-After': '1'}],
		[429, {'Retry-After': '1'}], [400, {}]]) {
		const fetch = scripted([() => answer(status, {error: `no ${status}`}, headers),
			() => answer(200, {ok: true})]);
		const sleep = recorder();
		await assert.rejects(api('/api/x', {}, {fetch, sleep}),
			(e) => e instanceof ApiError && e.status === status && e.message === `no ${status}`);
		assert.equal(fetch.calls.length, 1, `${status} ${JSON.stringify(headers)}`);
		assert.deepEqual(sleep.waits, []);
	}
	// a caller that asks for no retries (the shell's /api/meta)
	const once = scripted([() => answer(503, BUSY, {'Retry-After': '1'}), () => answer(200, {ok: true})]);
	await assert.rejects(api('/api/meta', {}, {fetch: once, sleep: recorder(), retries: 0}),
		(e) => e.status === 503 && e.message === BUSY.error);
	assert.equal(once.calls.length, 1);
	// a 503 that is not JSON keeps the HTTP text, as before
	const fetch = scripted([() => new Response('<html>', {status: 503, statusText: 'Service Unavailable'})]);
	await assert.rejects(api('/api/x', {}, {fetch, sleep: recorder()}),
		(e) => e.status === 503 && e.message === 'HTTP 503 Service Unavailable');
});

test('the wait is capped at 30 s plus under RETRY_JITTER_MS of jitter', async () => {
	const fetch = scripted([() => answer(503, BUSY, {'Retry-After': '3600'}), () => answer(200, {ok: 1})]);
	const sleep = recorder();
	let info = null;
	await api('/api/x', {}, {fetch, sleep, random: () => 0.999, onRetry: (i) => { info = info || i; }});
	assert.equal(info.seconds, 30);
	assert.equal(sleep.waits.length, 1);
	assert.ok(sleep.waits[0] >= 30000 && sleep.waits[0] < 30000 + RETRY_JITTER_MS, String(sleep.waits[0]));
	assert.ok(info.until - Date.now() <= 30000 + RETRY_JITTER_MS);
});

test('an abort during the wait ends it at once with an AbortError', async (t) => {
	t.mock.timers.enable({apis: ['setTimeout']});
	const ac = new AbortController();
	const fetch = scripted([() => answer(503, BUSY, {'Retry-After': '20'}), () => answer(200, {ok: 1})]);
	let waiting;
	const notified = new Promise((resolve) => { waiting = resolve; });
	// the real sleep: its 20 s timer is a mocked one that never runs
	const p = api('/api/x', {}, {fetch, signal: ac.signal, random: () => 0, onRetry: (i) => i && waiting(i)});
	const info = await notified;
	assert.equal(info.seconds, 20);
	ac.abort();
	await assert.rejects(p, (e) => isAbort(e));
	assert.equal(fetch.calls.length, 1, 'no second request after the abort');
	t.mock.timers.tick(60000);
	await new Promise((r) => setImmediate(r));
	assert.equal(fetch.calls.length, 1);
});

test('sleep: waits, and rejects at once when aborted before or during', async (t) => {
	t.mock.timers.enable({apis: ['setTimeout']});
	let done = false;
	const s = sleep(1000).then(() => { done = true; });
	t.mock.timers.tick(999);
	await Promise.resolve();
	assert.equal(done, false);
	t.mock.timers.tick(1);
	await s;
	assert.equal(done, true);
	const ac = new AbortController();
	const w = sleep(5000, ac.signal);
	ac.abort();
	await assert.rejects(w, (e) => isAbort(e));
	await assert.rejects(sleep(10, ac.signal), (e) => isAbort(e));
	// an abort with a reason that is not an AbortError still reads as one
	const ac2 = new AbortController();
	const w2 = sleep(5000, ac2.signal);
	ac2.abort(new Error('gone'));
	await assert.rejects(w2, (e) => isAbort(e));
});

test('a listener added during the wait gets the current notice; combined requests carry them', async () => {
	let release;
	const gate = new Promise((r) => { release = r; });
	const sleep = async () => gate;
	const fetch = scripted([() => answer(503, BUSY, {'Retry-After': '1'}), () => answer(200, {n: 1})]);
	const a = api('/api/a', {}, {fetch, sleep, random: () => 0});
	const b = api('/api/b', {}, {fetch: scripted([() => answer(200, {n: 2})])});
	const both = allRequests([a, b]);
	const shaped = carryRetries(both.then(([x, y]) => x.n + y.n), [both]);
	// wait until a is waiting
	await new Promise((r) => a.onRetry((i) => i && r()));
	const seen = [];
	shaped.onRetry((i) => seen.push(i && i.seconds));
	assert.deepEqual(seen, [1]);
	release();
	assert.equal(await shaped, 3);
	assert.deepEqual(seen, [1, null]);
});

test('apiUrl still drops empty values and joins arrays', () => {
	assert.equal(apiUrl('/api/x', {a: null, b: '', c: [1, 2], d: 0}), '/api/x?c=1%2C2&d=0');
	assert.equal(apiUrl('/api/x'), '/api/x');
});
