// export.test.mjs: the CSV export (static/js/lib/export.js) and the
// colours of SPEC 7 (static/js/lib/colors.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import {toCsv, csvField} from '../../static/js/lib/export.js';
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
