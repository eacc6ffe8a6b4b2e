#!/usr/bin/env node
// The demo page's tests (test/browser) drive a real Chromium. Say so plainly, before jest starts,
// when there is none, rather than after minutes of other suites.
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';
if (!existsSync(path)) {
  console.error(
    [
      `The browser tests need Chromium, and there is none at ${path}.`,
      '  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium',
      '  Elsewhere:     set CHROMIUM_PATH to a Chromium or Chrome executable',
    ].join('\n'),
  );
  process.exit(1);
}
