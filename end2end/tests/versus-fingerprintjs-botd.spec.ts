// Doorman's collector against the open-source FingerprintJS + BotD, in one run of one
// Chromium: the bytes each side makes the browser download, the time each takes in the page,
// and which automated browsers each catches, beside a person it must not flag. Prints the
// results as Markdown tables to the log and attaches them to the report. It asserts what must
// hold (Doorman catches every automated setup and lets the person through, and the collector
// is the smaller download), never the timings, which are measured, not tested.
//
// Runs after demo-signup and operators (files run in name order): its signups would change
// the event counts they assert.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { test, expect, chromium } from '@playwright/test';
import type { Browser, BrowserContext, LaunchOptions, Page } from '@playwright/test';
import {
  chromiumPath, fillSignUpLikeAPerson, humanBrowserWithoutPdfViewer, testSwitches, withoutAutomationSwitches,
  type ContextOptions,
} from './people';

const modules = path.join(__dirname, '..', '..', 'node_modules');
const fingerprintjs = path.join(modules, '@fingerprintjs', 'fingerprintjs');
const botd = path.join(modules, '@fingerprintjs', 'botd');
const versionOf = (pkg: string) => JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;

// Their browser bundles as published: FingerprintJS's minified script, and BotD's module,
// which BotD 2 ships unminified only. The page gets them under /bench/.
const THEIR_BUNDLES: Record<string, { file: string; label: string }> = {
  'fp.min.js': {
    file: path.join(fingerprintjs, 'dist', 'fp.min.js'),
    label: `FingerprintJS ${versionOf(fingerprintjs)} \`dist/fp.min.js\``,
  },
  'botd.esm.js': {
    file: path.join(botd, 'dist', 'botd.esm.js'),
    label: `BotD ${versionOf(botd)} \`dist/botd.esm.js\` (not minified)`,
  },
};

// An empty page with a form, for the size and time measurements.
const BENCH_PAGE = '<!DOCTYPE html><meta charset="utf-8"><title>Bench</title><form><input name="email"></form>';

// The rules that tell automation: traces in the browser, and how the form was filled.
const AUTOMATION_RULES = ['BOT_DETECTED', 'BROWSER_TAMPERING', 'NO_POINTER_ACTIVITY', 'ROBOTIC_POINTER',
  'NO_KEYSTROKES', 'UNIFORM_TYPING', 'FAST_COMPLETION'];

const RUNS = 7;

// Their bundles reach the page from node_modules under /bench/ of the server's own origin,
// so no other server is needed; nothing leaves the machine (their agents' optional usage
// statistics included).
async function serveTheirBundles(context: BrowserContext) {
  const origin = new URL(test.info().project.use.baseURL!).origin;
  await context.route((url) => url.origin !== origin, (route) => route.abort());
  await context.route((url) => url.pathname.startsWith('/bench/'), (route) => {
    const bundle = THEIR_BUNDLES[new URL(route.request().url()).pathname.slice('/bench/'.length)];
    return bundle
      ? route.fulfill({ path: bundle.file, contentType: 'text/javascript' })
      : route.fulfill({ body: BENCH_PAGE, contentType: 'text/html' });
  });
}

async function inFreshPage<T>(browser: Browser, measure: (page: Page) => Promise<T>): Promise<T> {
  // A context of its own: an empty HTTP cache, so every run downloads and compiles anew.
  const context = await browser.newContext();
  try {
    await serveTheirBundles(context);
    const page = await context.newPage();
    await page.goto('/bench/');
    return await measure(page);
  } finally {
    await context.close();
  }
}

interface Timing { load: number; collect: number }

// Our page API: load() fetches and starts the wasm, which gathers the device signals at
// once; collect() adds the behaviour and waits for the signals that come by promise.
function timeOurs(page: Page): Promise<Timing> {
  return page.evaluate(async () => {
    const Doorman = await import('/collector/doorman.js');
    const started = performance.now();
    const dm = await Doorman.load();
    const loaded = performance.now();
    dm.attach(document.querySelector('form'));
    await dm.collect();
    return { load: loaded - started, collect: performance.now() - loaded };
  });
}

