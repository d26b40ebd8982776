import { test, expect } from '@playwright/test';
import { completeLikeAPerson, humanBrowser, signUpLikeAPerson, typeLikeAPerson } from './people';

test.describe.configure({ mode: 'serial' });

test('a person signs up, a second account from the same browser is blocked, and the client admin sees both', async () => {
  const { browser, context } = await humanBrowser();
  const page = await context.newPage();

  const first = await signUpLikeAPerson(page, 'ada@example.com');
  await expect(first).toHaveAttribute('data-decision', 'ALLOW');
  // Not one detector mistakes the person for a bot.
  await expect(page.locator('#rules')).toHaveText('none');

  const second = await signUpLikeAPerson(page, 'ada.second@example.org');
  await expect(second).toHaveAttribute('data-decision', 'BLOCK');
  await expect(page.locator('#rules')).toContainText('DEVICE_REUSED');

  await page.goto('/client-admin');
  await expect(page).toHaveURL(/\/login$/);
  await page.locator('input[name="email"]').fill('client@demo.test');
  await page.locator('input[name="password"]').fill('client-admin-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/client-admin$/);
  const rows = page.locator('table.events tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'ada@example.com' })).toContainText('ALLOW');
  await expect(rows.filter({ hasText: 'ada.second@example.org' })).toContainText('BLOCK');
  await page.screenshot({ path: test.info().outputPath('client-admin.png'), fullPage: true });
  await browser.close();
});

test('a wrong password is refused and the super admin sees every tenant', async ({ page }) => {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill('root@doorman.test');
  await page.locator('input[name="password"]').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong email or password');

  // Before the page has hydrated the form posts without JavaScript and the page reloads
  // empty, so both fields are filled again.
  await page.locator('input[name="email"]').fill('root@doorman.test');
  await page.locator('input[name="password"]').fill('super-admin-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.locator('table.tenants')).toContainText('demo');
  await expect(page.locator('table.events tbody tr')).toHaveCount(2);
  // A super admin is sent away from the client area to its own.
  await page.goto('/client-admin');
  await expect(page).toHaveURL(/\/admin$/);
});

test('a client admin creates an API key that works at once and stops working when revoked', async ({ page, request }) => {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill('client@demo.test');
  await page.locator('input[name="password"]').fill('client-admin-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/client-admin$/);
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page).toHaveURL(/\/client-admin\/api-keys$/);

  await page.locator('input[name="name"]').fill('e2e backend');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.locator('#new-key').textContent())!.trim();
  expect(secret).toMatch(/^dm_live_[0-9a-f]{48}$/);
  const row = page.locator('tr[data-key-name="e2e backend"]');
  await expect(row).toContainText(secret.slice(0, 14));
  await expect(row).not.toContainText(secret);
  await page.screenshot({ path: test.info().outputPath('api-keys.png'), fullPage: true });

  const ingest = (key: string) => request.post('/api/v1/events/ingest', {
    headers: { 'x-api-key': key },
    data: { type: 'LOGIN', email: 'someone@example.com', ip: '203.0.113.9' },
  });
  expect((await ingest(secret)).status()).toBe(200);

  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
  const refused = await ingest(secret);
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe('unauthorized');
});

test('an automated browser is blocked as a bot', async ({ page }) => {
  // Playwright's default launch: navigator.webdriver is true and the user agent says Headless.
  await page.goto('/demo');
  await expect(page.locator('form#signup[data-ready="true"]')).toBeVisible();
  await page.locator('input[name="email"]').fill('bot@example.net');
  await page.locator('input[name="password"]').fill('botpassword1');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.locator('#result')).toHaveAttribute('data-decision', 'BLOCK');
  await expect(page.locator('#rules')).toContainText('BOT_DETECTED');
});

test('the person logs in on the demo login page, and a wrong password is refused', async () => {
  const { browser, context } = await humanBrowser();
  const page = await context.newPage();
  const logIn = async (password: string) => {
    await page.goto('/demo/login');
    await expect(page.locator('form#login[data-ready="true"]')).toBeVisible();
    await completeLikeAPerson(page, async () => {
      await typeLikeAPerson(page, 'input[name="email"]', 'ada@example.com');
      await typeLikeAPerson(page, 'input[name="password"]', password);
    }, page.getByRole('button', { name: 'Log in' }));
    const result = page.locator('#result');
    await expect(result).toBeVisible();
    return result;
  };
  const ok = await logIn('a long passphrase');
  await expect(ok).toHaveAttribute('data-decision', 'ALLOW');
  await expect(page.locator('#outcome')).toHaveText('Welcome back!');
  await page.screenshot({ path: test.info().outputPath('demo-login.png'), fullPage: true });

  const wrong = await logIn('not my passphrase');
  await expect(wrong).toHaveAttribute('data-status', '401');
  await expect(page.locator('#outcome')).toHaveText('Wrong email or password');
  await browser.close();
});

test('the demo SMS page sends five codes to one browser and refuses the sixth', async () => {
  test.setTimeout(120_000);
  // Another person's computer: a screen of its own makes it another device.
  const { browser, context } = await humanBrowser({ screen: { width: 1680, height: 1050 }, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const request = async () => {
    await page.goto('/demo/sms');
    await expect(page.locator('form#sms[data-ready="true"]')).toBeVisible();
    await completeLikeAPerson(page, () => typeLikeAPerson(page, 'input[name="phone"]', '+33 6 12 34 56 78'),
      page.getByRole('button', { name: 'Send code' }));
    await expect(page.locator('#result')).toBeVisible();
    return page.locator('#result');
  };
  for (let n = 1; n <= 5; n++) {
    const result = await request();
    await expect(result).toHaveAttribute('data-decision', 'ALLOW');
    await expect(page.locator('#outcome')).toHaveText('We sent you a code.');
  }
  const sixth = await request();
  await expect(sixth).toHaveAttribute('data-decision', 'BLOCK');
  await expect(page.locator('#rules')).toContainText('SMS_VELOCITY_DEVICE');
  await expect(page.locator('#outcome')).toHaveText('No code can be sent to this number');
  await page.screenshot({ path: test.info().outputPath('demo-sms.png'), fullPage: true });
  await browser.close();
});
