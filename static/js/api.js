// api.js: the pages' one way to ask the JSON API (fcgi/API.md). Builds the
// query string, fetches, and turns an error answer into an ApiError that
// carries the API's own {"error": ...} message, so widgets can show it.
// A 503 with Retry-After (the database is down, or the server is busy) is
// asked again after the wait, a few times, before it counts as an error;
// the request's promise tells listeners (onRetry) while it waits, so the
// widget can say so instead of showing the error at once.

// How many times a 503 with Retry-After is asked again, the longest wait
// honoured (seconds), and the most random time added to each wait (ms) so
// that the widgets of a page do not all come back at the same instant.
export const RETRY_MAX = 3;
export const RETRY_CAP_S = 30;
export const RETRY_JITTER_MS = 500;

// An error answer of the API (or the network failing): message is the API's
// text where it sent one; status is the HTTP status (0 for network errors).
export class ApiError extends Error {
	constructor(message, status, path)
	{
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.path = path;
	}
}

// The URL of path (say '/api/bucket/query') with params: entries whose
// value is null, undefined or '' are left out; arrays are joined by commas.
export function apiUrl(path, params = {})
{
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v === null || v === undefined || v === '')
			continue;
		q.set(k, Array.isArray(v) ? v.join(',') : String(v));
	}
	const s = q.toString();
	return s ? `${path}?${s}` : path;
}

// The wait a Retry-After header asks for, in whole seconds capped at
// RETRY_CAP_S; null when there is none or it is not the delta-seconds form
// (the responder sends seconds; an HTTP date counts as no header).
export function retryAfterSeconds(value)
{
	if (value === null || value === undefined)
		return null;
	const s = String(value).trim();
	if (!/^[0-9]+$/.test(s))
		return null;
	return Math.min(Number(s), RETRY_CAP_S);
}

// The rejection of an aborted request: the signal's reason when that is an
// AbortError (what abort() without a reason gives), else a new one.
function abortError(signal)
{
	const r = signal && signal.reason;
	if (r && r.name === 'AbortError')
		return r;
	return new DOMException('The request was aborted.', 'AbortError');
}

// Resolves after ms milliseconds; rejects with an AbortError as soon as
// signal aborts (the timer is cleared then).
export function sleep(ms, signal)
{
	return new Promise((resolve, reject) => {
		if (signal && signal.aborted) {
			reject(abortError(signal));
			return;
		}
		const onAbort = () => {
			clearTimeout(timer);
			reject(abortError(signal));
		};
		const timer = setTimeout(() => {
			if (signal)
				signal.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		if (signal)
			signal.addEventListener('abort', onAbort, {once: true});
	});
}

// Gives promise an onRetry(fn) that subscribes fn to the retry notices of
// every request in sources (promises made by api(), or by this); returns
// promise. For promises built from requests: Promise.all, .then, .finally.
export function carryRetries(promise, sources)
{
	promise.onRetry = (fn) => {
		for (const s of sources) {
			if (s && typeof s.onRetry === 'function')
				s.onRetry(fn);
		}
		return promise;
	};
	return promise;
}

// Promise.all over requests, keeping their retry notices.
export function allRequests(requests)
{
	return carryRetries(Promise.all(requests), requests);
}

// One answer: status, headers and the parsed body (null when not JSON).
async function fetchOnce(fetchFn, url, signal, path)
{
	let res;
	try {
		res = await fetchFn(url, {signal, headers: {Accept: 'application/json'}});
	} catch (e) {
		if (e.name === 'AbortError')
			throw e;
		throw new ApiError(`The API cannot be reached (${e.message}).`, 0, path);
	}
	let body = null;
	try {
		body = await res.json();
	} catch (e) {
		if (e.name === 'AbortError')
			throw e;
		body = null;
	}
	return {res, body};
}

async function request(path, params, opts, notify)
{
	const {signal} = opts;
	const fetchFn = opts.fetch || ((...a) => globalThis.fetch(...a));
	const wait = opts.sleep || sleep;
	const random = opts.random || Math.random;
	const retries = opts.retries ?? RETRY_MAX;
	const url = apiUrl(path, params);
	let res;
	let body;
	for (let attempt = 1; ; attempt++) {
		({res, body} = await fetchOnce(fetchFn, url, signal, path));
		const seconds = res.status === 503 && attempt <= retries
			? retryAfterSeconds(res.headers.get('Retry-After')) : null;
		if (seconds === null)
			break;
		const ms = seconds * 1000 + Math.floor(random() * RETRY_JITTER_MS);
		notify({
			attempt,
			max: retries,
			seconds,
			until: Date.now() + ms,
			message: body && typeof body.error === 'string' ? body.error : 'The server is busy.',
		});
		await wait(ms, signal);
		if (signal && signal.aborted)
			throw abortError(signal);
		notify(null);
	}
	if (!res.ok) {
		const msg = body && typeof body.error === 'string' ? body.error : `HTTP ${res.status} ${res.statusText}`;
		throw new ApiError(msg, res.status, path);
	}
	if (body === null)
		throw new ApiError('The API answered something that is not JSON.', res.status, path);
	return body;
}

// Fetches path with params and resolves to the parsed JSON body. Rejects
// with an ApiError (message from the API's "error" member) on any status
// but 2xx, or when the body is not JSON; with an AbortError when
// opts.signal aborts (callers ignore that one: a newer request replaced it).
// A 503 with a Retry-After header is asked again up to RETRY_MAX times,
// each after the header's seconds (at most RETRY_CAP_S) and a little
// jitter; aborting the signal ends the wait at once.
//
// The promise has onRetry(fn): fn(info) is called when the request starts
// to wait for a retry (info: {attempt, max, seconds, until (ms since the
// epoch), message (the API's text)}) and fn(null) when it asks again; a
// listener added during a wait gets the current info at once. opts.onRetry
// is a first listener. opts.retries (default RETRY_MAX) lowers the number
// of tries (0: none). opts.fetch and opts.sleep(ms, signal) replace the
// global fetch and the timer (tests), opts.random the jitter's source.
export function api(path, params = {}, opts = {})
{
	const listeners = new Set();
	let current = null;
	const notify = (info) => {
		current = info;
		for (const fn of listeners)
			fn(info);
	};
	if (opts.onRetry)
		listeners.add(opts.onRetry);
	let settled = false;
	const p = request(path, params, opts, notify);
	const done = () => {
		settled = true;
		current = null;
		listeners.clear();
	};
	p.then(done, done);
	p.onRetry = (fn) => {
		if (settled)
			return p;
		listeners.add(fn);
		if (current)
			fn(current);
		return p;
	};
	return p;
}

// True for the rejection of an aborted request (not an error to show).
export function isAbort(e)
{
	return e && e.name === 'AbortError';
}
