// How the browser tests play people: Debian's Chromium, headful inside Xvfb, with the
// automation switches hidden, moved and typed into through the X server as people do.
import { execFileSync } from 'node:child_process';
import { expect, chromium, type Browser, type LaunchOptions, type Locator, type Page } from '@playwright/test';

export type ContextOptions = Parameters<Browser['newContext']>[0];

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The switches every browser of these tests runs with: no sandbox (root in a container), and
// nothing that reaches out to the network on its own.
export const testSwitches =
  ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic'];

// Debian's Chromium without the automation switches (no `--enable-automation`, and
// navigator.webdriver false): as people's browsers are, and bots that hide themselves;
// `flags` are further Chromium switches.
export function withoutAutomationSwitches(flags: string[] = []): LaunchOptions {
  return {
    executablePath: chromiumPath,
    ignoreDefaultArgs: ['--enable-automation'],
    args: [...testSwitches, '--disable-blink-features=AutomationControlled', ...flags],
  };
}

// A person's browser: headful (inside Xvfb) and without the automation switches; `flags` are
// further Chromium switches, as a person's own setup would have them.
export async function humanBrowser(contextOptions: ContextOptions = {}, flags: string[] = []) {
  const browser = await chromium.launch({ headless: false, ...withoutAutomationSwitches(flags) });
  return { browser, context: await browser.newContext(contextOptions) };
}

// ---- A person's input: the operating system's, never an automation protocol's ----
//
// Everything a person does here goes through the X server (xdotool under Xvfb), as a real
// keyboard and mouse do; Playwright only reads where things are on the page.

// One xdotool command; the X server queues it before it returns.
export function xdotool(...args: (string | number)[]) {
  execFileSync('xdotool', args.map(String), { env: { ...process.env, DISPLAY: display } });
}

// The X display people's input goes to: the tests' own, or that of a person's computer.
let display = process.env.DISPLAY;
export function inputGoesTo(x11Display: string | undefined) {
  display = x11Display ?? process.env.DISPLAY;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A pseudo-random number in [low, high): varied but the same on every run.
let seed = 7;
export function between(low: number, high: number) {
  seed = (seed * 48271) % 2147483647;
  return low + ((seed % 10_000) / 10_000) * (high - low);
}

// Where the page's viewport starts on the X screen: read off one real pointer move, since
// what the page says of its window's place is not always where the X server put it.
export interface Viewport { left: number; top: number }
const viewports = new WeakMap<Page, Viewport>();

export async function viewportOnScreen(page: Page): Promise<Viewport> {
  const known = viewports.get(page);
  if (known) return known;
  // The page keeps the last move it saw; the pointer's last stop is at (338, 430).
  await page.evaluate(() => addEventListener('mousemove', (e) => {
    (window as any).__lastMove = { x: e.clientX, y: e.clientY };
  }));
  let at: { x: number; y: number } | undefined;
  for (let i = 0; i < 3 && !at; i++) {
    xdotool('mousemove', 320 + i, 420);
    xdotool('mousemove', 338, 430);
    await sleep(300);
    at = await page.evaluate(() => (window as any).__lastMove);
  }
  pointer = { x: 338, y: 430 };
  if (!at) throw new Error('the page never saw the pointer: is its window at the corner of the X screen?');
  const viewport = { left: 338 - at.x, top: 430 - at.y };
  viewports.set(page, viewport);
  return viewport;
}

// The pointer's last place on the screen, where the next movement starts.
let pointer = { x: 600, y: 500 };

// Along a curve with easing and uneven timing, as a hand moves a mouse, to screen (x, y).
export async function moveMouseTo(x: number, y: number) {
  const from = pointer;
  const steps = Math.round(between(16, 26));
  const bend = between(-40, 40);
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const ease = t * t * (3 - 2 * t);
    const sx = from.x + (x - from.x) * ease + Math.sin(t * Math.PI) * bend;
    const sy = from.y + (y - from.y) * ease + Math.sin(t * Math.PI) * bend * 0.4;
    xdotool('mousemove', Math.round(sx), Math.round(sy));
    await sleep(between(8, 28));
  }
  pointer = { x, y };
}

// A press held as a finger holds it.
export async function clickHere() {
  xdotool('mousedown', 1);
  await sleep(between(70, 140));
  xdotool('mouseup', 1);
}

// Moves to a point inside the element (not its exact centre) and clicks it.
export async function clickLikeAPerson(page: Page, target: Locator) {
  const box = await target.boundingBox();
  if (!box) throw new Error('the element to click is not on screen');
  const { left, top } = await viewportOnScreen(page);
  const x = Math.round(left + box.x + box.width * between(0.3, 0.6));
  const y = Math.round(top + box.y + box.height * between(0.35, 0.65));
  await moveMouseTo(x, y);
  await sleep(between(80, 200));
  await clickHere();
}

const KEYSYMS: Record<string, string> = {
  '@': 'at', '.': 'period', ' ': 'space', '-': 'minus', '_': 'underscore', '+': 'plus', '!': 'exclam',
};
const SHIFTED = /[A-Z@_+!]/;

// Key by key: each held for a while, the next pressed after an uneven pause, Shift held for
// capitals and symbols, as people type on a US keyboard.
export async function typeText(text: string) {
  for (const ch of text) {
    const keysym = KEYSYMS[ch] ?? ch;
    const shift = SHIFTED.test(ch);
    if (shift) {
      xdotool('keydown', 'Shift_L');
      await sleep(between(40, 90));
    }
    xdotool('keydown', keysym);
    await sleep(between(55, 130));
    xdotool('keyup', keysym);
    if (shift) {
      await sleep(between(10, 40));
      xdotool('keyup', 'Shift_L');
    }
    await sleep(between(40, 220));
  }
}

// Clicks into the field and types into it.
export async function typeLikeAPerson(page: Page, selector: string, text: string) {
  await clickLikeAPerson(page, page.locator(selector));
  await sleep(between(150, 300));
  await typeText(text);
}

// The pointer wanders over the page before reaching for the form, as a person's does.
export async function movePointerLikeAPerson(page: Page) {
  const { left, top } = await viewportOnScreen(page);
  await moveMouseTo(Math.round(left + between(200, 500)), Math.round(top + between(80, 300)));
  await sleep(between(100, 300));
}

// A person signing up: pointer moved along a curve with uneven timing, keys typed with human
// delays, and more than the minimum completion time spent on the form.
export async function signUpLikeAPerson(page: Page, email: string) {
  await page.goto('/demo');
  await expect(page.locator('form#signup[data-ready="true"]')).toBeVisible();
  await fillSignUpLikeAPerson(page, email);
  const result = page.locator('#result');
  await expect(result).toBeVisible();
  return result;
}

// The same on a signup form that is already open and ready, up to the click on "Sign up".
export async function fillSignUpLikeAPerson(page: Page, email: string) {
  await completeLikeAPerson(page, async () => {
    await typeLikeAPerson(page, 'input[name="email"]', email);
    await typeLikeAPerson(page, 'input[name="password"]', 'a long passphrase');
  }, page.getByRole('button', { name: 'Sign up' }));
}

// Reaches for the form, fills it with `fill`, spends at least four seconds on it as people
// do, and clicks `submit`.
export async function completeLikeAPerson(page: Page, fill: () => Promise<void>, submit: Locator) {
  const started = Date.now();
  await movePointerLikeAPerson(page);
  await fill();
  const waited = Date.now() - started;
  if (waited < 4000) await page.waitForTimeout(4000 - waited);
  await clickLikeAPerson(page, submit);
}
