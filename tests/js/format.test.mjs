// format.test.mjs: the pages' number, byte, time, address and protocol
// formats (static/js/lib/format.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as F from '../../static/js/lib/format.js';

test('counts: whole below 1000, then three significant digits with SI suffixes', () => {
	const cases = [[0, '0'], [7, '7'], [999, '999'], [999.4, '999'], [1000, '1k'], [1234, '1.23k'],
		[12345, '12.3k'], [123456, '123k'], [999499, '999k'], [999950, '1M'], [1.5e6, '1.5M'],
		[2.25e9, '2.25G'], [3e12, '3T'], [-1234, '-1.23k']];
	for (const [n, want] of cases)
		assert.equal(F.formatCount(n), want, `${n}`);
	assert.equal(F.formatCount(null), '–');
	assert.equal(F.formatCount(NaN), '–');
	assert.equal(F.formatCount('2048'), '2.05k', 'numeric strings');
});

test('bytes: binary units', () => {
	const cases = [[0, '0 B'], [512, '512 B'], [1023, '1023 B'], [1024, '1 KiB'], [1536, '1.5 KiB'],
		[1048576, '1 MiB'], [10 * 1048576, '10 MiB'], [1048575, '1 MiB'], [5 * 2 ** 30, '5 GiB'],
		[2 ** 40, '1 TiB']];
	for (const [n, want] of cases)
		assert.equal(F.formatBytes(n), want, `${n}`);
});

test('exact numbers are grouped by thousands', () => {
	assert.equal(F.formatExact(0), '0');
	assert.equal(F.formatExact(999), '999');
	assert.equal(F.formatExact(1234567), '1\u2009234\u2009567');
	assert.equal(F.formatExact(-1000), '-1\u2009000');
	assert.equal(F.formatExact(2.5), '3', 'flows are rounded');
});

test('values: bytes in bytes, the rest as counts', () => {
	assert.equal(F.formatValue(2048, 'bytes'), '2 KiB');
	assert.equal(F.formatValue(2048, 'packets'), '2.05k');
	assert.equal(F.formatValue(2048, 'flows'), '2.05k');
	assert.deepEqual(F.VALUE_FIELD, {flows: 'flows', packets: 'packetDeltaCount', bytes: 'octetDeltaCount'});
});

test('times are UTC', () => {
	assert.equal(F.formatTime(0), '1970-01-01 00:00 UTC');
	assert.equal(F.formatTime(1714550400), '2024-05-01 08:00 UTC');
	assert.equal(F.formatTime(1714550401), '2024-05-01 08:00:01 UTC');
	assert.equal(F.formatBucket(1714521600, 86400), '2024-05-01 UTC');
	assert.equal(F.formatBucket(1714550400, 600), '2024-05-01 08:00 UTC');
	assert.equal(F.formatRange(1714550400, 1714557600), '2024-05-01 08:00 – 10:00 UTC');
	assert.equal(F.formatRange(1714521600, 1714608000), '2024-05-01 00:00 – 24:00 UTC');
	assert.equal(F.formatRange(1714521600, 1714694400), '2024-05-01 00:00 – 2024-05-03 00:00 UTC');
	assert.equal(F.formatTick(new Date(1714552200 * 1000), 7200), '08:30');
	assert.equal(F.formatTick(new Date(1714521600 * 1000), 2 * 86400), '05-01');
	assert.equal(F.formatTick(new Date(1714552200 * 1000), 2 * 86400), '05-01 08:30');
	assert.equal(F.formatTick(new Date(1714552200 * 1000), 30 * 86400), '2024-05-01');
});

test('durations', () => {
	const cases = [
		[60, '1 min'],
		[45, '45 s'],
		[600, '10 min'],
		[3600, '1 h'],
		[5400, '1 h 30 min'],
		[86400, '1 d'],
	];
	for (const [seconds, text] of cases)
		assert.equal(F.formatDuration(seconds), text, `formatDuration(${seconds})`);
});

test('addresses: IPv4 integers dotted, IPv6 text as is', () => {
	assert.equal(F.formatAddress(167772165), '10.0.0.5');
	assert.equal(F.formatAddress(0), '0.0.0.0');
	assert.equal(F.formatAddress(4294967295), '255.255.255.255');
	assert.equal(F.formatAddress('2001:db8::1'), '2001:db8::1');
	assert.equal(F.rowSource({sourceIPv4Address: 1}), 1);
	assert.equal(F.rowSource({sourceIPv6Address: '::1'}), '::1');
	assert.equal(F.rowDestination({destinationIPv6Address: 'fe80::1'}), 'fe80::1');
});

test('protocols: names and classes', () => {
	assert.equal(F.protoName(6), 'tcp');
	assert.equal(F.protoName(17), 'udp');
	assert.equal(F.protoName(58), 'ipv6-icmp');
	assert.equal(F.protoName(50), 'esp');
	assert.equal(F.protoName(253), '253');
	assert.deepEqual([6, 17, 1, 58, 50, 0].map(F.protoClass), ['tcp', 'udp', 'icmp', 'icmp', 'other', 'other']);
});
