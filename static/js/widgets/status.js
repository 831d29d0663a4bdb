// status.js: the loading and error states of a widget: a "loading" veil
// over the widget while its request runs, and the API's error message in
// place of a blank chart when it fails. The widget's element carries
// data-status="loading" | "error" | "ready" (the browser tests wait on it).

import {isAbort} from '../api.js';

// Status display for container (an element; it gets the fi-status-host
// class for positioning). Returns {loading(), error(err), ready(),
// run(promise)}; run shows loading until promise settles, then ready or the
// error (an aborted request changes nothing), and resolves to the value or
// to undefined after an error or abort.
export function createStatus(container)
{
	container.classList.add('fi-status-host');
	const box = document.createElement('div');
	box.className = 'fi-status';
	box.hidden = true;
	container.appendChild(box);
	let pending = 0;

	const st = {
		loading(text = 'Loading…') {
			container.dataset.status = 'loading';
			box.className = 'fi-status fi-loading';
			box.textContent = text;
			box.hidden = false;
		},
		error(err) {
			container.dataset.status = 'error';
			box.className = 'fi-status fi-error';
			box.textContent = '';
			// one inline box: the flex layout would drop the space otherwise
			const line = document.createElement('span');
			const strong = document.createElement('strong');
			strong.textContent = 'Error:';
			line.append(strong, ' ', err && err.message ? err.message : String(err));
			box.appendChild(line);
			box.hidden = false;
		},
		ready() {
			container.dataset.status = 'ready';
			box.hidden = true;
			box.textContent = '';
		},
		// The message shown when a query matched nothing.
		empty(text = 'No data in this range.') {
			container.dataset.status = 'ready';
			box.className = 'fi-status fi-empty';
			box.textContent = text;
			box.hidden = false;
		},
		async run(promise) {
			const mine = ++pending;
			st.loading();
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
