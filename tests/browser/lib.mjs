// lib.mjs: what the browser tests share: headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core), a watch on every page for
// console errors, page errors and failed requests, waiting until the
// widgets have drawn, the API from the node side (to compare counts with),
// screenshots and downloads as test artifacts.
//
// A browser test is a node:test script tests/browser/<name>.mjs, run by
// tests/browser/run.sh, which starts the real stack (harness MariaDB with
// the sample capture imported through the probe, queue and importer; the
// responder; nginx with deploy/nginx/flowinspector.conf serving static/)
// and sets the environment this module reads:
//   FI_BASE_URL      the site, http://127.0.0.1:PORT (no trailing slash)
//   FI_ARTIFACT_DIR  where screenshots and downloads go (made if missing)
//   FI_CHROMIUM      the browser (default /usr/bin/chromium)
// Register a test in tests/CMakeLists.txt with fi_browser_test(NAME FILE).
// Use, in a test file:
//   import {test, after} from 'node:test';
//   import * as B from './lib.mjs';
//   const s = await B.session();             // browser + page + watch
//   after(() => s.close());
//   test('graph page', async () => {
//     await s.goto('/graph?nodes=50');        // waits until every widget is ready
//     const n = await s.page.locator('svg circle.fi-node').count();
//     const api = await B.api('/api/dynamic/index/nodes', {limit: 50});
//     assert.equal(n, api.results.length);
//     await s.screenshot('graph');            // prints the file's path
//     s.assertClean();                        // no console error, failed request
//   });
// Running one by hand against a stack of your own (deploy/quickstart.sh):
//   FI_BASE_URL=http://127.0.0.1:8080 FI_ARTIFACT_DIR=/tmp/shots node --test tests/browser/pages.mjs

import {chromium} from 'playwright-core';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

export const BASE = (process.env.FI_BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const ARTIFACTS = path.resolve(process.env.FI_ARTIFACT_DIR || 'browser-artifacts');
const EXE = process.env.FI_CHROMIUM || '/usr/bin/chromium';

// The JSON of an API route, asked from node (not through the page), for
// counts to compare the page with. Throws with the API's message on errors.
export async function api(route, params = {})
{
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v !== null && v !== undefined && v !== '')
			q.set(k, String(v));
	}
	const url = `${BASE}${route}${q.toString() ? `?${q}` : ''}`;
	const res = await fetch(url);
	const body = await res.json();
	if (!res.ok)
		throw new Error(`${url}: ${res.status} ${body.error}`);
	return body;
}

