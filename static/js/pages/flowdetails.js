// flowdetails.js: the /flow-details page (SPEC 7): the dashboard with the
// filter sidebar (protocols, ports, addresses, each include or exclude).

import {mountDashboard} from './dashboard.js';

export const title = 'Flow details';

export function mount(root, ctx)
{
	return mountDashboard(root, ctx, {withSidebar: true});
}
