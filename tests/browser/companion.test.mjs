// A resident brings a companion or carer (issue 10, item 2): on the session
// page they say so, and two places are held at once; "Your details" asks
// the companion's name and, optionally, their email; both places are
// booked together and the confirmation names the companion. Someone else
// then finds one place left, with no place for a companion. From the
// manage page the resident cancels the companion's place alone and keeps
// their own. On a 375-pixel phone with JavaScript off (a companion without
// an email address) and on a desktop with it on (with one); every page
// passes axe-core's WCAG 2.2 AA rules.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey } from './lib/browser.mjs'
import { bothWays, browser, serve, svc } from './lib/journeys.mjs'
import { waitForMessage } from './lib/mail.mjs'

serve('companion')

bothWays(({ js, viewport }) => {
  test('books with a companion, sees both on the confirmation, cancels the companion alone', { timeout: 150_000 }, async () => {
    const w = await svc.admin.workshop(`Bring someone: Tile Hill (${js ? 'scripts' : 'no scripts'})`)
    const s = await svc.admin.session(w.id, { in_person: 3 })
    const email = js ? 'pair-js@example.org' : 'pair-nojs@example.org'
    const carer = js ? 'carer-js@example.org' : ''
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const other = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto(`/sessions/${s.id}`)
      await j.check('You will take part in person', { name: 'the session, bring someone' })
      await page.check('#places-2')
      await page.click('#continue')
      await j.check('Your details', { name: 'your details, with a companion' })
      assert.match(await page.locator('#held-place').innerText(), /holding 2 places, for you and your companion or carer/)

      // The companion's name is asked for.
      await page.fill('#name', 'Beatrice Okafor')
      await page.fill('#email', email)
      await page.check('#consent')
      await page.click('#continue')
      await j.check('Your details', { name: 'your details, the companion\'s name missing' })
      assert.match(await page.locator('#error-summary').innerText(), /full name of your companion or carer/)
      assert.equal(await page.locator('#error-summary a').getAttribute('href'), '#companion.name')

      await page.fill('[name="companion.name"]', 'Grace Okafor')
      if (carer) await page.fill('[name="companion.email"]', carer)
      await page.check('#consent')
      await page.click('#continue')
      await j.check('Check your answers before booking your place', { name: 'check your answers, with a companion' })
      assert.match(await page.locator('#check-companion').innerText(), /Grace Okafor/)
      assert.equal(await page.locator('#confirm-booking').innerText(), 'Book both places')
      await page.click('#confirm-booking')

      await j.check('Booking confirmed', { name: 'confirmation, with a companion' })
      assert.equal(await page.locator('#pair-name').innerText(), 'Grace Okafor')
      const booked = await page.locator('#pair-booked').innerText()
      assert.match(booked, carer ? /sent them their own confirmation/ : /everything about their place comes to you/)
      const mine = await waitForMessage(svc.mailDir, { to: email, subject: /^Booking confirmed/ })
      assert.match(mine.text, /Your companion or carer: Grace Okafor/)
      if (carer) {
        const theirs = await waitForMessage(svc.mailDir, { to: carer, subject: /^Booking confirmed/ })
        assert.match(theirs.text, /Booked for you by: Beatrice Okafor/)
      }

      // Someone else: one place left, and no place for a companion.
      await other.page.goto(`/sessions/${s.id}`)
      await other.check('You will take part in person', { name: 'one place left' })
      assert.match(await other.page.locator('#one-place-left').innerText(), /only one place left/)
      assert.equal(await other.page.locator('#places-2').count(), 0)

      // Manage: the companion's place alone.
      await page.click('#manage-booking')
      await j.check('Your booking', { name: 'manage, with a companion' })
      assert.equal(await page.locator('#pair-name').innerText(), 'Grace Okafor')
      assert.equal(await page.locator('#move-booking').count(), 0)
      assert.match(await page.locator('#pair-no-change').innerText(), /cancel your companion's place first/)
      await page.click('#cancel-companion')
      await j.check('Are you sure you want to cancel your companion\'s place?', { name: 'cancel the companion?' })
      await page.click('#confirm-companion-cancel')
      await j.check('Your booking', { name: 'manage, companion cancelled' })
      assert.match(await page.locator('#done-banner').innerText(), /Your companion's place has been cancelled/)
      assert.equal(await page.locator('#pair-summary').count(), 0)
      assert.match(await page.locator('#booking-status').innerText(), /Your place is confirmed/)
      if (carer) await waitForMessage(svc.mailDir, { to: carer, subject: /^Booking cancelled/ })

      // The place is free again: two are left, and a companion can come.
      await other.page.goto(`/sessions/${s.id}`)
      await other.check('You will take part in person', { name: 'two places left again' })
      assert.equal(await other.page.locator('#places-2').count(), 1)
      j.assertClean()
      other.assertClean()
    } finally {
      await other.close()
      await j.close()
    }
  })
})
