// A resident books an online-only session on a 375-pixel phone, with
// JavaScript on and off: the way of taking part is said, not asked (no
// single radio to tick), "Your details" hints at joining online, and the
// confirmation email says how to join. Every page passes axe-core's WCAG 2.2
// AA rules and nothing scrolls sideways.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { Journey, assertErrorSummary, launch } from './lib/browser.mjs'
import { waitForMessage } from './lib/mail.mjs'
import { startService } from './lib/service.mjs'

const phone375 = { width: 375, height: 667 }
let svc, browser

before(async () => {
  browser = await launch()
  svc = await startService('online')
})

after(async () => {
  await browser?.close()
  await svc?.stop()
})

for (const js of [true, false]) {
  describe(`JavaScript ${js ? 'on' : 'off'}`, () => {
    test('a person books a place at an online-only session on a phone', { timeout: 90_000 }, async () => {
      const title = `Online: young people's priorities (${js ? 'scripts' : 'no scripts'})`
      const w = await svc.admin.workshop(title)
      const s = await svc.admin.session(w.id, { online: 8 })
      const email = js ? 'online-js@example.org' : 'online-nojs@example.org'
      const j = await Journey.open(browser, svc.base, { js, viewport: phone375 })
      const page = j.page
      try {
        await page.goto(`/workshops/${w.id}`)
        await j.check(title, { name: 'workshop page, online only' })
        assert.match(await page.locator(`#session-${s.id}-online-places`).innerText(), /8 places left/)
        assert.equal(await page.locator(`#session-${s.id}-in_person-places`).count(), 0)

        await page.click(`#book-session-${s.id}`)
        await j.check('You will take part online', { name: 'you will take part online' })
        assert.equal(await page.locator('input[type=radio][name=mode]').count(), 0, 'no way of taking part to tick')
        assert.match(await page.locator('#mode').innerText(), /This session is online only, in Microsoft Teams\. 8 places left\./)
        assert.match(await page.locator('#how-to-join').innerText(), /from a phone, tablet or computer, in a web browser/)
        await page.click('#continue')

        await j.check('Your details', { name: 'your details, online' })
        const hint = await page.locator('#access_needs-hint').innerText()
        assert.match(hint, /live captions/)
        assert.match(hint, /in a web browser or the Microsoft Teams app/)
        assert.match(hint, /For help to join, email \S+@\S+/)
        assert.doesNotMatch(hint, /step-free|hearing loop/)

        await page.click('#continue')
        await j.check('Your details', { name: 'your details, online, with errors' })
        await assertErrorSummary(page, js, ['name', 'email', 'consent'])
        assert.equal(await page.locator('label[for=consent]').innerText(), 'I have read the privacy notice')

        await page.fill('#name', 'Priya Shah')
        await page.fill('#email', email)
        await page.fill('#access_needs', 'Captions, please.')
        await page.check('#consent')
        await page.click('#continue')

        await j.check('Check your answers before booking your place', { name: 'check your answers, online' })
        assert.match(await page.locator('#check-mode').innerText(), /^Online/)
        assert.equal(await page.locator('#change-mode').count(), 0, 'nothing to change the only way to')

        await page.click('#confirm-booking')
        await j.check('Booking confirmed', { name: 'confirmation, online' })
        assert.match(await page.locator('#booking-mode').innerText(), /^Online/)
        assert.equal(await page.locator('#booking-venue').count(), 0)

        const m = await waitForMessage(svc.mailDir, { to: email, subject: /^Booking confirmed/ })
        assert.match(m.text, /How to take part: online, in Microsoft Teams/)
        assert.match(m.text, /You can join from a computer, tablet or phone, in a web browser or in the Microsoft Teams app\./)
        assert.match(m.text, /live captions/)
        j.assertClean()
      } finally {
        await j.close()
      }
    })
  })
}
