// urlstate.test.mjs: the view state in the URL (static/js/lib/urlstate.js):
// parsing, writing, merging, and the API parameters it gives.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as U from '../../static/js/lib/urlstate.js';

test('an empty query is all data, flows, no filters, no options', () => {
	const st = U.parseState('');
	assert.deepEqual(st, U.emptyState());
	assert.equal(st.from, null);
	assert.equal(st.value, 'flows');
	assert.equal(U.serializeState(st), '');
});

test('a full state survives the round trip', () => {
	const q = '?from=1714550400&to=1714557600&bucket_size=600&value=bytes&include_ips=10.0.0.0/8,2001:db8::/32' +
		'&exclude_ports=53&include_protos=tcp,udp&layout=hilbert&nodes=200';
	const st = U.parseState(q);
	assert.equal(st.from, 1714550400);
	assert.equal(st.to, 1714557600);
	assert.equal(st.bucket_size, 600);
	assert.equal(st.value, 'bytes');
	assert.deepEqual(st.filters.include_ips, ['10.0.0.0/8', '2001:db8::/32']);
	assert.deepEqual(st.filters.exclude_ports, ['53']);
	assert.deepEqual(st.filters.include_protos, ['tcp', 'udp']);
	assert.deepEqual(st.filters.exclude_ips, []);
	assert.deepEqual(st.opts, {layout: 'hilbert', nodes: '200'});
	assert.equal(U.serializeState(st), q, 'the same text, readable: , : / unescaped');
	assert.deepEqual(U.parseState(U.serializeState(st)), st);
	assert.equal(U.serializeCommon(st), q.replace('&layout=hilbert&nodes=200', ''));
});

test('malformed common values are dropped, options kept as text', () => {
	const st = U.parseState('from=20&to=10&value=furlongs&bucket_size=-5&include_ports=,80,,&_=123&x=%3Cb%3E');
	assert.equal(st.from, null);
	assert.equal(st.to, null);
	assert.equal(st.value, 'flows');
	assert.equal(st.bucket_size, null);
	assert.deepEqual(st.filters.include_ports, ['80']);
	assert.deepEqual(st.opts, {x: '<b>'}, 'the cache buster is no option');
	assert.equal(U.parseState('from=10').from, null, 'a range needs both ends');
	assert.equal(U.parseState('from=1e3&to=2e3').from, null);
	// bad filter entries stay, for the API to refuse (its message is shown)
	assert.deepEqual(U.parseState('include_protos=tcp,bogus').filters.include_protos, ['tcp', 'bogus']);
	// special characters in options are escaped
	assert.equal(U.serializeState(U.mergeState(U.emptyState(), {opts: {q: 'a&b=c'}})), '?q=a%26b%3Dc');
});

test('merging: replace, merge filters and options, remove with null', () => {
	let st = U.parseState('from=600&to=1200&include_ports=80&layout=force&nodes=50');
	st = U.mergeState(st, {value: 'packets', filters: {exclude_ips: ['10.0.0.1']}, opts: {nodes: 100, layout: null}});
	assert.equal(st.value, 'packets');
	assert.deepEqual(st.filters.include_ports, ['80']);
	assert.deepEqual(st.filters.exclude_ips, ['10.0.0.1']);
	assert.deepEqual(st.opts, {nodes: '100'});
	st = U.mergeState(st, {from: null, to: null});
	assert.equal(st.from, null);
	assert.equal(st.to, null);
	assert.equal(U.mergeState(st, {from: 1200, to: 600}).from, null, 'a reversed range is none');
	assert.equal(U.mergeState(st, {value: 'x'}).value, 'flows');
	assert.throws(() => U.mergeState(st, {colour: 'red'}), /unknown state key/);
	assert.throws(() => U.mergeState(st, {filters: {include_hosts: []}}), /unknown filter/);
	const before = U.parseState('include_ports=80');
	U.mergeState(before, {filters: {include_ports: []}});
	assert.deepEqual(before.filters.include_ports, ['80'], 'the old state is not changed');
});

test('API parameters: inclusive bucket starts, a tiling bucket size, filters', () => {
	const st = U.parseState('from=1714550400&to=1714557600&include_ports=80,443&exclude_protos=icmp');
	const sizes = [60, 600, 3600, 86400];
	assert.deepEqual(U.apiParams(st, {sizes}), {
		start_bucket: 1714550400, end_bucket: 1714557599, bucket_size: 3600,
		include_ports: '80,443', exclude_protos: 'icmp',
	});
	assert.deepEqual(U.apiParams(st, {filters: false}), {start_bucket: 1714550400, end_bucket: 1714557599});
	assert.deepEqual(U.apiParams(st, {range: false, filters: false, sizes}), {});
	const chosen = U.mergeState(st, {bucket_size: 60});
	assert.equal(U.apiParams(chosen, {sizes}).bucket_size, 60, 'the state\'s size wins');
	assert.equal(U.tilingSize(1714550400, 1714551000, sizes), 600);
	assert.equal(U.tilingSize(1714550460, 1714551000, sizes), 60);
	assert.equal(U.tilingSize(1714550430, 1714551000, sizes), null);
	assert.equal(U.tilingSize(0, 86400 * 2, sizes), 86400);
	assert.equal(U.hasFilters(st), true);
	assert.equal(U.hasFilters(U.parseState('')), false);
});