// Theirs, one after the other as their guides show them: FingerprintJS.load() + get(), then
// Botd.load() + detect(). Only the calls are timed, not the scripts' download, as for ours.
function timeTheirs(page: Page): Promise<Timing> {
  return page.evaluate(async () => {
    const Botd = await import('/bench/botd.esm.js');
    const script = Object.assign(document.createElement('script'), { src: '/bench/fp.min.js' });
    await new Promise((onload, onerror) => document.head.append(Object.assign(script, { onload, onerror })));
    const FingerprintJS = (window as any).FingerprintJS;
    const t0 = performance.now();
    const fp = await FingerprintJS.load({ monitoring: false });
    const t1 = performance.now();
    await fp.get();
    const t2 = performance.now();
    const detector = await Botd.load({ monitoring: false });
    const t3 = performance.now();
    detector.detect();
    const t4 = performance.now();
    return { load: t1 - t0 + (t3 - t2), collect: t2 - t1 + (t4 - t3) };
  });
}

const gzipped = (body: Buffer) => zlib.gzipSync(body, { level: 9 }).length;
const bytes = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => n.toFixed(0);

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function markdownTable(header: string[], rows: string[][]) {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
}

// To the run's log, and to the report as an attachment.
async function report(title: string, lines: string[]) {
  const markdown = [`### ${title}`, '', ...lines, ''].join('\n');
  console.log(`\n${markdown}`);
  await test.info().attach(title, { body: markdown, contentType: 'text/markdown' });
}

test('the gzipped download of our collector beside FingerprintJS + BotD', async ({ browser }) => {
  // Ours as the browser fetches it from the server: the module (loader and wasm-bindgen's
  // glue) and the wasm.
  const ours = await inFreshPage(browser, async (page) => {
    const fetched: Promise<[string, Buffer]>[] = [];
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      if (pathname.startsWith('/collector/')) fetched.push(response.body().then((body) => [`Doorman \`${pathname}\``, body]));
    });
    await timeOurs(page);
    return Promise.all(fetched);
  });
  expect(ours).toHaveLength(2);
  const theirs = Object.values(THEIR_BUNDLES).map(({ file, label }): [string, Buffer] => [label, fs.readFileSync(file)]);

  const rows = (files: [string, Buffer][]) =>
    files.map(([name, body]) => [name, bytes(body.length), bytes(gzipped(body))]);
  const total = (files: [string, Buffer][]) => files.reduce((sum, [, body]) => sum + gzipped(body), 0);
  const [ourTotal, theirTotal] = [total(ours), total(theirs)];
  await report('Download size (bytes; gzip -9 with node\'s zlib for both sides)', [
    ...markdownTable(['file', 'bytes', 'gzipped'], [
      ...rows(ours),
      ['**Doorman collector**', '', `**${bytes(ourTotal)}**`],
      ...rows(theirs),
      ['**FingerprintJS + BotD**', '', `**${bytes(theirTotal)}**`],
    ]),
    '',
    `Doorman is ${((100 * ourTotal) / theirTotal).toFixed(0)} % of FingerprintJS + BotD.`,
  ]);
  expect(ourTotal).toBeLessThan(theirTotal);
});

