/**
 * Debian's Chromium through playwright-core (never a downloaded browser), headless, with a fresh
 * profile, and without the background connections this machine's closed network refuses.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

export interface ChromiumOptions {
  javaScriptEnabled?: boolean
  viewport?: { width: number; height: number }
  /** Credentials the browser answers an HTTP authentication challenge with. */
  httpCredentials?: { username: string; password: string }
  /**
   * Lets a test inject its own script (axe, the accessibility checker) into pages whose
   * Content-Security-Policy allows only the site's scripts; the policy itself is tested apart.
   */
  bypassCSP?: boolean
}

export async function launchChromium(
  opts: ChromiumOptions = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'streetsense-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    ...(opts.httpCredentials ? { httpCredentials: opts.httpCredentials } : {}),
    bypassCSP: opts.bypassCSP ?? false,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
