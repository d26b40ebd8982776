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
import { chromiumPath, clickHere, moveMouseTo, typeText, xdotool } from './people';

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
}

export interface PersonOutcome {
  request: any;
  response: any;
}

const CALIBRATE = '/__person/calibrate';
const OFFSET = '/__person/offset';

// The proxy's calibration page: on the pointer's first move it reports where the viewport
// lies on the screen and how large it is, then opens the demo signup.
const CALIBRATION_PAGE = `<!DOCTYPE html><meta charset="utf-8"><title>calibration</title>
<body style="margin:0;height:100vh"><script>
document.addEventListener('mousemove', (e) => {
  const body = JSON.stringify({ left: e.screenX - e.clientX, top: e.screenY - e.clientY, width: innerWidth, height: innerHeight });
  fetch('${OFFSET}', { method: 'POST', body }).then(() => location.replace('/demo'));
}, { once: true });
</script>`;

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
  const offset = deferred<{ left: number; top: number; width: number; height: number }>();
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
      offset.resolve(JSON.parse(body.toString()));
      res.writeHead(204).end();
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
  return { port, offset: offset.promise, collectorLoaded: collectorLoaded.promise, signup: signup.promise, close: () => server.close() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  const browser = spawn(chromiumPath, [
    // Root in a container needs it; a person's Chromium as installed otherwise.
    '--no-sandbox', '--no-first-run', '--no-default-browser-check', '--disable-background-networking',
    '--disable-component-update', `--user-data-dir=${profile}`, '--window-position=0,0', `--window-size=${width},${height}`,
    `--proxy-server=http://127.0.0.1:${proxy.port}`, '--proxy-bypass-list=<-loopback>',
    ...(person.flags ?? []), `${baseURL}${CALIBRATE}`,
  ], { stdio: 'ignore', env: { ...process.env, ...person.env } });
  try {
    // The pointer's first moves over the window, until the calibration page has seen one;
    // after the window has settled (DevTools, when the person opens it, docks beside the page
    // a moment after the start, and the page is laid out again narrower).
    await sleep(4000);
    let offset: Awaited<typeof proxy.offset> | undefined;
    proxy.offset.then((o) => { offset = o; });
    for (let i = 0; !offset && i < 40; i++) {
      xdotool('mousemove', 300 + (i % 5) * 7, 400 + (i % 3) * 5);
      await sleep(250);
    }
    if (!offset) throw new Error(`${person.name}: the calibration page never saw the pointer`);
    await within(proxy.collectorLoaded, 20_000, `${person.name}: the collector`);
    const layout = await layoutOfSignup(baseURL, { width: offset.width, height: offset.height });
    // The form is ready a moment after the collector arrives; a person reads the page first.
    await sleep(1500);
    const at = (box: { x: number; y: number; width: number; height: number }, fx: number, fy: number) =>
      [Math.round(offset!.left + box.x + box.width * fx), Math.round(offset!.top + box.y + box.height * fy)] as const;
    const started = Date.now();
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
    if (Date.now() - started < 4500) await sleep(4500 - (Date.now() - started));
    await moveMouseTo(...at(layout.submit, 0.55, 0.45));
    await sleep(200);
    await clickHere();
    return await within(proxy.signup, 30_000, `${person.name}: the signup`);
  } finally {
    if (browser.exitCode === null) {
      const exited = new Promise((resolve) => browser.once('exit', resolve));
      browser.kill();
      await exited;
    }
    proxy.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