test('time each side takes in the page', async ({ browser }) => {
  test.setTimeout(180_000);
  const ours: Timing[] = [];
  const theirs: Timing[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Each side in a fresh page of its own; who goes first alternates, so that neither
    // always meets a browser the other has just warmed up.
    const sides = [
      () => inFreshPage(browser, timeOurs).then((timing) => ours.push(timing)),
      () => inFreshPage(browser, timeTheirs).then((timing) => theirs.push(timing)),
    ];
    for (const side of run % 2 ? sides.reverse() : sides) await side();
  }
  const row = (name: string, runs: Timing[]) => {
    const totals = runs.map((t) => t.load + t.collect);
    const [load, collect] = [median(runs.map((t) => t.load)), median(runs.map((t) => t.collect))];
    return [name, ms(load), ms(collect), `**${ms(median(totals))}**`, totals.map(ms).join(', ')];
  };
  await report(`Time in the page (ms; median of ${RUNS} runs, each in a fresh page of headless Chromium ${browser.version()})`,
    markdownTable(['', 'load', 'collect', 'total', 'every run (total)'], [
      row('Doorman: `load()`, then `attach()` + `collect()`', ours),
      row('FingerprintJS `load()` + `get()`, BotD `load()` + `detect()`', theirs),
    ]));
});

// ---- Which automation each side catches ----

interface Opened { context: BrowserContext; close: () => Promise<void> }

interface Setup {
  name: string;
  // As a person does (pointer, uneven typing, a few seconds), or by script as signup farms do.
  fill: 'person' | 'script';
  // What navigator.webdriver reads in it.
  webdriver: boolean;
  // A person, whom neither side should flag.
  person?: boolean;
  open: (device: ContextOptions) => Promise<Opened>;
  // On the new page, before it opens the signup form.
  prepare?: (page: Page) => Promise<unknown>;
  // On the open form: that the setup is what its name says.
  verify?: (page: Page) => Promise<void>;
}

const playwrightDefaults = (headless: boolean): LaunchOptions =>
  ({ headless, executablePath: chromiumPath, args: testSwitches });
const hidden = (headless: boolean): LaunchOptions => ({ headless, ...withoutAutomationSwitches() });

// Chrome's own user agents at the browser's real version, so that only what a setup means to
// change changes.
const chromeUserAgent = (system: string) => (version: string) =>
  `Mozilla/5.0 (${system}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version.split('.')[0]}.0.0.0 Safari/537.36`;
const linuxChrome = chromeUserAgent('X11; Linux x86_64');
const windowsChrome = chromeUserAgent('Windows NT 10.0; Win64; x64');

async function launched(launch: LaunchOptions, device: ContextOptions, userAgent?: (version: string) => string) {
  const browser = await chromium.launch(launch);
  const context = await browser.newContext({ ...device, ...(userAgent && { userAgent: userAgent(browser.version()) }) });
  return { context, close: () => browser.close() };
}

// What stealth plugins do to a headless Chromium, in a few lines of our own: navigator.webdriver
// reads false, plugins and languages are those of a desktop Chrome, window.chrome is filled
// in. With `disguise`, the replaced getters and Function.prototype.toString itself print as
// native code, as puppeteer-extra's stealth plugin makes them. Runs in the page.
function stealth(disguise: boolean) {
  const nativeText = new Map<unknown, string>();
  const replaceGetter = (name: string, value: unknown) => {
    const get = () => value;
    nativeText.set(get, `function get ${name}() { [native code] }`);
    Object.defineProperty(Navigator.prototype, name, { get, configurable: true, enumerable: true });
  };
  const pdf = { filename: { value: 'internal-pdf-viewer' }, description: { value: 'Portable Document Format' } };
  const viewers = ['PDF Viewer', 'Chrome PDF Viewer', 'Chromium PDF Viewer', 'Microsoft Edge PDF Viewer', 'WebKit built-in PDF'];
  const plugins = Object.create(PluginArray.prototype);
  viewers.forEach((name, i) => { plugins[i] = Object.create(Plugin.prototype, { name: { value: name }, ...pdf }); });
  Object.defineProperty(plugins, 'length', { value: viewers.length });
  replaceGetter('webdriver', false);
  replaceGetter('plugins', plugins);
  replaceGetter('languages', Object.freeze(['en-US', 'en']));
  const chrome = { app: { isInstalled: false }, runtime: {}, loadTimes: () => ({}), csi: () => ({}) };
  Object.defineProperty(window, 'chrome', { value: chrome, writable: true, configurable: true });
  if (disguise) {
    const toString = Function.prototype.toString;
    const masked = new Proxy(toString, {
      apply: (target, self, args) => nativeText.get(self) ?? Reflect.apply(target, self, args),
    });
    nativeText.set(masked, 'function toString() { [native code] }');
    Function.prototype.toString = masked;
  }
}

