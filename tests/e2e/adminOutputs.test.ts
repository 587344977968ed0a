/**
 * Head-end outputs (电视推流) in real Chromium: the district admin opens 管理 →
 * 电视推流, sees every grade channel, is refused an address outside
 * HEAD_END_ALLOWED with the reason, sets a loopback address for grade 3 and
 * watches its state appear (the scheduler's leader starts ffmpeg), then stops
 * it. Only loopback is allowed here: no test traffic leaves this machine.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite, SHOTS } from '../helpers/browser.ts';

const suite = browserSuite({ env: { HEAD_END_ALLOWED: '127.0.0.1/32' } });

describe('head-end outputs page', () => {
  it('lists the channels, refuses a forbidden address, runs and stops an output', async () => {
    const page = await suite.signIn('admin');
    await page.click('[data-testid=nav-admin]');
    await page.click('[data-testid=admin-outputs-link]');
    await page.waitForSelector('[data-testid=outputs] tr[data-channel=grade-3]');
    expect(await page.locator('[data-testid=outputs] tbody tr').count()).toBe(9);
    expect(await page.textContent('[data-testid=admin-outputs]')).toContain('127.0.0.1/32');
    const row = '[data-testid=outputs] tr[data-channel=grade-3]';
    expect(await page.textContent(`${row} [data-testid=output-state]`)).toContain('未推流');

    // An address outside HEAD_END_ALLOWED: refused before anything is sent, with the reason.
    await page.fill(`${row} [data-testid=output-url]`, 'udp://203.0.113.9:5000');
    await page.click(`${row} [data-testid=output-save]`);
    await page.waitForSelector('.status-area .notice.error');
    expect(await page.textContent('.status-area')).toMatch(/HEAD_END_ALLOWED|not allowed|不允许/);

    // A loopback address: saved; the leader starts ffmpeg and the state shows (running or restarting, with restarts).
    await page.fill(`${row} [data-testid=output-url]`, 'udp://127.0.0.1:9');
    await page.click(`${row} [data-testid=output-save]`);
    await page.waitForSelector('.status-area .notice.ok');
    await page.waitForSelector(`${row} [data-testid=output-state] [data-state]`, { timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'admin-outputs.png'), fullPage: true });

    // Stop it.
    await page.click(`${row} [data-testid=output-stop]`);
    await page.waitForSelector(`${row} [data-testid=output-state] >> text=未推流`);
  }, 90_000);
});
