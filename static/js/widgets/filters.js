// filters.js: the filter sidebar: addresses and CIDR prefixes (IPv4 and
// IPv6), ports and protocols, each as an include and an exclude list.
// Entries are checked here first (lib/filters.js), each bad one named under
// its field, and only a clean set goes into the URL state; what the API
// still refuses shows as its 400 message in the widgets that asked.

import {FILTER_KEYS, filterKind, parseFilterList} from '../lib/filters.js';

const LABELS = {
	ips: ['Addresses', '10.0.0.0/8, 192.168.1.7, 2001:db8::/32'],
	ports: ['Ports', '80, 443, 53'],
	protos: ['Protocols', 'tcp, udp, icmp, other or 0-255'],
};

// Creates the sidebar in container. Returns {update(state), destroy()}.
export function createFilterSidebar(container, ctx)
{
	const form = document.createElement('form');
	form.className = 'fi-widget fi-filters';
	form.noValidate = true;
	const h = document.createElement('div');
	h.className = 'fi-widget-head';
	const t = document.createElement('span');
	t.className = 'fi-widget-title';
	t.textContent = 'Filters';
	h.appendChild(t);
	form.appendChild(h);
	const inputs = {};
	const errs = {};
	for (const kind of ['ips', 'ports', 'protos']) {
		const fs = document.createElement('fieldset');
		const lg = document.createElement('legend');
		lg.textContent = LABELS[kind][0];
		fs.appendChild(lg);
		for (const mode of ['include', 'exclude']) {
			const key = `${mode}_${kind}`;
			const lab = document.createElement('label');
			lab.textContent = mode;
			const inp = document.createElement('input');
			inp.type = 'text';
			inp.name = key;
			inp.placeholder = LABELS[kind][1];
			inp.autocomplete = 'off';
			inp.spellcheck = false;
			lab.appendChild(inp);
			const err = document.createElement('div');
			err.className = 'fi-field-error';
			err.dataset.for = key;
			fs.append(lab, err);
			inputs[key] = inp;
			errs[key] = err;
		}
		form.appendChild(fs);
	}
	const buttons = document.createElement('div');
	buttons.className = 'fi-filter-buttons';
	const apply = document.createElement('button');
	apply.type = 'submit';
	apply.textContent = 'Apply';
	apply.className = 'fi-apply';
	const clear = document.createElement('button');
	clear.type = 'button';
	clear.textContent = 'Clear';
	clear.className = 'fi-clear';
	buttons.append(apply, clear);
	form.appendChild(buttons);
	container.appendChild(form);

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const filters = {};
		let bad = false;
		for (const key of FILTER_KEYS) {
			const {values, errors} = parseFilterList(filterKind(key), inputs[key].value);
			errs[key].textContent = errors.join('; ');
			inputs[key].classList.toggle('fi-invalid', errors.length > 0);
			inputs[key].setAttribute('aria-invalid', errors.length ? 'true' : 'false');
			bad = bad || errors.length > 0;
			filters[key] = values;
		}
		form.dataset.valid = bad ? 'false' : 'true';
		if (!bad)
			ctx.setState({filters});
	});
	clear.addEventListener('click', () => {
		const filters = {};
		for (const key of FILTER_KEYS) {
			filters[key] = [];
			inputs[key].value = '';
			errs[key].textContent = '';
			inputs[key].classList.remove('fi-invalid');
		}
		ctx.setState({filters});
	});

	let shown = null;
	return {
		update(state) {
			// a new filter state (applied, back/forward, a link) replaces
			// the fields; the same one leaves what the user is typing
			const now = JSON.stringify(state.filters);
			if (now === shown)
				return;
			shown = now;
			for (const key of FILTER_KEYS) {
				inputs[key].value = state.filters[key].join(', ');
				errs[key].textContent = '';
				inputs[key].classList.remove('fi-invalid');
				inputs[key].setAttribute('aria-invalid', 'false');
			}
		},
		destroy() {
			form.remove();
		},
	};
}
