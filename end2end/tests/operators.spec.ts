import { test, expect, type Page, type APIRequestContext } from '@playwright/test';

// Operators at work: the super admin sets up a client, the client's admin runs its keys and
// data, and every change lands in the audit log. Screenshots of each page go to the output.

async function signIn(page: Page, email: string, password: string, home: RegExp) {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(home);
}

// Opens a dashboard page and waits until its forms are live.
async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

function signup(email: string) {
  return {
    type: 'SIGNUP', email, externalUserId: email, ip: '203.0.113.50',
    device: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36', clientFingerprint: `fp-${email}` },
    behavior: { formStartedAt: 1_700_000_000_000, formSubmittedAt: 1_700_000_012_000, keystrokeCount: 30 },
  };
}

async function ingest(request: APIRequestContext, key: string, email: string) {
  const res = await request.post('/api/v1/events/ingest', { headers: { 'x-api-key': key }, data: signup(email) });
  return { status: res.status(), body: await res.json() };
}

test.describe.configure({ mode: 'serial' });

test('the super admin creates a tenant and its client admin, renames and suspends it', async ({ browser, request }) => {
  const root = await browser.newPage();
  await signIn(root, 'root@doorman.test', 'super-admin-password', /\/admin$/);
  await open(root, '/admin/clients');
  await root.getByLabel('Name').fill('Globex');
  await root.getByLabel('Slug').fill('globex');
  await root.getByRole('button', { name: 'Create tenant' }).click();
  await expect(root.getByRole('status')).toContainText('Tenant globex created.');
  await expect(root.locator('tr[data-tenant="globex"]')).toContainText('ACTIVE');
  await shot(root, 'admin-clients');

  await open(root, '/admin/clients/globex');
  await root.getByLabel('Email').fill('ops@globex.test');
  await root.getByLabel('Password').fill('globex-admin-password');
  await root.getByRole('button', { name: 'Create client admin' }).click();
  await expect(root.locator('tr[data-admin="ops@globex.test"]')).toContainText('active');
  await root.getByLabel('Name').fill('Globex Corp');
  await root.getByRole('button', { name: 'Rename' }).click();
  await expect(root.getByRole('status').first()).toContainText('Renamed.');
  await expect(root.locator('h2').first()).toContainText('Globex Corp');
  await shot(root, 'admin-tenant');

  // The client admin creates a key; the super admin suspends the tenant and the key gets 403.
  const ops = await browser.newPage();
  await signIn(ops, 'ops@globex.test', 'globex-admin-password', /\/client-admin$/);
  await open(ops, '/client-admin/api-keys');
  await ops.getByLabel('Name').fill('globex backend');
  await ops.getByRole('button', { name: 'Create key' }).click();
  const secret = (await ops.locator('#new-key').textContent())!.trim();
  expect((await ingest(request, secret, 'first@globex.test')).status).toBe(200);

  await open(root, '/admin/clients');
  await root.locator('tr[data-tenant="globex"]').getByRole('button', { name: 'Suspend' }).click();
  await expect(root.locator('tr[data-tenant="globex"]')).toContainText('SUSPENDED');
  const refused = await ingest(request, secret, 'second@globex.test');
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('forbidden');
  await root.locator('tr[data-tenant="globex"]').getByRole('button', { name: 'Reactivate' }).click();
  await expect(root.locator('tr[data-tenant="globex"]')).toContainText('ACTIVE');
  expect((await ingest(request, secret, 'second@globex.test')).status).toBe(200);

  // Revoked: the very next request with the key is refused.
  await open(ops, '/client-admin/api-keys');
  await ops.locator('tr[data-key-name="globex backend"]').getByRole('button', { name: 'Revoke' }).click();
  await expect(ops.locator('tr[data-key-name="globex backend"]')).toContainText('revoked');
  expect((await ingest(request, secret, 'third@globex.test')).status).toBe(401);
  await shot(ops, 'client-api-keys');

  // The client admin keeps data 90 days and erases one user on request.
  await open(ops, '/client-admin/data');
  await ops.getByLabel('Keep events for (days)').fill('90');
  await ops.getByRole('button', { name: 'Save' }).click();
  await expect(ops.getByRole('status').first()).toContainText('Retention saved.');
  await expect(ops.locator('.retention-days')).toHaveText('90');
  await ops.getByLabel('User').fill('first@globex.test');
  await ops.getByRole('button', { name: 'Erase' }).click();
  await expect(ops.getByRole('status').last()).toContainText('Erased first@globex.test: 1 events');
  await shot(ops, 'client-data');

  await open(ops, '/client-admin/audit');
  await expect(ops.locator('table.audit')).toContainText('user.erase');
  // Only its own tenant's history: not the demo tenant's, made on the command line.
  await expect(ops.locator('table.audit')).not.toContainText('Demo shop');

  await open(root, '/admin/audit');
  const log = root.locator('table.audit');
  for (const action of ['tenant.create', 'client_admin.create', 'tenant.rename', 'tenant.suspend', 'tenant.reactivate',
    'api_key.create', 'api_key.revoke', 'retention.set', 'user.erase']) {
    await expect(log).toContainText(action);
  }
  await shot(root, 'admin-audit');
});

