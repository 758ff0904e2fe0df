/**
 * A real Chromium for tests that drive pages as a user would: Debian's `chromium` (or `CHROMIUM_PATH`), launched
 * by playwright-core, which downloads no browser of its own.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why no browser can be launched here, or `undefined` when one can. */
export function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
}

export function launchChromium(): Promise<Browser> {
  // Root (as in CI) cannot use Chromium's sandbox; the pages loaded are the service's own.
  const root = process.getuid?.() === 0;
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: root ? ['--no-sandbox'] : [] });
}
