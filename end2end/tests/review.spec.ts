import { test, expect, type Browser, type Page, type APIRequestContext } from '@playwright/test';

// The operators' desk: the overview follows events as they are scored, and two analysts of
// the "desk" tenant (start-server.sh) work its review queue side by side, each in a browser
// context of their own, while a backend sends events through the API.

const password = 'analyst-password';

async function analyst(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/login');
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/client-admin$/);
  return page;
}

// Opens a dashboard page and waits until it is hydrated, so that it follows the live feed.
async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

let key = '';
let seq = 0;

// A signup sent in one second without a keystroke: NO_KEYSTROKES and FAST_COMPLETION, a
// challenge. `quiet` sends a calm one that is allowed.
async function ingest(request: APIRequestContext, email: string, device: string, quiet = false) {
  seq += 1;
  const started = 1_700_000_000_000 + seq * 100_000;
  const res = await request.post('/api/v1/events/ingest', {
    headers: { 'x-api-key': key },
    data: {
      type: 'SIGNUP', email, externalUserId: email, ip: `203.0.113.${100 + seq}`,
      device: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36', clientFingerprint: `fp-${device}` },
      behavior: quiet
        ? { formStartedAt: started, formSubmittedAt: started + 14_000, keystrokeCount: 28 }
        : { formStartedAt: started, formSubmittedAt: started + 1_000, keystrokeCount: 0 },
    },
  });
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.decision).toBe(quiet ? 'ALLOW' : 'CHALLENGE');
  return body as { eventId: string; visitorId: string; decision: string };
}

test.describe.configure({ mode: 'serial' });

test('the overview shows each event within a second of its scoring, without a reload', async ({ browser, request }) => {
  const ana = await analyst(browser, 'ana@desk.test');
  await open(ana, '/client-admin/api-keys');
  await ana.getByLabel('Name').fill('desk backend');
  await ana.getByRole('button', { name: 'Create key' }).click();
  key = (await ana.locator('#new-key').textContent())!.trim();

  await open(ana, '/client-admin');
  const total = ana.locator('#total-events');
  const before = Number(await total.textContent());
  let navigations = 0;
  ana.on('framenavigated', () => { navigations += 1; });
  for (const n of [1, 2, 3]) {
    const sentAt = Date.now();
    const scored = await ingest(request, `live${n}@example.org`, `live-${n}`, true);
    await expect(ana.locator(`section.recent-events tr[data-event-id="${scored.eventId}"]`)).toBeVisible({ timeout: 1_000 });
    console.log(`event ${n} on the overview ${Date.now() - sentAt} ms after it was sent`);
  }
  // Counters are read again once a second while events arrive.
  await expect(total).toHaveText(String(before + 3), { timeout: 5_000 });
  expect(navigations, 'the page never reloaded').toBe(0);
  await shot(ana, 'live-overview');
});

