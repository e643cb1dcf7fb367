import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Firefox ESR; puppeteer-core never downloads a browser of its own. */
export const FIREFOX_PATH = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';

/**
 * Prefs that keep Firefox off the network on this closed machine: no updates, telemetry,
 * captive-portal or connectivity checks, safe-browsing lists or remote settings.
 */
const QUIET_PREFS: Record<string, string | number | boolean> = {
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'toolkit.telemetry.enabled': false,
  'services.settings.server': 'data:,',
};

export interface FirefoxHandle {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Headless Firefox ESR over WebDriver BiDi with a throwaway profile, removed on close. */
export async function launchFirefox(): Promise<FirefoxHandle> {
  const profile = await mkdtemp(join(tmpdir(), 'vigil-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    protocol: 'webDriverBiDi',
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: QUIET_PREFS,
    timeout: 30_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