test('a client admin cannot open the super admin area', async ({ page }) => {
  await signIn(page, 'ops@globex.test', 'globex-admin-password', /\/client-admin$/);
  await page.goto('/admin/clients');
  await expect(page).toHaveURL(/\/client-admin$/);
  const res = await page.request.post('/rpc/list-tenants', { headers: { accept: 'application/json' } });
  expect(res.status()).toBe(403);
});

test('the client admin finds a blocked signup and sees why, with the accounts on its device', async ({ page }) => {
  await signIn(page, 'client@demo.test', 'client-admin-password', /\/client-admin$/);
  await open(page, '/client-admin/events');
  await page.getByLabel('Decision').selectOption('BLOCK');
  await page.getByLabel('User').fill('ada.second@example.org');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/decision=BLOCK/);
  const rows = page.locator('table.events tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('DEVICE_REUSED');
  await shot(page, 'client-events');

  await rows.first().locator('td.time a').click();
  await expect(page).toHaveURL(/\/client-admin\/events\/evt_/);
  await expect(page.locator('#decision')).toHaveText('BLOCK');
  await expect(page.locator('tr[data-rule="DEVICE_REUSED"]')).toContainText('FIRED');
  await expect(page.locator('table.device-users')).toContainText('ada@example.com');
  await expect(page.locator('table.device-users')).toContainText('ada.second@example.org');
  await shot(page, 'client-event-detail');
});

test('the client admin blocks an email from the lists page and the next event is blocked', async ({ page, request }) => {
  await signIn(page, 'client@demo.test', 'client-admin-password', /\/client-admin$/);
  await open(page, '/client-admin/api-keys');
  await page.getByLabel('Name').fill('lists test');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.locator('#new-key').textContent())!.trim();
  const before = await ingest(request, secret, 'mallory@example.com');
  expect(before.body.decision).not.toBe('BLOCK');
  expect(before.body.listMatch).toBeUndefined();

  await open(page, '/client-admin/lists');
  const form = page.locator('#add-entry');
  await form.locator('select[name="action"]').selectOption('block');
  await form.locator('select[name="kind"]').selectOption('email');
  await form.getByLabel('Value').fill('Mallory+promo@Example.com');
  await form.getByLabel('Reason').fill('chargeback ring');
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('status').first()).toContainText('Entry added.');
  const row = page.locator('tr[data-entry="mallory@example.com"]');
  await expect(row).toContainText('chargeback ring');
  await expect(row).toContainText('client@demo.test');
  await shot(page, 'client-lists');

  const blocked = await ingest(request, secret, 'mallory@example.com');
  expect(blocked.body.decision).toBe('BLOCK');
  expect(blocked.body.listMatch).toEqual({ action: 'block', kind: 'email', value: 'mallory@example.com' });

  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(row).toHaveCount(0);
  expect((await ingest(request, secret, 'mallory@example.com')).body.listMatch).toBeUndefined();
});

