import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, headless (`dev/ensure-deps.sh` installs it where missing). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
