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
import { createRequire } from 'node:module';
import { test, expect, chromium } from '@playwright/test';
import type { Browser, BrowserContext, LaunchOptions, Page } from '@playwright/test';
import { between, chromiumPath, sleep, testSwitches, withoutAutomationSwitches } from './people';
import { personSignsUp, type Person } from './os-person';

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
//
// The tools attackers use, from the npm registry, each driving Debian's Chromium: Playwright,
// patchright (Playwright patched against DevTools-protocol detection), puppeteer-extra with
// its stealth plugin, and rebrowser-puppeteer. Each fills the signup as scraping tutorials
// teach ("human emulation": the mouse moved in steps, keys typed with 90–110 ms delays), or
// by script as signup farms do. Beside them, people whose browser no automation touches.

const require_ = createRequire(__filename);
const patchright = require_('patchright').chromium as typeof chromium;
const puppeteerCore = require_('puppeteer-core');
const rebrowserPuppeteer = require_('rebrowser-puppeteer-core');
const { addExtra } = require_('puppeteer-extra');
const StealthPlugin = require_('puppeteer-extra-plugin-stealth');

// The rules that tell automation: traces in the browser, and how the form was driven.
const AUTOMATION_RULES = ['BOT_DETECTED', 'BROWSER_TAMPERING', 'SCRIPTED_KEYS', 'SCRIPTED_POINTER', 'NO_TRUSTED_INPUT',
  'NO_POINTER_ACTIVITY', 'ROBOTIC_POINTER', 'NO_KEYSTROKES', 'UNIFORM_TYPING', 'FAST_COMPLETION'];

// What a setup's page offers: the calls Playwright and Puppeteer share.
type AnyPage = any;

interface Launched { page: AnyPage; close: () => Promise<void> }

interface Device { screen: { width: number; height: number }; address: string }

interface Setup {
  name: string;
  fill: 'person' | 'careful' | 'script';
  webdriver: boolean;
  open: (device: Device) => Promise<Launched>;
}

// Playwright's API (Playwright and patchright): a context with the device's screen and
// address, and their bundles served from node_modules.
async function playwrightPage(kind: typeof chromium, launch: LaunchOptions, device: Device, userAgent?: string) {
  const browser = await kind.launch({ executablePath: chromiumPath, ...launch, args: [...testSwitches, ...(launch.args ?? [])] });
  const context = await browser.newContext({
    screen: device.screen, viewport: { width: 1200, height: 700 },
    extraHTTPHeaders: { 'x-forwarded-for': device.address }, ...(userAgent && { userAgent }),
  });
  await serveTheirBundles(context);
  return { page: await context.newPage(), close: () => browser.close() };
}

// Puppeteer's API (puppeteer-extra, rebrowser-puppeteer): the same device through the
// DevTools protocol, as Playwright sets it, and the bundles by request interception.
async function puppeteerPage(kind: any, headless: boolean, device: Device, args: string[] = []) {
  const browser = await kind.launch({ executablePath: chromiumPath, headless, args: [...testSwitches, ...args], defaultViewport: null });
  const page = (await browser.pages())[0] ?? await browser.newPage();
  const cdp = await page.createCDPSession();
  await cdp.send('Emulation.setDeviceMetricsOverride', {
    width: 1200, height: 700, deviceScaleFactor: 1, mobile: false, screenWidth: device.screen.width, screenHeight: device.screen.height,
  });
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': device.address });
  const origin = new URL(test.info().project.use.baseURL!).origin;
  await page.setRequestInterception(true);
  page.on('request', (request: any) => {
    const url = new URL(request.url());
    const bundle = THEIR_BUNDLES[url.pathname.slice('/bench/'.length)];
    if (url.origin !== origin) return request.abort();
    if (url.pathname.startsWith('/bench/') && bundle) {
      return request.respond({ status: 200, contentType: 'text/javascript', body: fs.readFileSync(bundle.file) });
    }
    return request.continue();
  });
  return { page, close: () => browser.close() };
}

const stealthPuppeteer = () => {
  const extra = addExtra(puppeteerCore);
  extra.use(StealthPlugin());
  return extra;
};

