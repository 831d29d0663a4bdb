// state.js: the view state in the browser's address bar. Reads the current
// location as {path, state} and writes a state back with the history API
// (push for a new view, replace for small steps such as typing), so the
// back and forward buttons and a copied link reproduce a view. The state
// object and its URL form are defined in lib/urlstate.js.

import {parseState, serializeState, serializeCommon, mergeState, apiParams, emptyState} from './lib/urlstate.js';

export {parseState, serializeState, serializeCommon, mergeState, apiParams, emptyState};

// The path without a trailing slash ("/" stays "/").
export function normalPath(path)
{
	return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}

// The current location as {path, state}.
export function readLocation()
{
	return {path: normalPath(location.pathname), state: parseState(location.search)};
}

// The URL of a view: path plus the state's query.
export function viewUrl(path, st)
{
	return path + serializeState(st);
}

// Puts path + state into the address bar: a new history entry unless
// replace is true. Does nothing when the URL would not change.
export function writeLocation(path, st, {replace = false} = {})
{
	const url = viewUrl(path, st);
	if (url === location.pathname + location.search)
		return false;
	if (replace)
		history.replaceState(null, '', url);
	else
		history.pushState(null, '', url);
	return true;
}
