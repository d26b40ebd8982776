// How the browser tests play people: Debian's Chromium, headful inside Xvfb, with the
// automation switches hidden, moving the pointer and typing as people do.
import { expect, chromium, type Browser, type Page } from '@playwright/test';

// A person's browser: headful (inside Xvfb) and without the automation switches.
export async function humanBrowser(contextOptions: Parameters<Browser['newContext']>[0] = {}) {
  const browser = await chromium.launch({
    headless: false,
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    ignoreDefaultArgs: ['--enable-automation'],
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      '--disable-quic', '--disable-blink-features=AutomationControlled'],
  });
  return { browser, context: await browser.newContext(contextOptions) };
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
  const started = Date.now();
  await movePointerLikeAPerson(page);
  await typeLikeAPerson(page, 'input[name="email"]', email);
  await typeLikeAPerson(page, 'input[name="password"]', 'a long passphrase');
  const waited = Date.now() - started;
  if (waited < 4000) await page.waitForTimeout(4000 - waited);
  await page.getByRole('button', { name: 'Sign up' }).click();
  const result = page.locator('#result');
  await expect(result).toBeVisible();
  return result;
}
