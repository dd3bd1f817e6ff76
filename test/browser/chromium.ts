/**
 * The browser for test/browser/: Debian's chromium (/usr/bin/chromium, `apt-get install chromium`)
 * driven by playwright-core, which downloads no browser of its own. Without the binary the browser
 * tests skip with a message on a laptop, and fail under CI=true, where a skipped browser test
 * would hide a missing install step. Also a tiny static server for the pages the browser loads.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** 'run', 'skip' (no browser, not CI) or 'fail' (no browser under CI=true). */
export function browserAvailability(): 'run' | 'skip' | 'fail' {
  if (existsSync(CHROMIUM_PATH)) return 'run';
  return process.env.CI === 'true' ? 'fail' : 'skip';
}

const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
];

/** Chromium with default settings; its contexts are off-the-record and block third-party cookies. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

/**
 * Chromium on a fresh profile whose user allows third-party cookies (the "Allow third-party
 * cookies" setting). Chromium 156 blocks them by default (blockedReasons: UserPreferences), and so
 * do Safari and Firefox's strict modes: a cross-site cookie session only works where they are allowed.
 */
export async function launchChromiumAllowingThirdPartyCookies(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const profile = await mkdtemp(path.join(tmpdir(), 'threadbase-chromium-'));
  await mkdir(path.join(profile, 'Default'));
  const preferences = { profile: { cookie_controls_mode: 0, block_third_party_cookies: false } };
  await writeFile(path.join(profile, 'Default', 'Preferences'), JSON.stringify(preferences));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: ARGS });
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}

export interface StaticSite {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  close(): Promise<void>;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A page with one form, as a cross-site attacker would host it: `/form?action=URL&enctype=E` and
 * optional `name`/`value` for a single hidden field (text/plain forms can smuggle JSON-looking text).
 */
function formPage(query: URLSearchParams): string {
  const field =
    query.get('name') === null
      ? ''
      : `<input type="hidden" name="${escape(query.get('name') ?? '')}" value="${escape(query.get('value') ?? '')}">`;
  return `<form method="post" action="${escape(query.get('action') ?? '')}" enctype="${escape(query.get('enctype') ?? '')}">${field}<button id="go" type="submit">go</button></form>`;
}

/** Serves a small HTML page on every path (a form page on /form), from 127.0.0.1 on a free port. */
export async function serveStaticPage(title: string): Promise<StaticSite> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = url.pathname === '/form' ? formPage(url.searchParams) : `<h1>${escape(title)}</h1>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body>${body}</body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