test('two analysts work the queue: claims, a lapse, decisions, a bulk decision and precision', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const ana = await analyst(browser, 'ana@desk.test');
  const bo = await analyst(browser, 'bo@desk.test');

  // Claims last a minute here, so that one lapses within the test.
  await open(ana, '/client-admin/review');
  const settings = ana.locator('#review-settings');
  await settings.locator('input[name="claim_minutes"]').fill('1');
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(ana.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();

  await open(bo, '/client-admin/review');
  const waiting = Number(await bo.locator('#review-total').textContent());
  const first = await ingest(request, 'q1@example.org', 'q1');
  const second = await ingest(request, 'q2@example.org', 'q2');
  const farmA = await ingest(request, 'farm@example.org', 'farm');
  const farmB = await ingest(request, 'farm@example.org', 'farm');
  expect(farmB.visitorId).toBe(farmA.visitorId);
  // Bo's page counts them as they arrive.
  await expect(bo.locator('#review-total')).toHaveText(String(waiting + 4), { timeout: 5_000 });

  // Ana opens the next item, the oldest: she holds it for a minute.
  await open(ana, '/client-admin/review');
  const claimedAt = Date.now();
  await ana.getByRole('button', { name: 'Open next' }).click();
  await expect(ana).toHaveURL(new RegExp(`/client-admin/review/${first.eventId}$`));
  await expect(ana.locator('#review-status')).toContainText('Held for you');
  await expect(ana.locator('tr[data-rule="NO_KEYSTROKES"]')).toContainText('FIRED');
  await shot(ana, 'review-item');

  // Bo's queue shows the claim without a reload, and his next item is another one.
  await expect(bo.locator(`tr[data-event-id="${first.eventId}"] td.held`)).toContainText('ana@desk.test', { timeout: 5_000 });
  await bo.getByRole('button', { name: 'Open next' }).click();
  await expect(bo).toHaveURL(new RegExp(`/client-admin/review/${second.eventId}$`));
  await bo.locator('#decide select[name="decision"]').selectOption('LEGIT');
  await bo.locator('#decide input[name="comment"]').fill('a real customer, called back');
  await bo.locator('#decide').getByRole('button', { name: 'Decide' }).click();
  await expect(bo.locator('#review-status')).toContainText('Decided LEGIT by bo@desk.test');

  // Ana's item is hers: Bo sees who holds it and cannot decide it.
  await open(bo, `/client-admin/review/${first.eventId}`);
  await expect(bo.locator('#review-status')).toContainText('ana@desk.test holds this item');
  await expect(bo.locator('#decide')).toHaveCount(0);

  // Both signups of the farmed device at once, from the queue filtered to its visitor.
  await open(bo, `/client-admin/review?visitor=${farmA.visitorId}`);
  await expect(bo.locator('table.review-queue tbody tr')).toHaveCount(2);
  const bulk = bo.locator('#decide-all');
  await bulk.locator('select[name="decision"]').selectOption('FRAUD');
  await bulk.locator('input[name="comment"]').fill('one device, many accounts');
  await bulk.getByRole('button', { name: 'Decide all' }).click();
  await expect(bo.getByRole('status').filter({ hasText: '2 items decided FRAUD' })).toBeVisible();
  await expect(bo.locator('table.review-queue')).toHaveCount(0);
  await shot(bo, 'review-bulk');

  // An allowed event sent to review by hand joins the queue.
  const quiet = await ingest(request, 'calm@example.org', 'calm', true);
  await open(bo, `/client-admin/events/${quiet.eventId}`);
  await bo.getByRole('button', { name: 'Send to review' }).click();
  await expect(bo.getByRole('status').filter({ hasText: 'In the review queue' })).toBeVisible();

  // A minute after Ana opened it, her claim has lapsed: Bo takes the item and decides it.
  await bo.waitForTimeout(Math.max(0, claimedAt + 62_000 - Date.now()));
  await open(bo, `/client-admin/review/${first.eventId}`);
  await expect(bo.locator('#review-status')).toContainText('Held for you');
  await bo.locator('#decide select[name="decision"]').selectOption('FRAUD');
  await bo.locator('#decide').getByRole('button', { name: 'Decide' }).click();
  await expect(bo.locator('#review-status')).toContainText('Decided FRAUD by bo@desk.test');

  // Ana's queue page has followed along: only the item sent by hand waits.
  await open(ana, '/client-admin/review');
  await expect(ana.locator('#review-total')).toHaveText(String(waiting + 1));
  await expect(ana.locator(`tr[data-event-id="${quiet.eventId}"]`)).toBeVisible();

  // The decisions are labels: the overview's precision counts 3 fraud and 1 legit.
  await open(ana, '/client-admin');
  const precision = ana.locator('table.precision tr[data-rule="NO_KEYSTROKES"]');
  await expect(precision.locator('td').nth(2)).toHaveText('3');
  await expect(precision.locator('td').nth(3)).toHaveText('1');
  await shot(ana, 'review-precision');
});

