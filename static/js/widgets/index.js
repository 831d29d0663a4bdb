// index.js: the shared widgets, handed to every page as ctx.widgets (see
// pages/README.md for each one's use).

export {createStatus} from './status.js';
export {showTooltip, moveTooltip, hideTooltip, attachTooltip} from './tooltip.js';
export {createTimeline} from './timeline.js';
export {createFilterSidebar} from './filters.js';
export {donutChart} from './donut.js';
export {hostBars} from './hostbars.js';
export {protocolChart} from './protochart.js';
export {panel, panelHead, putChart} from './panel.js';
export {createDonutRow} from './donutrow.js';
export {pageScaffold} from './scaffold.js';
export {createTopHosts, hostsOption} from './tophosts.js';
export {createTraffic} from './traffic.js';
