// A resident holds the last place of a session and goes back, reloads and
// opens the session again: the place stays theirs, with the time left and a
// way to continue or give it up, never "full" (issue 10, item 1). Someone
// else in another browser meanwhile finds the session full. On a 375-pixel
// phone with JavaScript off and on a desktop with it on; every page passes
// axe-core's WCAG 2.2 AA rules.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { Journey } from './lib/browser.mjs'
import { bothWays, browser, phone375, serve, svc } from './lib/journeys.mjs'
import { waitForMessage } from './lib/mail.mjs'

const holding = 'You are holding a place in this session'

serve('held')

bothWays(({ js, viewport }) => {
  test('the last place held stays yours through back, reload and the session page', { timeout: 120_000 }, async () => {
    const title = `Last place: Foleshill (${js ? 'scripts' : 'no scripts'})`
    const w = await svc.admin.workshop(title)
    const s = await svc.admin.session(w.id, { in_person: 1 })
    const email = js ? 'held-js@example.org' : 'held-nojs@example.org'
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const other = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto(`/sessions/${s.id}`)
      await j.check('You will take part in person', { name: 'the last place' })
      await page.click('#continue')
      await j.check('Your details', { name: 'your details, last place' })

      // The browser's back button.
      await page.goBack()
      await j.check(holding, { name: 'back: the place you hold' })
      assert.match(await page.locator('#hold-time-left').innerText(), /minute/)
      assert.equal(await page.locator('#hold-lapsed').isVisible(), false)
      assert.equal(await page.getByText('This session is full').count(), 0)

      // A reload.
      await page.reload()
      await j.check(holding, { name: 'reload: the place you hold' })

      // Someone else finds it full.
      await other.page.goto(`/sessions/${s.id}`)
      await other.check('This session is full', { name: 'full, for someone else' })

      // The workshop page says which place is yours.
      await page.goto(`/workshops/${w.id}`)
      await j.check(title, { name: 'workshop page, holding' })
      assert.match(await page.locator(`#session-${s.id}-in_person-places`).innerText(), /We are holding a place for you/)
      await page.click(`#book-session-${s.id}`)
      await j.check(holding, { name: 'the session again: the place you hold' })

      // Give it up: the place is free again.
      await page.click('#give-up')
      await j.check('You will take part in person', { name: 'given up' })
      assert.match(await page.locator('#released-banner').innerText(), /You have given up the place/)
      assert.match(await page.locator('#mode-places').innerText(), /1 place left/)

      // Hold it again, go back with the page's Back link, continue, book.
      await page.click('#continue')
      await j.check('Your details', { name: 'your details, again' })
      await page.click('#back-link')
      await j.check(holding, { name: 'back link: the place you hold' })
      await page.click('#continue-held')
      await j.check('Your details', { name: 'your details, continued' })
      await page.fill('#name', 'Amrit Kaur')
      await page.fill('#email', email)
      await page.check('#consent')
      await page.click('#continue')
      await j.check('Check your answers before booking your place', { name: 'check your answers, last place' })
      await page.click('#confirm-booking')
      await j.check('Booking confirmed', { name: 'confirmation, last place' })
      await waitForMessage(svc.mailDir, { to: email, subject: /^Booking confirmed/ })

      // Booked: the session is full now, for this browser too.
      await page.goto(`/sessions/${s.id}`)
      await j.check('This session is full', { name: 'full once booked' })
      j.assertClean()
      other.assertClean()
    } finally {
      await other.close()
      await j.close()
    }
  })
})

describe('JavaScript on, the countdown', () => {
  test('at the end of the hold, the page says once and plainly that the time has run out', { timeout: 60_000 }, async () => {
    const w = await svc.admin.workshop('Countdown: Earlsdon')
    const s = await svc.admin.session(w.id, { in_person: 3 })
    const j = await Journey.open(browser, svc.base, { js: true, viewport: phone375 })
    const page = j.page
    try {
      // The page's clock, not the server's: only what the script shows changes.
      await page.clock.install()
      await page.goto(`/sessions/${s.id}`)
      await page.click('#continue')
      await j.check('Your details', { name: 'your details, counting down' })
      assert.equal(await page.locator('#hold-lapsed').isVisible(), false)
      await page.clock.fastForward('10:30')
      await page.locator('#hold-lapsed').waitFor({ state: 'visible' })
      const panel = await page.locator('#held-place').innerText()
      assert.match(panel, /The time we held your place for ran out at/)
      assert.doesNotMatch(panel, /We are holding|Time left|no time/)
      assert.match(await page.locator('#hold-announce').innerText(), /ran out/)
      await j.check('Your details', { name: 'your details, the time has run out' })
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})
