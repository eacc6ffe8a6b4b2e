import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), or any Chromium or Chrome named by CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';

/**
 * The machine's own Chromium, driven by playwright-core (which downloads no browser). A missing
 * browser or driver is a failure that says how to install it, never a silent skip.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the browser tests need one. Install Debian's package ` +
        '(sudo apt-get update && sudo apt-get install -y chromium; .ci/run does it), or set CHROMIUM_PATH to a Chromium or Chrome executable.',
    );
  }
  let playwright: typeof import('playwright-core');
  try {
    playwright = require('playwright-core') as typeof import('playwright-core');
  } catch (error) {
    throw new Error(`playwright-core is not installed (npm ci installs it from package.json): ${(error as Error).message}`);
  }
  // Chromium refuses to run as root with its sandbox on (CI containers run as root).
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return playwright.chromium.launch({ executablePath: CHROMIUM_PATH, args });
}
