// A person at a browser that no automation protocol touches: Debian's Chromium started as a
// user starts it (no DevTools connection, no automation switches), moved and typed into
// through the X server. Nothing is put into its pages. What the tests need to see passes
// through a small HTTP proxy of theirs in front of the server: the person's own address
// (X-Forwarded-For, as the demo backend behind a proxy reads it), where the page lies on the
// screen (a calibration page of the proxy's, read on the pointer's first move), and the demo
// backend's answer to the signup.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { chromiumPath, clickHere, inputGoesTo, moveMouseTo, sleep, typeText, xdotool } from './people';

export interface Person {
  name: string;
  // Chromium switches of the person's own setup.
  flags?: string[];
  // The person's environment: on Linux, Chromium takes its language from LANGUAGE (not from
  // --lang) and its time zone from TZ.
  env?: Record<string, string>;
  window: { width: number; height: number };
  // Chrome opens PDFs outside the browser: no PDF viewer in navigator.
  noPdfViewer?: boolean;
  // The person's own screen: another computer than the tests' (an X server of its own).
  screen?: { width: number; height: number };
}

export interface PersonOutcome {
  request: any;
  response: any;
}

const CALIBRATE = '/__person/calibrate';
const OFFSET = '/__person/offset';

// The proxy's calibration page: on each pointer move it reports where the viewport lies on
// the screen and how large it is, and opens the demo signup once the proxy says the window
// has settled.
const CALIBRATION_PAGE = `<!DOCTYPE html><meta charset="utf-8"><title>calibration</title>
<body style="margin:0;height:100vh"><script>
document.addEventListener('mousemove', async (e) => {
  const body = JSON.stringify({ left: e.screenX - e.clientX, top: e.screenY - e.clientY, width: innerWidth, height: innerHeight });
  const answer = await fetch('${OFFSET}', { method: 'POST', body });
  if (await answer.text() === 'go') location.replace('/demo');
});
</script>`;

interface Viewport { left: number; top: number; width: number; height: number }

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

// Forwards the person's requests to the server, with their address added.
async function startProxy(address: string) {
  // The viewport as last reported, and whether the page may go on to the signup.
  const calibration = { seen: [] as Viewport[], go: false };
  const collectorLoaded = deferred<void>();
  const signup = deferred<PersonOutcome>();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://placeholder');
    if (url.pathname === CALIBRATE) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(CALIBRATION_PAGE);
      return;
    }
    const body = await readBody(req);
    if (url.pathname === OFFSET) {
      calibration.seen.push(JSON.parse(body.toString()));
      res.writeHead(200, { 'content-type': 'text/plain' }).end(calibration.go ? 'go' : 'wait');
      return;
    }
    const headers = { ...req.headers, 'x-forwarded-for': address };
    delete headers['proxy-connection'];
    const upstream = http.request(url, { method: req.method, headers }, async (answer) => {
      const answered = await readBody(answer);
      res.writeHead(answer.statusCode!, answer.headers).end(answered);
      if (url.pathname.endsWith('.wasm')) collectorLoaded.resolve();
      if (url.pathname === '/demo/api/signup') {
        signup.resolve({ request: JSON.parse(body.toString()), response: JSON.parse(answered.toString()) });
      }
    });
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, calibration, collectorLoaded: collectorLoaded.promise, signup: signup.promise, close: () => server.close() };
}