test('an analyst tries a rule in shadow, reads what it would have done, and promotes it', async ({ browser, request }) => {
  const ana = await analyst(browser, 'ana@desk.test');
  await open(ana, '/client-admin/rules');
  const row = ana.locator('tr[data-rule="DISPOSABLE_EMAIL"]');
  await row.locator('input.weight').fill('200');
  await row.locator('select.enabled').selectOption('shadow');
  await ana.locator('#save-rules').click();
  await expect(ana.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

  // In shadow it fires and reports, and the score does not move: still allowed.
  for (const n of [1, 2]) {
    const scored = await ingest(request, `trial${n}@mailinator.com`, `trial-${n}`, true);
    const check = (scored as unknown as { allChecks: { code: string; status: string; detail: string }[] })
      .allChecks.find((c) => c.code === 'DISPOSABLE_EMAIL')!;
    expect(check.status).toBe('SHADOW');
    expect(check.detail).toContain('would have decided BLOCK instead of ALLOW');
  }

  await open(ana, '/client-admin/rules');
  await expect(row.locator('td.shadow')).toContainText('fired 2 in 24 h');
  await expect(row.locator('td.shadow')).toContainText('2 ALLOW → BLOCK');
  await shot(ana, 'rules-shadow');
  await row.getByRole('button', { name: 'Promote' }).click();
  await expect(row.locator('td.shadow button')).toHaveCount(0);
  await expect(row.locator('select.enabled')).toHaveValue('on');

  const res = await request.post('/api/v1/events/ingest', {
    headers: { 'x-api-key': key },
    data: { type: 'SIGNUP', email: 'trial3@mailinator.com', ip: '203.0.113.250',
      device: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36', clientFingerprint: 'fp-trial-3' },
      behavior: { formStartedAt: 1_700_000_000_000, formSubmittedAt: 1_700_000_014_000, keystrokeCount: 28 } },
  });
  expect((await res.json()).decision).toBe('BLOCK');
});

test('an analyst snoozes a rule for one user from its event, and ends the snooze', async ({ browser, request }) => {
  const ana = await analyst(browser, 'ana@desk.test');
  // A fast scripted signup: NO_KEYSTROKES and FAST_COMPLETION fire, a challenge.
  const first = await ingest(request, 'snooze@example.org', 'snooze');
  await open(ana, `/client-admin/events/${first.eventId}`);
  const form = ana.locator('#snooze');
  await form.locator('select[name="rule"]').selectOption('NO_KEYSTROKES');
  await form.locator('select[name="target"]').selectOption('user');
  await form.locator('select[name="days"]').selectOption('7');
  await form.getByLabel('Reason').fill('types with a password manager');
  await form.getByRole('button', { name: 'Snooze' }).click();
  await expect(ana.getByRole('status').filter({ hasText: 'Snoozed' })).toBeVisible();

  // The same user again: the rule is silenced and its check says until when.
  const res = await request.post('/api/v1/events/ingest', {
    headers: { 'x-api-key': key },
    data: { type: 'LOGIN', email: 'snooze@example.org', externalUserId: 'snooze@example.org', ip: '203.0.113.251',
      device: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36', clientFingerprint: 'fp-snooze' },
      behavior: { formStartedAt: 1_700_000_000_000, formSubmittedAt: 1_700_000_001_000, keystrokeCount: 0 } },
  });
  const again = await res.json();
  const check = again.allChecks.find((c: { code: string }) => c.code === 'NO_KEYSTROKES');
  expect(check.status).toBe('SNOOZED');
  expect(check.detail).toContain('snoozed until');

  await open(ana, '/client-admin/rules');
  const row = ana.locator('table.snoozes tr[data-snooze="NO_KEYSTROKES"]');
  await expect(row).toContainText('snooze@example.org');
  await expect(row).toContainText('types with a password manager');
  await shot(ana, 'rules-snoozes');
  await row.getByRole('button', { name: 'End' }).click();
  await expect(ana.locator('table.snoozes tr[data-snooze="NO_KEYSTROKES"]')).toHaveCount(0);
});
