// api.js: the pages' one way to ask the JSON API (fcgi/API.md). Builds the
// query string, fetches, and turns an error answer into an ApiError that
// carries the API's own {"error": ...} message, so widgets can show it.

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

// Fetches path with params and resolves to the parsed JSON body. Rejects
// with an ApiError (message from the API's "error" member) on any status
// but 2xx, or when the body is not JSON; with the fetch's AbortError when
// opts.signal aborts (callers ignore that one: a newer request replaced it).
export async function api(path, params = {}, {signal} = {})
{
	const url = apiUrl(path, params);
	let res;
	try {
		res = await fetch(url, {signal, headers: {Accept: 'application/json'}});
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
	if (!res.ok) {
		const msg = body && typeof body.error === 'string' ? body.error : `HTTP ${res.status} ${res.statusText}`;
		throw new ApiError(msg, res.status, path);
	}
	if (body === null)
		throw new ApiError('The API answered something that is not JSON.', res.status, path);
	return body;
}

// True for the rejection of an aborted request (not an error to show).
export function isAbort(e)
{
	return e && e.name === 'AbortError';
}
