// How the browser tests play people: Debian's Chromium, headful inside Xvfb, with the
// automation switches hidden, moving the pointer and typing as people do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, chromium, type Browser, type LaunchOptions, type Page } from '@playwright/test';

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

// A person whose Chrome opens PDFs outside the browser, a setting people and company policies
// turn on: its navigator then lists no plugins and says `pdfViewerEnabled` false. The setting
// lives in the profile, so this browser has a profile of its own, removed on close.
export async function humanBrowserWithoutPdfViewer(contextOptions: ContextOptions = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-person-'));
  fs.mkdirSync(path.join(profile, 'Default'));
  fs.writeFileSync(path.join(profile, 'Default', 'Preferences'),
    JSON.stringify({ plugins: { always_open_pdf_externally: true } }));
  const context = await chromium.launchPersistentContext(profile,
    { headless: false, ...withoutAutomationSwitches(), ...contextOptions });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

// Key by key with an uneven rhythm, as people type.
export async function typeLikeAPerson(page: Page, selector: string, text: string) {
  await page.locator(selector).click();
  for (const [i, key] of [...text].entries()) {
    await page.keyboard.type(key);
    await page.waitForTimeout(45 + ((i * 53) % 140));
  }
}

// Pointer moved along a curve with uneven timing, as a person reaching for a form does.
export async function movePointerLikeAPerson(page: Page) {
  for (let i = 0; i < 20; i++) {
    await page.mouse.move(110 + i * 8 + Math.sin(i / 3) * 12, 150 + Math.cos(i / 4) * 20 + i * 3, { steps: 2 });
    await page.waitForTimeout(35 + ((i * 41) % 55));
  }
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
  const started = Date.now();
  await movePointerLikeAPerson(page);
  await typeLikeAPerson(page, 'input[name="email"]', email);
  await typeLikeAPerson(page, 'input[name="password"]', 'a long passphrase');
  const waited = Date.now() - started;
  if (waited < 4000) await page.waitForTimeout(4000 - waited);
  await page.getByRole('button', { name: 'Sign up' }).click();
}
