// The set-up the journey files share: one Chromium and one workshopd for the
// file, and the two ways each journey is walked.
import { after, before, describe } from 'node:test'

import { launch } from './browser.mjs'
import { startService } from './service.mjs'

// phone375 is the phone of issues 10 and 11: 375 by 667 CSS pixels.
export const phone375 = { width: 375, height: 667 }

// browser and svc are the file's Chromium and workshopd (startService's
// answer), set by the before hook that serve registers. They are live
// bindings: a test file imports them and reads them inside its tests.
export let browser, svc

// serve starts, before the file's tests, Chromium and a workshopd of its own
// named name (extra is more of its environment, as startService takes it),
// and ends both after them. Each test file runs in a process of its own, so
// one call per file.
export function serve (name, extra = {}) {
  before(async () => {
    browser = await launch()
    svc = await startService(name, extra)
  })
  after(async () => {
    await browser?.close()
    await svc?.stop()
  })
}

// bothWays defines a journey's tests twice, each in a describe of its own:
// with JavaScript off on a 375-pixel phone, and on on a desktop.
// define({ js, viewport }) calls test() with them.
export function bothWays (define) {
  for (const { js, viewport, label } of [
    { js: false, viewport: phone375, label: 'JavaScript off, 375 pixels' },
    { js: true, viewport: undefined, label: 'JavaScript on, desktop' }
  ]) {
    describe(label, () => define({ js, viewport }))
  }
}
