// scaffold.js: the one frame of the pages that brush a time range (the
// dashboard and flow details, the flow table, the graph views, the address
// map): the page's root as a .fi-layout of an optional sidebar (the page's
// own forms, then the filter form) beside the main column, which the
// timeline heads. The overview shows all time and has no such frame.

import {el} from '../lib/dom.js';
import {createFilterSidebar} from './filters.js';
import {createTimeline} from './timeline.js';

// Builds the frame in root (the page's empty root). opts: main (more
// classes of the main column, e.g. fi-dashboard), side (nodes that head the
// sidebar), filters (true: the filter sidebar). The sidebar, an
// <aside class="fi-sidebar">, is there when side or filters is. Returns
// {side (null without a sidebar), main (put the page's panels here),
// filters (the filter sidebar, or null), timeline, update(state) (call it
// from the page's update), destroy() (from the page's destroy)}.
export function pageScaffold(root, ctx, {main: cls = '', side = [], filters = false} = {})
{
	root.classList.add('fi-layout');
	const aside = side.length || filters ? el('aside', 'fi-sidebar', side) : null;
	const main = el('div', cls ? `fi-main ${cls}` : 'fi-main');
	root.append(...(aside ? [aside, main] : [main]));
	const sidebar = filters ? createFilterSidebar(aside, ctx) : null;
	const timeline = createTimeline(main, ctx);
	return {
		side: aside,
		main,
		filters: sidebar,
		timeline,
		update(state) {
			if (sidebar)
				sidebar.update(state);
			timeline.update(state);
		},
		destroy() {
			timeline.destroy();
			if (sidebar)
				sidebar.destroy();
		},
	};
}
