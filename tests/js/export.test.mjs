// export.test.mjs: the CSV export (static/js/lib/export.js), the heading
// of SVG/PNG exports (title and caption as text above the chart; the DOM
// calls it makes are served by a small stand-in here, the browser tests
// check real files) and the colours of SPEC 7 (static/js/lib/colors.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import {toCsv, csvField, exportCaption, headingWidth, withHeading} from '../../static/js/lib/export.js';
import {PROTO_COLORS, PROTO_CLASSES, timeColor} from '../../static/js/lib/colors.js';

test('CSV fields are quoted when they must be', () => {
	assert.equal(csvField('plain'), 'plain');
	assert.equal(csvField(42), '42');
	assert.equal(csvField(null), '');
	assert.equal(csvField(undefined), '');
	assert.equal(csvField('a,b'), '"a,b"');
	assert.equal(csvField('say "hi"'), '"say ""hi"""');
	assert.equal(csvField('two\nlines'), '"two\nlines"');
	assert.equal(csvField('2001:db8::1'), '2001:db8::1');
});

test('CSV: header, rows, keys or functions, CRLF', () => {
	const rows = [{id: 1, n: 'a'}, {id: 2, n: 'b,c'}];
	assert.equal(toCsv(['id', 'n'], rows), 'id,n\r\n1,a\r\n2,"b,c"\r\n');
	assert.equal(toCsv([{label: 'twice', value: r => 2 * r.id}, {label: 'name', value: 'n'}], rows),
		'twice,name\r\n2,a\r\n4,"b,c"\r\n');
	assert.equal(toCsv(['id'], []), 'id\r\n');
});

test('SPEC 7 colours', () => {
	assert.deepEqual(PROTO_CLASSES, ['tcp', 'udp', 'icmp', 'other']);
	assert.deepEqual(PROTO_COLORS, {tcp: 'rgb(204,0,0)', udp: 'rgb(0,204,0)', icmp: 'rgb(0,102,204)',
		other: 'rgb(255,163,71)'});
	assert.equal(timeColor(1), 'rgb(255,0,0)', 'late is red');
	const [r, g, b] = timeColor(0).match(/\d+/g).map(Number);
	assert.ok(g > r && g > b && g > 150, 'early is a faint green');
	assert.equal(timeColor(-1), timeColor(0));
	assert.equal(timeColor(2), timeColor(1));
	assert.equal(timeColor(NaN), timeColor(0));
});

const STATE = {from: null, to: null, bucket_size: null, value: 'flows', opts: {},
	filters: {include_ips: [], exclude_ips: [], include_ports: [], exclude_ports: [],
		include_protos: [], exclude_protos: []}};

test('export caption: range, value, filters', () => {
	assert.equal(exportCaption(STATE), 'all data · flows');
	const st = {...STATE, from: 1714557600, to: 1714564800, value: 'bytes',
		filters: {...STATE.filters, include_ports: ['80', '443'], exclude_ips: ['10.0.0.0/8'],
			include_protos: ['tcp']}};
	assert.equal(exportCaption(st),
		'2024-05-01 10:00 – 12:00 UTC · bytes · not addresses 10.0.0.0/8 · ports 80, 443 · protocols tcp');
	const many = {...STATE, filters: {...STATE.filters, include_ips: ['1', '2', '3', '4', '5', '6', '7', '8']}};
	assert.equal(exportCaption(many), 'all data · flows · addresses 1, 2, 3, 4, 5, 6 and 2 more');
	assert.ok(headingWidth('x'.repeat(100), 12) >= 600);
});

// Just enough of an SVG element for withHeading.
class SvgEl {
	constructor(tag)
	{
		this.tag = tag;
		this.attrs = {};
		this.children = [];
		this.textContent = '';
	}

	setAttribute(k, v)
	{
		this.attrs[k] = String(v);
	}

	getAttribute(k)
	{
		return k in this.attrs ? this.attrs[k] : null;
	}

	removeAttribute(k)
	{
		delete this.attrs[k];
	}

	appendChild(c)
	{
		this.children.push(c);
		return c;
	}
}

test('the heading goes above the chart, which moves down', () => {
	globalThis.document = {createElementNS: (ns, tag) => new SvgEl(tag)};
	try {
		const chart = new SvgEl('svg');
		chart.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
		chart.setAttribute('width', '200');
		chart.setAttribute('height', '100');
		const long = 'all data · flows · ports ' + '80, '.repeat(40);
		const out = withHeading(chart, ['Timeline', '', long]);
		const texts = out.children.filter((c) => c.tag === 'text');
		assert.deepEqual(texts.map((t) => t.textContent), ['Timeline', long], 'the empty line is left out');
		assert.equal(texts[0].getAttribute('class'), 'fi-export-title');
		assert.equal(texts[1].getAttribute('class'), 'fi-export-caption');
		assert.equal(out.children.at(-1), chart, 'the chart comes after the heading');
		const top = Number(chart.getAttribute('y'));
		assert.ok(top >= 40, `the chart starts below two lines (${top})`);
		assert.ok(texts.every((t) => Number(t.getAttribute('y')) < top));
		assert.equal(chart.getAttribute('xmlns'), null, 'nested: no namespace attribute of its own');
		assert.equal(Number(out.getAttribute('height')), top + 100);
		assert.ok(Number(out.getAttribute('width')) >= headingWidth(long, 12), 'widened for the caption');
		assert.equal(out.getAttribute('xmlns'), 'http://www.w3.org/2000/svg');
		// nothing to say: the chart as it is
		const bare = new SvgEl('svg');
		assert.equal(withHeading(bare, ['', null]), bare);
	} finally {
		delete globalThis.document;
	}
});
