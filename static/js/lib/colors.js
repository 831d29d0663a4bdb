// colors.js: the colours of the original (SPEC 7): one per protocol class,
// and a time scale for links from early (faint green) to late (red). Pure.

// The protocol classes in the order the API splits counters by them.
export const PROTO_CLASSES = ['tcp', 'udp', 'icmp', 'other'];

export const PROTO_COLORS = {
	tcp: 'rgb(204,0,0)',
	udp: 'rgb(0,204,0)',
	icmp: 'rgb(0,102,204)',
	other: 'rgb(255,163,71)',
};

const EARLY = [180, 230, 180]; // faint green
const LATE = [255, 0, 0]; // red

// The colour of a link at relative time t (0 = earliest, 1 = latest;
// clamped) as an rgb() string.
export function timeColor(t)
{
	const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
	const c = EARLY.map((e, i) => Math.round(e + (LATE[i] - e) * u));
	return `rgb(${c[0]},${c[1]},${c[2]})`;
}
