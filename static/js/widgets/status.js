// status.js: the loading and error states of a widget: a "loading" veil
// over the widget while its request runs, and the API's error message in
// place of a blank chart when it fails, and, while a request waits to be
// asked again after a 503 (api.js), the API's message with a countdown. The
// widget's element carries data-status="loading" | "error" | "ready" (the
// browser tests wait on it; a retry wait is "loading" too).

import {isAbort} from '../api.js';
import {el} from '../lib/dom.js';

// Status display for container (an element; it gets the fi-status-host
// class for positioning). Returns {loading(), retrying(info), error(err),
// ready(), run(promise)}; run shows loading until promise settles, then
// ready or the error (an aborted request changes nothing), and resolves to
// the value or to undefined after an error or abort. When promise has
// onRetry (api.js: requests, and promises built with carryRetries), run
// shows its retry waits.
export function createStatus(container)
{
	container.classList.add('fi-status-host');
	const box = el('div', 'fi-status', null, {hidden: true});
	container.appendChild(box);
	let pending = 0;
	let ticker = null; // the retry countdown's interval

	const stopTicker = () => {
		if (ticker !== null) {
			clearInterval(ticker);
			ticker = null;
		}
	};
	const retryText = (info) => {
		// whole seconds, the jitter rounded away; never "0 s" while waiting
		const left = Math.max(1, Math.round((info.until - Date.now()) / 1000));
		return `${info.message} Retrying in ${left} s (${info.attempt} of ${info.max})…`;
	};

	// The veil shown: status for data-status, kind for its class (fi-loading,
	// fi-error, fi-empty), text in it.
	const show = (status, kind, text) => {
		stopTicker();
		container.dataset.status = status;
		box.className = `fi-status fi-${kind}`;
		box.textContent = text;
		box.hidden = false;
	};

	const st = {
		loading(text = 'Loading…') {
			show('loading', 'loading', text);
		},
		// A request waits to be asked again (info from api.js's onRetry):
		// the API's message and the seconds left, counting down.
		retrying(info) {
			st.loading(retryText(info));
			box.classList.add('fi-retrying');
			ticker = setInterval(() => {
				box.textContent = retryText(info);
			}, 1000);
		},
		error(err) {
			show('error', 'error', '');
			// one inline box: the flex layout would drop the space otherwise
			box.appendChild(el('span', null, [el('strong', null, 'Error:'), ' ',
				err && err.message ? err.message : String(err)]));
		},
		ready() {
			stopTicker();
			container.dataset.status = 'ready';
			box.hidden = true;
			box.textContent = '';
		},
		// The message shown when a query matched nothing.
		empty(text = 'No data in this range.') {
			show('ready', 'empty', text);
		},
		async run(promise) {
			const mine = ++pending;
			st.loading();
			if (promise && typeof promise.onRetry === 'function') {
				let last = null;
				promise.onRetry((info) => {
					if (mine !== pending)
						return;
					if (info)
						st.retrying(info);
					else if (last)
						st.loading(`Retrying (${last.attempt} of ${last.max})…`);
					last = info || last;
				});
			}
			try {
				const v = await promise;
				if (mine === pending)
					st.ready();
				return v;
			} catch (e) {
				if (isAbort(e))
					return undefined;
				if (mine === pending)
					st.error(e);
				return undefined;
			}
		},
		element: box,
	};
	return st;
}
