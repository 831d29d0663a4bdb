// filters.js: the filter sidebar: addresses and CIDR prefixes (IPv4 and
// IPv6), ports and protocols, each as an include and an exclude list.
// Entries are checked here first (lib/filters.js), each bad one named under
// its field, and only a clean set goes into the URL state; what the API
// still refuses shows as its 400 message in the widgets that asked.

import {FILTER_KEYS, filterKind, parseFilterList} from '../lib/filters.js';
import {el} from '../lib/dom.js';
import {panelHead} from './panel.js';

const LABELS = {
	ips: ['Addresses', '10.0.0.0/8, 192.168.1.7, 2001:db8::/32'],
	ports: ['Ports', '80, 443, 53'],
	protos: ['Protocols', 'tcp, udp, icmp, other or 0-255'],
};

// Creates the sidebar in container. Returns {update(state), destroy()}.
export function createFilterSidebar(container, ctx)
{
	const inputs = {};
	const errs = {};
	const fieldsets = ['ips', 'ports', 'protos'].map(kind => el('fieldset', null, [
		el('legend', null, LABELS[kind][0]),
		...['include', 'exclude'].flatMap((mode) => {
			const key = `${mode}_${kind}`;
			inputs[key] = el('input', null, null, {type: 'text', name: key, placeholder: LABELS[kind][1],
				autocomplete: 'off', spellcheck: false});
			errs[key] = el('div', 'fi-field-error', null, {dataset: {for: key}});
			return [el('label', null, [mode, inputs[key]]), errs[key]];
		}),
	]));
	const clear = el('button', 'fi-clear', 'Clear', {type: 'button'});
	const form = el('form', 'fi-widget fi-filters', [
		panelHead('Filters'),
		...fieldsets,
		el('div', 'fi-filter-buttons', [el('button', 'fi-apply', 'Apply', {type: 'submit'}), clear]),
	], {noValidate: true});
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
