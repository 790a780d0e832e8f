// The checks the journeys rely on would catch what they are for: a test
// that passes because its check can never fail is worse than none.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { Journey, axeCheck, launch, tabTo } from './lib/browser.mjs'
import { startService } from './lib/service.mjs'

let svc, browser

before(async () => {
  browser = await launch()
  svc = await startService('checks')
})

after(async () => {
  await browser?.close()
  await svc?.stop()
})

// A page of this service's origin with an unlabelled field and an image
// without a text alternative: two WCAG A failures.
const badPage = '<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body><main>' +
  '<h1 id="page-heading">Bad</h1><form><input type="text" name="q"></form><img src="data:,"></main></body></html>'

test('axe-core finds WCAG violations, with scripts on and off', async () => {
  for (const js of [true, false]) {
    const j = await Journey.open(browser, svc.base, { js })
    try {
      await j.page.route(`${svc.base}/checks/bad`, route => route.fulfill({ contentType: 'text/html', body: badPage }))
      await j.page.goto('/checks/bad')
      const check = js ? axeCheck(j.page, 'bad page') : j.axeCheckScriptsOff('bad page')
      await assert.rejects(check, err => /label/.test(err.message) && /image-alt/.test(err.message))
    } finally {
      await j.close()
    }
  }
})

test('a request to another site is refused and reported', async () => {
  const j = await Journey.open(browser, svc.base, { js: true })
  try {
    await j.page.goto('/accessibility')
    // The page's own requests to other sites are stopped by its CSP first
    // (the test below); a navigation is not. Another origin on this
    // machine's loopback: nothing leaves it even if the refusal failed.
    await assert.rejects(j.page.goto('http://127.0.0.2:9/beacon'), /ERR_BLOCKED_BY_CLIENT/)
    assert.throws(() => j.assertClean(), /request to another site: GET http:\/\/127\.0\.0\.2:9\/beacon/)
  } finally {
    await j.close()
  }
})

test('the Content-Security-Policy refusing an inline script is reported', async () => {
  const j = await Journey.open(browser, svc.base, { js: true })
  try {
    await j.page.goto('/privacy')
    await j.check('Privacy notice', { name: 'privacy notice' })
    await j.page.evaluate(() => {
      const s = document.createElement('script')
      s.textContent = 'document.title = "ran"'
      document.body.append(s)
    })
    await j.page.waitForTimeout(200)
    assert.notEqual(await j.page.title(), 'ran', 'the policy stops inline scripts')
    assert.throws(() => j.assertClean(), /CSP violation/)
  } finally {
    await j.close()
  }
})

test('tabTo fails when the keyboard cannot reach a control, or its focus cannot be seen', async () => {
  const j = await Journey.open(browser, svc.base, { js: true })
  try {
    await j.page.goto('/cookies')
    await assert.rejects(tabTo(j.page, '#no-such-control', { max: 10 }), /never reached #no-such-control/)
    // A link whose focus cannot be seen fails too.
    await j.page.evaluate(() => {
      const a = document.getElementById('footer-privacy')
      for (const p of ['outline', 'box-shadow', 'background', 'text-decoration']) a.style.setProperty(p, 'none', 'important')
    })
    await assert.rejects(tabTo(j.page, '#footer-privacy', { back: true }), /shows no focus indicator/)
  } finally {
    await j.close()
  }
})