test('the client admin overview charts decisions, rules and scores', async ({ page }) => {
  await signIn(page, 'client@demo.test', 'client-admin-password', /\/client-admin$/);
  await expect(page.locator('svg.decisions-over-time rect.block').first()).toBeVisible();
  await expect(page.locator('svg.bars g[data-item="DEVICE_REUSED"]')).toBeVisible();
  await expect(page.locator('svg.score-histogram rect.bar').first()).toBeVisible();
  expect(Number(await page.locator('#total-events').textContent())).toBeGreaterThan(0);
  await shot(page, 'client-overview');
  await page.getByRole('link', { name: 'Last 7 days' }).click();
  await expect(page.locator('section.stats')).toHaveAttribute('data-period', '7d');
});

test('the integrate page gives copy-ready code for this server', async ({ page, baseURL }) => {
  await signIn(page, 'client@demo.test', 'client-admin-password', /\/client-admin$/);
  await page.getByRole('link', { name: 'Integrate' }).click();
  await expect(page).toHaveURL(/\/client-admin\/integrate$/);
  await expect(page.locator('#base-url')).toHaveText(baseURL!.replace(/\/$/, ''));
  await expect(page.locator('#snippet')).toContainText(`import * as Doorman from '${baseURL!.replace(/\/$/, '')}/collector/doorman.js'`);
  await expect(page.locator('#node')).toContainText('/api/v1/events/ingest');
  await expect(page.locator('#python')).toContainText('DOORMAN_API_KEY');
  await shot(page, 'client-integrate');
});

test('the client admin tunes a rule, previews it, and the next event is scored with it', async ({ page, request }) => {
  await signIn(page, 'client@demo.test', 'client-admin-password', /\/client-admin$/);
  await open(page, '/client-admin/api-keys');
  await page.getByLabel('Name').fill('rules test');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.locator('#new-key').textContent())!.trim();

  await open(page, '/client-admin/rules');
  const row = page.locator('tr[data-rule="DISPOSABLE_EMAIL"]');
  await expect(row.locator('td.base')).toContainText('30');
  await row.locator('input.weight').fill('200');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.locator('#preview-result')).toContainText('events scored again');
  await page.locator('#save-rules').click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await shot(page, 'client-rules');

  const scored = await ingest(request, secret, 'throwaway@mailinator.com');
  expect(scored.body.decision).toBe('BLOCK');
  const rule = scored.body.triggeredRules.find((r: { code: string }) => r.code === 'DISPOSABLE_EMAIL');
  expect(rule.weight).toBe(200);
});

test('the super admin changes a global default and it stays changed', async ({ page }) => {
  await signIn(page, 'root@doorman.test', 'super-admin-password', /\/admin$/);
  await page.getByRole('link', { name: 'Global rules' }).click();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  const setting = page.locator('tr[data-setting="resetsPerUserPerHour"] input');
  await setting.fill('4');
  await page.locator('#save-rules').click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await shot(page, 'admin-global-rules');
  await page.reload();
  await expect(page.locator('tr[data-setting="resetsPerUserPerHour"] input')).toHaveValue('4');
});

test('the super admin bulk-imports a reputation list from a file and finds an entry', async ({ page }) => {
  await signIn(page, 'root@doorman.test', 'super-admin-password', /\/admin$/);
  await open(page, '/admin/reputation?list=tor-exits');
  await page.locator('details.import summary').click();
  await page.locator('#import-file').setInputFiles({
    name: 'exits.txt', mimeType: 'text/plain',
    buffer: Buffer.from('# TOR exits\n192.0.2.10\n192.0.2.11\nnot an address\n'),
  });
  await expect(page.locator('#import-text')).toHaveValue(/192\.0\.2\.11/);
  await page.locator('#import-button').click();
  await expect(page.locator('#import-result')).toContainText('2 added, 0 already listed, 1 rejected.');
  await expect(page.locator('a[data-list="tor-exits"]')).toContainText('2 entries');
  await page.getByLabel('Search').fill('0.2.11');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('table.reputation tbody tr')).toHaveCount(1);
  await shot(page, 'admin-reputation');
});

test('the dashboard fits a phone screen', async ({ browser }) => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(phone, 'client@demo.test', 'client-admin-password', /\/client-admin$/);
  for (const path of ['/client-admin', '/client-admin/events', '/client-admin/rules', '/client-admin/lists']) {
    await open(phone, path);
    // Wide tables scroll inside their frame; the page itself never scrolls sideways.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await open(phone, '/client-admin');
  await shot(phone, 'phone-overview');
  await phone.close();
});
