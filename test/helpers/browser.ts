/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by scripts/setup.sh (Playwright cannot download browsers here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface PageCheck {
  readonly file: string;
  /** Plot divs emitted by the display helper. */
  readonly plots: number;
  /** Plot divs that hold a drawn Plotly figure (an SVG `.main-svg` or a canvas). */
  readonly drawn: number;
  /** Titles of plots that were not drawn. */
  readonly notDrawn: string[];
  readonly pageErrors: string[];
  readonly screenshot: string;
}

export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`bash scripts/setup.sh\` (it installs Debian's chromium), or set CHROMIUM_PATH.`);
  }
  // Playwright gives each launch a fresh, empty profile directory of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { browser, close: async () => { await browser.close(); } };
}

/**
 * Opens an exported HTML page offline, waits until Plotly has drawn (or 20 s), and reports how
 * many plot divs hold a figure; saves a full-page screenshot into `screenshotDir`.
 */
export async function checkPage(browser: Browser, file: string, screenshotDir: string): Promise<PageCheck> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(pathToFileURL(file).toString(), { waitUntil: 'load' });
  await page.waitForFunction(() => {
    const divs = Array.from(document.querySelectorAll('.fmnist-plot'));
    return divs.every((d) => d.querySelector('.main-svg, canvas'));
  }, undefined, { timeout: 20_000 }).catch(() => undefined);
  const result = await page.evaluate(() => {
    const divs = Array.from(document.querySelectorAll('.fmnist-plot'));
    const bad = divs.filter((d) => !d.querySelector('.main-svg, canvas'));
    return { plots: divs.length, drawn: divs.length - bad.length, notDrawn: bad.map((d) => d.textContent?.slice(0, 120) ?? d.id) };
  });
  mkdirSync(screenshotDir, { recursive: true });
  const screenshot = path.join(screenshotDir, path.basename(file).replace(/\.html$/, '.png'));
  await page.screenshot({ path: screenshot, fullPage: true });
  await context.close();
  return { file, ...result, pageErrors, screenshot };
}
