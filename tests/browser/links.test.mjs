// A resident who has lost their confirmation email asks for their links
// again from the start page (issue 10, item 4): the page answers the same
// whether or not the address has bookings, the email brings a fresh link
// to each booking and waiting-list place, and the link opens the booking.
// On a 375-pixel phone with JavaScript off and on a desktop with it on;
// every page passes axe-core's WCAG 2.2 AA rules, the error summary too.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, serve, svc } from './lib/journeys.mjs'
import { linkIn, messages, waitForMessage } from './lib/mail.mjs'

const serviceName = 'Book a One Coventry Plan workshop'

serve('links')

bothWays(({ js, viewport }) => {
  test('a person who lost their email gets the link to their booking again', { timeout: 90_000 }, async () => {
    const title = `Lost link: Tile Hill (${js ? 'scripts' : 'no scripts'})`
    const w = await svc.admin.workshop(title)
    const s = await svc.admin.session(w.id, { in_person: 5, online: 5 })
    const email = js ? 'lost-js@example.org' : 'lost-nojs@example.org'
    const booked = await svc.book(s.id, { name: 'Grace Okafor', email })
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto('/')
      await j.check(serviceName, { name: 'start page' })
      await page.click('#booking-link')
      await j.check('Get the link to your booking again', { name: 'get the link again' })

      await page.click('#continue')
      await j.check('Get the link to your booking again', { name: 'get the link again, with an error' })
      await assertErrorSummary(page, js, ['email'])

      // An address with no bookings: the same answer, and no email.
      await page.fill('#email', `nobody-${js ? 'js' : 'nojs'}@example.org`)
      await page.click('#continue')
      await j.check('Check your email', { name: 'check your email, nobody' })
      const nobodyText = (await page.locator('main').innerText()).replace(/nobody-\w+@example\.org/, 'ADDRESS')

      await page.click('#try-again')
      await j.check('Get the link to your booking again', { name: 'try another address' })
      await page.fill('#email', email.toUpperCase())
      await page.click('#continue')
      await j.check('Check your email', { name: 'check your email' })
      assert.equal((await page.locator('main').innerText()).replace(email.toUpperCase(), 'ADDRESS'), nobodyText,
        'the same answer whether or not the address has bookings')

      const m = await waitForMessage(svc.mailDir, { to: email, subject: /^Your booking link: / })
      assert.match(m.text, /Links we sent you before still work/)
      const link = linkIn(m, `/bookings/${booked.reference}`)
      assert.notEqual(link, booked.manage_url, 'a fresh link')
      assert.equal(messages(svc.mailDir).filter(x => /nobody-/.test(x.to)).length, 0, 'no email to an address with no bookings')

      await page.goto(link)
      await j.check('Your booking', { name: 'manage your booking from the fresh link' })
      assert.equal(await page.locator('#booking-reference').innerText(), booked.reference)
      // The old link still works.
      await page.goto(booked.manage_url)
      await j.check('Your booking', { name: 'manage your booking from the old link' })
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})
