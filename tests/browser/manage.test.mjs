// A resident manages their booking from the emailed link (issue 10, item
// 3): fixes the spelling of their name and their access needs, moves to
// another date of the same workshop (one updated invite), then changes
// their email address through a link sent to the new one. On a
// 375-pixel phone with JavaScript off and on a desktop with it on; every
// page passes axe-core's WCAG 2.2 AA rules, the error summaries too.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, serve, svc } from './lib/journeys.mjs'
import { linkIn, waitForMessage } from './lib/mail.mjs'


serve('manage')

bothWays(({ js, viewport }) => {
  test('a person fixes their details, moves to another date and changes their email address', { timeout: 120_000 }, async () => {
    const title = `Manage: Stoke Aldermoor (${js ? 'scripts' : 'no scripts'})`
    const w = await svc.admin.workshop(title)
    const first = await svc.admin.session(w.id, { in_person: 5 }, 20)
    const second = await svc.admin.session(w.id, { in_person: 3 }, 27)
    const email = js ? 'manage-js@example.org' : 'manage-nojs@example.org'
    const booked = await svc.book(first.id, { name: 'Jon Smtih', email })
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto(booked.manage_url)
      await j.check('Your booking', { name: 'manage your booking' })

      await page.click('#change-details')
      await j.check('Change your details', { name: 'change your details' })
      assert.equal(await page.locator('#name').inputValue(), 'Jon Smtih')
      await page.fill('#name', '')
      await page.click('#save-details')
      await j.check('Change your details', { name: 'change your details, with an error' })
      await assertErrorSummary(page, js, ['name'])
      await page.fill('#name', 'Jon Smith')
      await page.fill('#access_needs', 'A hearing loop, please.')
      await page.click('#save-details')
      await j.check('Your booking', { name: 'details updated' })
      assert.match(await page.locator('#done-banner').innerText(), /Your details have been updated/)
      assert.match(await page.locator('main').innerText(), /Jon Smith/)
      assert.match(await page.locator('main').innerText(), /A hearing loop, please\./)

      await page.click('#move-booking')
      await j.check('Change the date of your booking', { name: 'change the date' })
      await page.click('#move-booking')
      await j.check('Change the date of your booking', { name: 'change the date, with an error' })
      await assertErrorSummary(page, js, ['session'])
      await page.check('#session')
      await page.click('#move-booking')
      await j.check('Your booking', { name: 'moved' })
      assert.match(await page.locator('#done-banner').innerText(), /Your booking is now for/)

      const m = await waitForMessage(svc.mailDir, { to: email, subject: /^Booking changed/ })
      assert.match(m.text, /Your booking has changed\./)
      const places = await fetch(`${svc.base}/api/v1/sessions/${second.id}`).then(r => r.json())
      assert.equal(places.modes.in_person.available, 2, 'the new place is taken')

      // A new email address: counted once the link sent to it is followed.
      const newEmail = js ? 'manage-new-js@example.org' : 'manage-new-nojs@example.org'
      await page.click('#change-email')
      await j.check('Change your email address', { name: 'change your email address' })
      await page.click('#send-email-link')
      await j.check('Change your email address', { name: 'change your email address, with an error' })
      await assertErrorSummary(page, js, ['email'])
      await page.fill('#email', newEmail)
      await page.click('#send-email-link')
      await j.check('Check your email', { name: 'check your new email' })
      const link = linkIn(await waitForMessage(svc.mailDir, { to: newEmail, subject: /^Confirm your new email address/ }), '/email-change/')
      await page.goto(link)
      await j.check('Confirm your new email address', { name: 'confirm your new email address' })
      await page.click('#confirm-email')
      await j.check('Your booking', { name: 'email changed' })
      assert.match(await page.locator('#done-banner').innerText(), new RegExp('Your booking now uses ' + newEmail.replace(/\./g, '\\.')))
      await waitForMessage(svc.mailDir, { to: email, subject: /^Your booking now uses another email address/ })
      await waitForMessage(svc.mailDir, { to: newEmail, subject: /^Booking confirmed/ })
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})