// "Human emulation" as scraping tutorials teach it, in the calls both APIs share: the mouse
// moved in steps across the page, each field clicked, keys typed one by one with 90–110 ms
// delays, a few seconds spent in all.
async function tutorialHumanEmulation(page: AnyPage, email: string) {
  const started = Date.now();
  for (let i = 0; i < 8; i++) {
    await page.mouse.move(100 + between(0, 600), 80 + between(0, 400), { steps: Math.round(between(5, 15)) });
    await sleep(between(50, 200));
  }
  for (const [selector, text] of [['input[name="email"]', email], ['input[name="password"]', 'a long Passphrase']]) {
    await page.click(selector);
    for (const ch of text) await page.keyboard.type(ch, { delay: between(90, 110) });
    await sleep(between(200, 500));
  }
  if (Date.now() - started < 4500) await sleep(4500 - (Date.now() - started));
  await page.click('form#signup button[type="submit"]');
}

// What an attacker who has read how Doorman judges input would write: the pointer moved in
// curves to whole-pixel points off each element's centre, every press and key held for a
// varying time, pauses of varying length between keys, Shift held for capitals and symbols.
// Only what the protocol itself does to the events is left to tell.
async function carefulEmulation(page: AnyPage, email: string) {
  const started = Date.now();
  let at = { x: 400, y: 300 };
  const moveTo = async (x: number, y: number) => {
    const steps = Math.round(between(12, 25));
    for (let i = 1; i <= steps; i++) {
      const t = i / steps;
      const ease = t * t * (3 - 2 * t);
      await page.mouse.move(Math.round(at.x + (x - at.x) * ease + Math.sin(t * Math.PI) * 25),
        Math.round(at.y + (y - at.y) * ease));
      await sleep(between(8, 25));
    }
    at = { x, y };
  };
  const clickInside = async (selector: string) => {
    const box = await (await page.$(selector)).boundingBox();
    await moveTo(Math.round(box.x + box.width * between(0.25, 0.6)), Math.round(box.y + box.height * between(0.3, 0.7)));
    await sleep(between(80, 200));
    await page.mouse.down();
    await sleep(between(60, 140));
    await page.mouse.up();
  };
  const KEYS: Record<string, [string, boolean]> = { '@': ['Digit2', true], '.': ['Period', false], ' ': ['Space', false] };
  const typeHumanly = async (text: string) => {
    for (const ch of text) {
      const [code, shift] = KEYS[ch] ?? [/[0-9]/.test(ch) ? `Digit${ch}` : `Key${ch.toUpperCase()}`, /[A-Z]/.test(ch)];
      if (shift) {
        await page.keyboard.down('Shift');
        await sleep(between(40, 90));
      }
      await page.keyboard.down(code);
      await sleep(between(55, 130));
      await page.keyboard.up(code);
      if (shift) await page.keyboard.up('Shift');
      await sleep(between(40, 220));
    }
  };
  await moveTo(300, 200);
  await clickInside('input[name="email"]');
  await typeHumanly(email);
  await clickInside('input[name="password"]');
  await typeHumanly('a long Passphrase');
  if (Date.now() - started < 4500) await sleep(4500 - (Date.now() - started));
  await clickInside('form#signup button[type="submit"]');
}

// How scripts that farm signups fill a form: values set at once, submitted at once.
async function fillByScript(page: AnyPage, email: string) {
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill('a long Passphrase');
  await page.getByRole('button', { name: 'Sign up' }).click();
}

// Chrome's own Windows user agent at the browser's real version: bots rotate user agents
// from lists of common ones, mostly Windows Chrome.
const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

// What rebrowser's guides add to hide navigator.webdriver.
const HIDE_WEBDRIVER = '--disable-blink-features=AutomationControlled';

