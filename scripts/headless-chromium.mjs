// Debian's Chromium, headless, driven by playwright-core: what the report
// tests and scripts/report-screenshot.mjs open pages with. Every launch gets
// a fresh profile and no background traffic of its own, and every page is
// watched: requests that leave it are refused and recorded, as are console
// errors and uncaught exceptions.
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless browser context with a fresh profile under `folder` (Playwright passes it as --user-data-dir). */
export async function launchChromium(folder) {
  const profile = mkdtempSync(path.join(folder, 'chromium-profile-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
}

/**
 * A page of `context` whose every request is routed: those `allowed(url)`
 * says yes to go on, every other one is aborted and listed in `refused`.
 * `errors` collects console errors and uncaught exceptions.
 */
export async function watchedPage(context, allowed = () => false) {
  const page = await context.newPage();
  const refused = [];
  const errors = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { page, refused, errors };
}

/** For each chart on the page (by its figure's data-chart name): the number of points in each dataset. */
export function chartPoints(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('figure[data-chart]')].map((figure) => {
        const chart = window.Chart.getChart(figure.querySelector('canvas'));
        return [figure.dataset.chart, chart.data.datasets.map((set) => ({ label: set.label, points: set.data.length }))];
      }),
    ),
  );
}