// As Puppeteer and the tools built on it inject their patches: straight over the DevTools
// protocol, not through Playwright.
async function stealthOverCdp(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: `(${stealth})(true)` });
}

// How scripts that farm signups fill a form: values set at once, submitted at once.
async function fillByScript(page: Page, email: string) {
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill('a long passphrase');
  await page.getByRole('button', { name: 'Sign up' }).click();
}

const SETUPS: Setup[] = [
  { name: 'Playwright headless, as launched by default', fill: 'person', webdriver: true,
    open: (device) => launched(playwrightDefaults(true), device) },
  { name: 'headless, webdriver hidden', fill: 'person', webdriver: false,
    open: (device) => launched(hidden(true), device) },
  { name: 'headless, webdriver hidden, normal user agent', fill: 'person', webdriver: false,
    open: (device) => launched(hidden(true), device, linuxChrome) },
  // Bots rotate user agents from lists of common ones, mostly Windows Chrome.
  { name: 'headless, webdriver hidden, Windows Chrome user agent', fill: 'person', webdriver: false,
    open: (device) => launched(hidden(true), device, windowsChrome) },
  { name: 'headless, stealth patches as Playwright init scripts', fill: 'person', webdriver: false,
    open: (device) => launched(hidden(true), device, linuxChrome), prepare: (page) => page.addInitScript(stealth, false) },
  { name: 'headless, stealth patches disguised as native, injected over CDP', fill: 'person', webdriver: false,
    open: (device) => launched(hidden(true), device, linuxChrome), prepare: stealthOverCdp },
  { name: 'headful (Xvfb), as Playwright launches it by default', fill: 'person', webdriver: true,
    open: (device) => launched(playwrightDefaults(false), device) },
  { name: 'headful, webdriver hidden, form filled by script', fill: 'script', webdriver: false,
    open: (device) => launched(hidden(false), device) },
  { name: 'control: a person (headful, automation hidden, PDF viewer off)', fill: 'person', webdriver: false,
    person: true, open: (device) => humanBrowserWithoutPdfViewer(device),
    verify: async (page) => expect(await page.evaluate(() => navigator.pdfViewerEnabled)).toBe(false) },
];

// Screens no other file uses, and an address of its own (the demo backend takes the client's
// address from X-Forwarded-For, as behind a proxy): every setup is a new device from a new
// address, so rules about devices and addresses seen before stay out of its decision.
const SCREENS = [[1280, 800], [1440, 900], [1536, 864], [1600, 900], [1920, 1080], [1920, 1200], [2560, 1440],
  [1280, 1024], [1360, 768]];

function ownDevice(index: number): ContextOptions {
  const [width, height] = SCREENS[index];
  return {
    screen: { width, height },
    viewport: { width: 1200, height: 700 },
    extraHTTPHeaders: { 'x-forwarded-for': `203.0.113.${10 + index}` },
  };
}

interface BotdVerdict { bot: boolean; kind?: string; detectors: string[] }

// BotD in the same page as our collector: loaded once the form is ready, as ours is, and
// asked at the moment the form is submitted.
function armBotd(page: Page) {
  return page.evaluateHandle(async () => {
    const Botd = await import('/bench/botd.esm.js');
    const detector = await Botd.load({ monitoring: false });
    const form = document.querySelector('form')!;
    const verdict = new Promise<BotdVerdict>((resolve) => form.addEventListener('submit', () => {
      const { bot, botKind } = detector.detect();
      const detections: Record<string, { bot: boolean }> = detector.getDetections() ?? {};
      const detectors = Object.keys(detections).filter((name) => detections[name].bot);
      resolve({ bot, kind: botKind, detectors: detectors.map((name) => name.replace(/^detect/, '')) });
    }, { once: true }));
    return { verdict };
  });
}

