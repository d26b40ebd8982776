import { defineConfig } from '@playwright/test';

// The server under test: started by start-server.sh on its own port with a fresh database.
const port = Number(process.env.DOORMAN_E2E_PORT ?? 3199);
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // Visitors are identified by device, and every test runs in the same Chromium on the same
  // machine: the tests run one after another, in a fixed order, against one server.
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: {
    command: `bash ${__dirname}/start-server.sh`,
    url: `${baseURL}/healthz`,
    env: { DOORMAN_E2E_PORT: String(port) },
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