// An X server with a screen of this size, on a display number it picks itself.
async function startXServer(screen: { width: number; height: number }) {
  const server = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${screen.width}x${screen.height}x24`, '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    server.stdio[3]!.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.trim());
    });
    server.once('exit', () => reject(new Error('Xvfb did not start')));
  });
  return { display: `:${number}`, close: () => server.kill() };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => { throw new Error(`${what}: nothing within ${ms} ms`); })]);
}

// Where the signup form's fields and button lie in a viewport of this size, read in a
// headless browser of its own: the same Chromium lays the page out the same way.
async function layoutOfSignup(baseURL: string, viewport: { width: number; height: number }) {
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport });
    await page.goto(`${baseURL}/demo`);
    const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
    return {
      email: await box('input[name="email"]'),
      password: await box('input[name="password"]'),
      submit: await box('form#signup button[type="submit"]'),
    };
  } finally {
    await browser.close();
  }
}

// The person signs up on the demo page with `email`; returns what the page sent and the
// demo backend's answer.
export async function personSignsUp(baseURL: string, person: Person, email: string, address: string): Promise<PersonOutcome> {
  const proxy = await startProxy(address);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-os-person-'));
  if (person.noPdfViewer) {
    fs.mkdirSync(path.join(profile, 'Default'));
    fs.writeFileSync(path.join(profile, 'Default', 'Preferences'),
      JSON.stringify({ plugins: { always_open_pdf_externally: true } }));
  }
  const { width, height } = person.window;
  const x11 = person.screen && await startXServer(person.screen);
  inputGoesTo(x11?.display);
  const browser = spawn(chromiumPath, [
    // Root in a container needs it; a person's Chromium as installed otherwise.
    '--no-sandbox', '--no-first-run', '--no-default-browser-check', '--disable-background-networking',
    '--disable-component-update', `--user-data-dir=${profile}`, '--window-position=0,0', `--window-size=${width},${height}`,
    `--proxy-server=http://127.0.0.1:${proxy.port}`, '--proxy-bypass-list=<-loopback>',
    ...(person.flags ?? []), `${baseURL}${CALIBRATE}`,
  // A process group of its own, so that closing ends its renderers and helpers too.
  ], { stdio: 'ignore', env: { ...process.env, ...person.env, ...(x11 && { DISPLAY: x11.display }) }, detached: true });
  try {
    // The pointer moves over the window until the calibration page has reported the same
    // viewport for three seconds, at least six seconds after the start: DevTools, when the
    // person opens it, docks beside the page a few seconds in, and the page is laid out
    // again narrower.
    const started = Date.now();
    const same = (a: Viewport, b: Viewport) => JSON.stringify(a) === JSON.stringify(b);
    let offset: Viewport | undefined;
    for (let i = 0; !offset && Date.now() - started < 30_000; i++) {
      xdotool('mousemove', 300 + (i % 2) * 9, 400 + (i % 2) * 5);
      await sleep(500);
      const seen = proxy.calibration.seen;
      const last = seen.at(-1);
      if (last && Date.now() - started > 6000 && seen.length >= 6 && seen.slice(-6).every((v) => same(v, last))) {
        offset = last;
      }
    }
    if (!offset) throw new Error(`${person.name}: the calibration page never settled`);
    proxy.calibration.go = true;
    xdotool('mousemove', 320, 420);
    await within(proxy.collectorLoaded, 20_000, `${person.name}: the collector`);
    const layout = await layoutOfSignup(baseURL, { width: offset.width, height: offset.height });
    // The form is ready a moment after the collector arrives; a person reads the page first.
    await sleep(1500);
    const at = (box: { x: number; y: number; width: number; height: number }, fx: number, fy: number) =>
      [Math.round(offset!.left + box.x + box.width * fx), Math.round(offset!.top + box.y + box.height * fy)] as const;
    const filling = Date.now();
    await moveMouseTo(...at(layout.email, 0.35, 0.5));
    await sleep(180);
    await clickHere();
    await sleep(250);
    await typeText(email);
    await moveMouseTo(...at(layout.password, 0.42, 0.55));
    await sleep(120);
    await clickHere();
    await sleep(300);
    await typeText('a long Passphrase');
    if (Date.now() - filling < 4500) await sleep(4500 - (Date.now() - filling));
    await moveMouseTo(...at(layout.submit, 0.55, 0.45));
    await sleep(200);
    await clickHere();
    return await within(proxy.signup, 30_000, `${person.name}: the signup`);
  } finally {
    if (browser.exitCode === null) {
      const exited = new Promise((resolve) => browser.once('exit', resolve));
      process.kill(-browser.pid!, 'SIGTERM');
      await exited;
    }
    proxy.close();
    x11?.close();
    inputGoesTo(undefined);
    // Helpers that outlive the browser by a moment may still write into the profile.
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}