// Runs SQL text as root in the harness MariaDB (the socket run.sh passes)
// in the test's own database; returns the rows as arrays of strings
// (tab-separated batch output, no header). For tests that change what the
// responder sees (say, lock its account to make the database unavailable).
export const DB = {
	name: process.env.FI_BROWSER_DB,
	socket: process.env.FI_BROWSER_DB_SOCKET,
	roUser: process.env.FI_BROWSER_RO_USER,
};
export function sql(text)
{
	assert.ok(DB.name && DB.socket, 'run.sh sets FI_BROWSER_DB and FI_BROWSER_DB_SOCKET');
	const out = execFileSync('mariadb', ['--no-defaults', `--socket=${DB.socket}`, '-uroot', '-N', '-B',
		DB.name, '-e', text], {encoding: 'utf8'});
	return out.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

// A fresh browser with one page, watched. Returns a session:
//   page, browser, context    playwright objects
//   goto(pathAndQuery)        load a page of the app and wait until ready
//   ready()                   wait until no widget is loading and the
//                             network is quiet
//   requests                  every request the page made: {url, path,
//                             params (URLSearchParams), time}
//   apiRequests(route)        those to one API route (e.g. '/api/bucket/query')
//   mark()                    a position in requests; since(mark) lists the
//                             requests after it
//   problems                  console errors, page errors, failed requests
//                             and HTTP errors, as text
//   assertClean(allow)        fail if problems (minus those matching the
//                             regexes of allow) is not empty; then forget them
//   screenshot(name)          full-page PNG into ARTIFACTS; prints the path
//   download(clickFn, name)   run clickFn, wait for the download it starts,
//                             save it into ARTIFACTS; resolves to the path
//   close()
export async function session({width = 1400, height = 900} = {})
{
	fs.mkdirSync(ARTIFACTS, {recursive: true});
	const args = ['--disable-gpu', '--disable-dev-shm-usage'];
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	const browser = await chromium.launch({executablePath: EXE, headless: true, args});
	const context = await browser.newContext({viewport: {width, height}, acceptDownloads: true,
		timezoneId: 'Europe/Berlin'}); // not UTC, so a time printed in local time shows
	const page = await context.newPage();
	const s = {
		browser, context, page,
		requests: [],
		problems: [],
	};
	page.on('console', (msg) => {
		if (msg.type() === 'error')
			s.problems.push(`console error: ${msg.text()}`);
	});
	page.on('pageerror', e => s.problems.push(`page error: ${e.message}`));
	page.on('request', (req) => {
		const u = new URL(req.url());
		s.requests.push({url: req.url(), path: u.pathname, params: u.searchParams, time: Date.now()});
	});
	page.on('requestfailed', (req) => {
		const f = req.failure();
		// a request the page itself aborted (a newer one replaced it) is fine
		if (f && /ERR_ABORTED/.test(f.errorText))
			return;
		s.problems.push(`request failed: ${req.url()} ${f ? f.errorText : ''}`);
	});
	page.on('response', (res) => {
		if (res.status() >= 400)
			s.problems.push(`HTTP ${res.status()}: ${res.url()}`);
	});

	let stuck = 0;
	s.ready = async (timeout = 20000) => {
		try {
			await page.waitForFunction(() => !document.querySelector('[data-status="loading"]') &&
				document.getElementById('fi-page') && document.getElementById('fi-page').childElementCount > 0,
			null, {timeout});
			await page.waitForLoadState('networkidle', {timeout});
			await page.waitForFunction(() => !document.querySelector('[data-status="loading"]'), null, {timeout});
		} catch (e) {
			// say what hangs: the page, its problems, a picture
			const file = path.join(ARTIFACTS, `stuck-${++stuck}.png`);
			await page.screenshot({path: file, fullPage: true}).catch(() => {});
			const html = await page.evaluate(() => document.body.innerHTML.slice(0, 3000)).catch(() => '');
			console.log(`not ready: ${page.url()}\nproblems: ${JSON.stringify(s.problems)}\n` +
				`screenshot: ${file}\nbody: ${html}`);
			throw e;
		}
	};
	s.goto = async (p) => {
		await page.goto(BASE + p, {waitUntil: 'load'});
		await s.ready();
	};
	s.apiRequests = route => s.requests.filter(r => r.path === route);
	s.mark = () => s.requests.length;
	s.since = m => s.requests.slice(m);
	s.assertClean = (allow = []) => {
		const left = s.problems.filter(p => !allow.some(re => re.test(p)));
		s.problems.length = 0;
		assert.deepEqual(left, [], 'the page had errors');
	};
	s.screenshot = async (name) => {
		const file = path.join(ARTIFACTS, `${name}.png`);
		await page.screenshot({path: file, fullPage: true});
		console.log(`screenshot: ${file}`);
		return file;
	};
	s.download = async (clickFn, name) => {
		const [dl] = await Promise.all([page.waitForEvent('download'), clickFn()]);
		const file = path.join(ARTIFACTS, name || dl.suggestedFilename());
		await dl.saveAs(file);
		console.log(`download: ${file}`);
		return file;
	};
	s.close = () => browser.close();
	return s;
}

// Checks that text is a well-formed SVG document in the browser's own XML
// parser; resolves to {root, elements, title, captions, widgetTitles} (the
// root element's name, the number of elements, and the texts of the
// heading lib/export.js writes: the title line, the caption lines, the
// panels' titles of a combined export). Fails on a parse error.
export async function parseSvg(page, text)
{
	const r = await page.evaluate((t) => {
		const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
		const err = doc.querySelector('parsererror');
		return {
			error: err ? err.textContent : null,
			root: doc.documentElement.localName,
			ns: doc.documentElement.namespaceURI,
			elements: doc.getElementsByTagName('*').length,
			// the heading lib/export.js writes above the chart
			title: [...doc.querySelectorAll('text.fi-export-title')].map((t) => t.textContent),
			captions: [...doc.querySelectorAll('text.fi-export-caption')].map((t) => t.textContent),
			widgetTitles: [...doc.querySelectorAll('text.fi-export-widget-title')].map((t) => t.textContent),
		};
	}, text);
	assert.equal(r.error, null, `the SVG does not parse: ${r.error}`);
	assert.equal(r.root, 'svg');
	assert.equal(r.ns, 'http://www.w3.org/2000/svg');
	return r;
}
