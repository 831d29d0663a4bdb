// topojson.js: the one way a module reaches topojson-client (the world
// map's country shapes are TopoJSON): `import {topojson} from
// '../lib/topojson.js'`. It is npm's pinned dist/topojson-client.min.js (a
// UMD bundle), served from /vendor/ (deploy/vendor.sh) and loaded by
// index.html as a classic script before any module, as d3 is (lib/d3.js).
// Under node there is no such global and the export is undefined.

export const topojson = globalThis.topojson;
