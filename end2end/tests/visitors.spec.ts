// Device identity and hidden automation, as the demo shop's signup page shows them. Runs
// after the other files: every test here is the same machine, which earlier tests have
// already used, so decisions are not asserted, only visitors and rules.
import { test, expect, type Page } from '@playwright/test';
import { humanBrowser, signUpLikeAPerson, type ContextOptions } from './people';

test.describe.configure({ mode: 'serial' });
// Every signup is typed key by key through the X server, at a person's pace.
test.setTimeout(180_000);

async function visitorOf(page: Page) {
  const visitor = await page.locator('#visitor').textContent();
  expect(visitor).toMatch(/^vis_[0-9a-z]{26}$/);
  return visitor!;
}

// Each launch is a fresh profile: empty storage and cookies, as after clearing them or in a
// private window, so the collector's device token is new every time.
async function signUpInFreshProfile(email: string, contextOptions: ContextOptions = {}, flags: string[] = []) {
  const { browser, context } = await humanBrowser(contextOptions, flags);
  const page = await context.newPage();
  await signUpLikeAPerson(page, email);
  const visitor = await visitorOf(page);
  await browser.close();
  return visitor;
}

test('a fresh profile of the same browser is the same visitor, a browser with another screen another', async () => {
  const first = await signUpInFreshProfile('grace@example.com');
  const again = await signUpInFreshProfile('grace.again@example.com');
  expect(again).toBe(first);

  const otherScreen = { screen: { width: 1366, height: 768 }, viewport: { width: 1300, height: 700 } };
  const other = await signUpInFreshProfile('linus@example.com', otherScreen);
  expect(other).not.toBe(first);
  // And that other browser is recognised again in a fresh profile of its own.
  expect(await signUpInFreshProfile('linus.again@example.com', otherScreen)).toBe(other);
});

test('browsers that differ only in language, time zone or GPU are other visitors', async () => {
  const first = await signUpInFreshProfile('margaret@example.com');
  const german = await signUpInFreshProfile('margarete@example.de', { locale: 'de-DE' });
  const tokyo = await signUpInFreshProfile('margaret.tokyo@example.com', { timezoneId: 'Asia/Tokyo' });
  // WebGL through the desktop OpenGL driver (Mesa) instead of Chromium's own SwiftShader.
  const otherGpu = await signUpInFreshProfile('margaret.gl@example.com', {}, ['--use-angle=gl', '--ignore-gpu-blocklist']);
  expect(new Set([first, german, tokyo, otherGpu]).size).toBe(4);
  // Each is itself again in a fresh profile.
  expect(await signUpInFreshProfile('margarete.again@example.de', { locale: 'de-DE' })).toBe(german);
});

test('automation that hides navigator.webdriver is still caught, by how it fills the form', async () => {
  // The same headful browser as the people of these tests, with the automation switches
  // hidden; but a script fills fields and submits at once, as bots farming signups do.
  const { browser, context } = await humanBrowser();
  const page = await context.newPage();
  await page.goto('/demo');
  await expect(page.locator('form#signup[data-ready="true"]')).toBeVisible();
  expect(await page.evaluate(() => navigator.webdriver)).toBe(false);
  await page.locator('input[name="email"]').fill('farm-0001@example.net');
  await page.locator('input[name="password"]').fill('a long passphrase');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const rules = page.locator('#rules');
  await expect(rules).toContainText('FAST_COMPLETION');
  await expect(rules).toContainText('NO_KEYSTROKES');
  await expect(rules).not.toContainText('BOT_DETECTED');
  await browser.close();
});
