// tests/browser/lib/browser.mjs — Debian's chromium, headless, driven by playwright-core.
//
// Screenshots go to $VECHE_ARTEFACTS/screenshots/ (tests/run.sh keeps them in
// build/artefacts/), named by the test, so a failure can be looked at.
import { chromium } from 'playwright-core';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../api/lib/server.mjs';

export const CHROMIUM = process.env.VECHE_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = join(process.env.VECHE_ARTEFACTS ?? join(ROOT, 'build/artefacts'), 'screenshots');

export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: scripts/deps.sh test installs Debian's chromium`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// A page that fails the test on any console error or uncaught exception
// (a CSP violation shows up as a console error). Returns { page, errors }.
export async function newPage(browser, { width = 1024, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return { page, errors, context };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
