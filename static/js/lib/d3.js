// d3.js: the one way a module reaches d3 v7: `import {d3} from '../lib/d3.js'`.
// d3 is npm's pinned dist/d3.min.js (a UMD bundle, not an ES module),
// served from /vendor/ (deploy/vendor.sh) and loaded by index.html as a
// classic script, which runs before any module; it leaves the global this
// module hands on, so no other module names the global. Under node (the
// pure modules' tests) there is no d3 and the export is undefined.

export const d3 = globalThis.d3;