interface Outcome {
  setup: Setup;
  webdriver: boolean;
  // What our collector found and sent: automation markers and tampered properties.
  sent: string[];
  decision: string;
  // The automation rules that fired.
  fired: string[];
  botd: BotdVerdict;
}

async function signUp(setup: Setup, index: number): Promise<Outcome> {
  const { context, close } = await setup.open(ownDevice(index));
  try {
    await serveTheirBundles(context);
    const page = await context.newPage();
    await setup.prepare?.(page);
    await page.goto('/demo');
    await expect(page.locator('form#signup[data-ready="true"]')).toBeVisible();
    await setup.verify?.(page);
    const botdInPage = await armBotd(page);
    const answered =
      page.waitForResponse((response) => response.url().endsWith('/demo/api/signup'), { timeout: 30_000 });
    const fill = setup.fill === 'script' ? fillByScript : fillSignUpLikeAPerson;
    await fill(page, `bench.setup${index + 1}@example.com`);
    const response = await answered;
    const { automation } = response.request().postDataJSON().fraudSignals.device;
    const { fraud } = await response.json();
    const codes: string[] = fraud.triggeredRules.map((rule: { code: string }) => rule.code);
    return {
      setup,
      webdriver: automation.webdriver,
      sent: [...automation.markers, ...automation.tampered.map((name: string) => `tampered:${name}`)],
      decision: fraud.decision,
      fired: codes.filter((code) => AUTOMATION_RULES.includes(code)),
      botd: await botdInPage.evaluate((inPage) => inPage.verdict),
    };
  } finally {
    await close();
  }
}

test('Doorman catches every automated setup and lets a person without a PDF viewer through', async () => {
  test.setTimeout(300_000);
  const outcomes: Outcome[] = [];
  for (const [index, setup] of SETUPS.entries()) {
    outcomes.push(await test.step(setup.name, () => signUp(setup, index)));
  }

  const caught = (o: Outcome) => o.fired.length > 0;
  const verdict = (flagged: boolean, person?: boolean) =>
    person ? (flagged ? '**flagged**' : 'not flagged') : (flagged ? 'caught' : '**missed**');
  const automated = outcomes.filter((o) => !o.setup.person);
  await report('Automation caught (Doorman: the server\'s decision on the demo signup; BotD: detect() in the same page)', [
    ...markdownTable(
      ['setup', 'form filled', 'webdriver', 'Doorman', 'its rules (decision)', 'what our collector sent', 'BotD', 'its detectors'],
      outcomes.map((o) => [
        o.setup.name, o.setup.fill === 'script' ? 'by script' : 'like a person', String(o.webdriver),
        verdict(caught(o), o.setup.person), `${o.fired.join(', ') || '–'} (${o.decision})`, o.sent.join(', ') || '–',
        verdict(o.botd.bot, o.setup.person), o.botd.bot ? `${o.botd.detectors.join(', ')} → ${o.botd.kind}` : '–',
      ])),
    '',
    `Of ${automated.length} automated setups Doorman caught ${automated.filter(caught).length}, ` +
      `BotD ${automated.filter((o) => o.botd.bot).length}.`,
  ]);

  for (const o of outcomes) {
    expect.soft(o.webdriver, `${o.setup.name}: navigator.webdriver`).toBe(o.setup.webdriver);
    if (o.setup.person) {
      expect.soft(o.fired, `${o.setup.name}: Doorman flags the person`).toEqual([]);
      expect.soft(o.decision, `${o.setup.name}: the person's signup`).toBe('ALLOW');
    } else {
      const sent = o.sent.join(', ') || 'nothing';
      expect.soft(o.fired, `${o.setup.name}: Doorman misses it (our collector sent: ${sent})`).not.toEqual([]);
    }
  }
});