const SETUPS: Setup[] = [
  { name: 'Playwright headless, as launched by default', fill: 'person', webdriver: true,
    open: (d) => playwrightPage(chromium, { headless: true }, d) },
  { name: 'Playwright headless, webdriver hidden, Windows Chrome user agent', fill: 'person', webdriver: false,
    open: (d) => playwrightPage(chromium, hidden(true), d, WINDOWS_CHROME) },
  { name: 'Playwright headful (Xvfb), as launched by default', fill: 'person', webdriver: true,
    open: (d) => playwrightPage(chromium, { headless: false }, d) },
  { name: 'Playwright headful, webdriver hidden, form filled by script', fill: 'script', webdriver: false,
    open: (d) => playwrightPage(chromium, hidden(false), d) },
  { name: 'patchright headless', fill: 'person', webdriver: false,
    open: (d) => playwrightPage(patchright, { headless: true }, d) },
  { name: 'patchright headful', fill: 'person', webdriver: false,
    open: (d) => playwrightPage(patchright, { headless: false }, d) },
  { name: 'patchright headful, form filled by script', fill: 'script', webdriver: false,
    open: (d) => playwrightPage(patchright, { headless: false }, d) },
  { name: 'patchright headful, careful emulation (key holds, Shift, off-centre whole-pixel clicks)', fill: 'careful',
    webdriver: false, open: (d) => playwrightPage(patchright, { headless: false }, d) },
  { name: 'puppeteer-extra stealth, headless', fill: 'person', webdriver: false,
    open: (d) => puppeteerPage(stealthPuppeteer(), true, d) },
  { name: 'puppeteer-extra stealth, headful', fill: 'person', webdriver: false,
    open: (d) => puppeteerPage(stealthPuppeteer(), false, d) },
  { name: 'rebrowser-puppeteer, headless, webdriver hidden', fill: 'person', webdriver: false,
    open: (d) => puppeteerPage(rebrowserPuppeteer, true, d, [HIDE_WEBDRIVER]) },
  { name: 'rebrowser-puppeteer, headful, webdriver hidden', fill: 'person', webdriver: false,
    open: (d) => puppeteerPage(rebrowserPuppeteer, false, d, [HIDE_WEBDRIVER]) },
];

const hidden = (headless: boolean): LaunchOptions => {
  const { ignoreDefaultArgs, args } = withoutAutomationSwitches();
  return { headless, ignoreDefaultArgs, args: args!.filter((a) => !testSwitches.includes(a)) };
};

// Each on a computer of their own, as people are: screens and languages differ, so that
// none is the device of another.
const PEOPLE: Person[] = [
  { name: 'a person (Chromium as installed)', window: { width: 1280, height: 900 } },
  { name: 'a person: no PDF viewer, small window, German, reduced motion', window: { width: 1000, height: 700 },
    screen: { width: 1366, height: 768 }, noPdfViewer: true, flags: ['--force-prefers-reduced-motion'],
    env: { LANGUAGE: 'de' } },
  { name: 'a person with DevTools open', window: { width: 1600, height: 1000 }, screen: { width: 1920, height: 1080 },
    flags: ['--auto-open-devtools-for-tabs'], env: { LANGUAGE: 'en_GB' } },
];

// Screens no other file uses, nor the X screens the people's browsers show (1280 × 1024,
// 1366 × 768, 1920 × 1080), and an address of each setup's own: every setup is a new device
// from a new address, so rules about devices and addresses seen before stay out.
const SCREENS = [[1280, 800], [1440, 900], [1536, 864], [1600, 900], [1728, 1117], [1920, 1200], [2560, 1440],
  [1400, 1050], [1360, 768], [1280, 960], [1680, 1050], [2048, 1152], [1024, 768], [2560, 1600], [1152, 864]];
const deviceOf = (index: number): Device =>
  ({ screen: { width: SCREENS[index][0], height: SCREENS[index][1] }, address: `203.0.113.${10 + index}` });

interface BotdVerdict { bot: boolean; kind?: string; detectors: string[] }

// BotD in the same page as our collector: loaded once the form is ready, as ours is, and
// asked at the moment the form is submitted.
function armBotd(page: AnyPage) {
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
  name: string;
  // What our collector saw of how the form was driven, for the log.
  input: string;
  fill: string;
  person: boolean;
  webdriver: boolean;
  decision: string;
  // The automation rules that fired.
  fired: string[];
  botd?: BotdVerdict;
}

function outcomeOf(name: string, fill: string, person: boolean, request: any, response: any): Omit<Outcome, 'botd'> {
  const codes: string[] = response.fraud.triggeredRules.map((rule: { code: string }) => rule.code);
  const trace = request.fraudSignals.behavior.input ?? {};
  const instant = (values: number[] = []) => values.filter((v) => v >= 0 && v < 8).length;
  const input = `key clock [${trace.keyClock}], pointer clock [${trace.pointerClock}], ` +
    `instant holds ${instant(trace.keyHolds)}/${trace.keyHolds?.length}, instant gaps ${instant(trace.keyGaps)}/${trace.keyGaps?.length}, ` +
    `capitals without Shift ${trace.shiftlessCapitals}, presses between pixels ${trace.fractionalPresses}/${trace.presses}`;
  return {
    name, input, fill, person, webdriver: request.fraudSignals.device.automation.webdriver,
    decision: response.fraud.decision, fired: codes.filter((code) => AUTOMATION_RULES.includes(code)),
  };
}

async function automatedSignUp(setup: Setup, index: number): Promise<Outcome> {
  const { page, close } = await setup.open(deviceOf(index));
  try {
    await page.goto(`${test.info().project.use.baseURL}/demo`);
    await page.waitForSelector('form#signup[data-ready="true"]');
    const botdInPage = await armBotd(page);
    const answered = page.waitForResponse((r: any) => r.url().endsWith('/demo/api/signup'), { timeout: 30_000 });
    const email = `bench.setup${index + 1}@example.com`;
    const fill = { person: tutorialHumanEmulation, careful: carefulEmulation, script: fillByScript }[setup.fill];
    await fill(page, email);
    const response = await answered;
    const request = JSON.parse(response.request().postData());
    const botd = await botdInPage.evaluate((inPage: any) => inPage.verdict);
    const how = { person: 'tutorial human emulation', careful: 'careful emulation', script: 'by script' }[setup.fill];
    return { ...outcomeOf(setup.name, how, false, request, await response.json()), botd };
  } finally {
    await close();
  }
}

test('Doorman catches every automated setup and lets people through', async () => {
  test.setTimeout(600_000);
  const baseURL = test.info().project.use.baseURL!;
  const outcomes: Outcome[] = [];
  for (const [index, setup] of SETUPS.entries()) {
    outcomes.push(await test.step(setup.name, () => automatedSignUp(setup, index)));
    const last = outcomes.at(-1)!;
    console.log(`${setup.name}: ${last.decision} (${last.fired.join(', ')}); ${last.input}`);
  }
  for (const [i, person] of PEOPLE.entries()) {
    const index = SETUPS.length + i;
    const { request, response } = await test.step(person.name,
      () => personSignsUp(baseURL, person, `bench.person${i + 1}@example.com`, deviceOf(index).address));
    outcomes.push(outcomeOf(person.name, 'by hand (X input)', true, request, response));
    console.log(`${person.name}: ${response.fraud.decision} (${response.fraud.triggeredRules.map((r: any) => r.code).join(', ')}); ${outcomes.at(-1)!.input}`);
  }

  const caught = (o: Outcome) => o.decision !== 'ALLOW';
  const verdict = (flagged: boolean, person: boolean) =>
    person ? (flagged ? '**flagged**' : 'not flagged') : (flagged ? 'caught' : '**missed**');
  const automated = outcomes.filter((o) => !o.person);
  await report('Automation caught (Doorman: the server\'s decision on the demo signup, caught = CHALLENGE or BLOCK; BotD: detect() in the same page)', [
    ...markdownTable(
      ['setup', 'form filled', 'webdriver', 'Doorman', 'decision (automation rules)', 'BotD', 'its detectors'],
      outcomes.map((o) => [
        o.name, o.fill, String(o.webdriver), verdict(caught(o), o.person), `${o.decision} (${o.fired.join(', ') || '–'})`,
        o.botd ? verdict(o.botd.bot, o.person) : 'not run (nothing can be put in that page)',
        o.botd?.bot ? `${o.botd.detectors.join(', ')} → ${o.botd.kind}` : '–',
      ])),
    '',
    `Of ${automated.length} automated setups Doorman caught ${automated.filter(caught).length}, ` +
      `BotD ${automated.filter((o) => o.botd?.bot).length}.`,
  ]);

  for (const o of outcomes) {
    if (o.person) {
      expect.soft(o.fired, `${o.name}: Doorman flags the person`).toEqual([]);
      expect.soft(o.decision, `${o.name}: the person's signup`).toBe('ALLOW');
    } else {
      const setup = SETUPS.find((s) => s.name === o.name)!;
      expect.soft(o.webdriver, `${o.name}: navigator.webdriver`).toBe(setup.webdriver);
      expect.soft(o.decision, `${o.name}: Doorman lets it through (${o.fired.join(', ') || 'no rule'})`).not.toBe('ALLOW');
    }
  }
});
