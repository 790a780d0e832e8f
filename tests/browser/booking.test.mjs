// A resident books a place from the start page to the confirmation, and then
// cancels it from the manage page: once with JavaScript on (the manage link
// on the confirmation page) and once with it off (the link in the email).
// Every page passes axe-core's WCAG 2.2 AA rules, the error summaries too.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { Journey, assertErrorSummary, launch, phone } from './lib/browser.mjs'
import { linkIn, waitForMessage } from './lib/mail.mjs'
import { startService } from './lib/service.mjs'

const serviceName = 'Book a One Coventry Plan workshop'
let svc, browser

before(async () => {
  browser = await launch()
  svc = await startService('booking')
})

after(async () => {
  await browser?.close()
  await svc?.stop()
})

for (const js of [true, false]) {
  describe(`JavaScript ${js ? 'on' : 'off'}`, () => {
    test('a person books a place from the start page and cancels it from the manage page', { timeout: 90_000 }, async () => {
      const title = `Our city centre (${js ? 'scripts' : 'no scripts'})`
      const w = await svc.admin.workshop(title)
      const s = await svc.admin.session(w.id, { in_person: 20, online: 10 })
      // A long address on the small phone: it must wrap, not push the page sideways.
      const email = js ? 'resident-js@example.org' : 'resident.with.a.rather.long.address-nojs@foleshill-community-centre.example.org'
      const j = await Journey.open(browser, svc.base, { js, viewport: js ? undefined : phone })
      const page = j.page
      try {
        await page.goto('/')
        await j.check(serviceName, { name: 'start page' })

        await page.click(`#workshop-${w.id}-link`)
        await j.check(title, { name: 'workshop page' })
        assert.match(await page.locator(`#session-${s.id}-in_person-places`).innerText(), /20 places left/)

        await page.click(`#book-session-${s.id}`)
        await j.check('How would you like to take part?', { name: 'how would you like to take part' })

        // Continue without choosing: the error summary, then choose.
        await page.click('#continue')
        await j.check('How would you like to take part?', { name: 'how would you like to take part, with an error' })
        await assertErrorSummary(page, js, ['mode'])
        // With scripts on, online straight away; off, in person first and a
        // change of mind on "Check your answers".
        await page.check(js ? '#mode-online' : '#mode')
        await page.click('#continue')

        await j.check('Your details', { name: 'your details' })
        // The time left is right as the server wrote it; with scripts on it
        // counts down.
        const left = await page.locator('#hold-time-left').innerText()
        assert.match(left, /minute/)
        if (js) await page.waitForFunction(was => document.getElementById('hold-time-left').innerText !== was, left, { timeout: 5000 })

        // Send the form empty once: every required field is named.
        await page.click('#continue')
        await j.check('Your details', { name: 'your details, with errors' })
        await assertErrorSummary(page, js, ['name', 'email', 'consent'])

        await page.fill('#name', "Zoë O'Neill")
        await page.fill('#email', email)
        await page.fill('#organisation', 'Foleshill Community Centre')
        await page.fill('#postcode', 'CV6 5AA')
        await page.fill('#access_needs', 'A hearing loop, please.\nStep-free access.')
        await page.check('#consent')
        await page.click('#continue')

        await j.check('Check your answers before booking your place', { name: 'check your answers' })
        assert.equal(await page.locator('#check-name').innerText(), "Zoë O'Neill")
        if (js) {
          // Change the name: the form comes back with what was typed.
          await page.click('#change-name')
          await j.check('Your details', { name: 'your details, changing the name' })
          assert.equal(await page.locator('#email').inputValue(), email)
          assert.equal(await page.locator('#consent').isChecked(), true)
          await page.fill('#name', "Zoë O'Neill-Smith")
          await page.click('#continue')
          await j.check('Check your answers before booking your place', { name: 'check your answers, name changed' })
          assert.equal(await page.locator('#check-name').innerText(), "Zoë O'Neill-Smith")
        } else {
          assert.match(await page.locator('#check-mode').innerText(), /In person/)
          await page.click('#change-mode')
          await j.check('How would you like to take part?', { name: 'how would you like to take part, changing' })
          await page.check('#mode-online')
          await page.click('#continue')
          await j.check('Check your answers before booking your place', { name: 'check your answers, way changed' })
          assert.equal(await page.locator('#check-name').innerText(), "Zoë O'Neill", 'the details are kept')
        }
        assert.match(await page.locator('#check-mode').innerText(), /Online/)

        await page.click('#confirm-booking')
        await j.check('Booking confirmed', { name: 'confirmation' })
        const reference = (await page.locator('#booking-reference-panel').innerText()).trim()
        assert.match(reference, /^[A-Z0-9-]{4,}$/)
        assert.equal(await page.locator('#confirmation-email').innerText(), email)
        assert.ok(await page.locator('#add-to-calendar').getAttribute('href'))

        const confirmation = await waitForMessage(svc.mailDir, { to: email, subject: /^Booking confirmed/ })
        const manageLink = linkIn(confirmation, `/bookings/${reference}`)
        if (js) {
          assert.equal(new URL(await page.locator('#manage-booking').getAttribute('href'), svc.base).href, manageLink,
            'the confirmation page and the email link to the same manage page')
          await page.click('#manage-booking')
        } else {
          await page.goto(manageLink)
        }
        await j.check('Your booking', { name: 'manage your booking' })
        assert.match(await page.locator('#booking-status').innerText(), /Booked/)
        assert.equal(await page.locator('#booking-reference').innerText(), reference)

        await page.click('#cancel-booking')
        await j.check('Are you sure you want to cancel your place?', { name: 'cancel: are you sure' })
        // "No" keeps it; then cancel for real.
        await page.click('#keep-booking')
        await j.check('Your booking', { name: 'manage your booking, kept' })
        await page.click('#cancel-booking')
        await page.click('#confirm-cancel')
        await j.check('Your booking', { name: 'manage your booking, cancelled' })
        assert.match(await page.locator('#done-banner').innerText(), /Your place has been cancelled/)
        assert.match(await page.locator('#booking-status').innerText(), /Cancelled/)
        assert.equal(await page.locator('#cancel-booking').count(), 0, 'a cancelled booking offers no cancel link')

        await waitForMessage(svc.mailDir, { to: email, subject: /^Booking cancelled/ })
        const places = await (await fetch(`${svc.base}/api/v1/sessions/${s.id}`)).json()
        assert.equal(places.modes.online.available, 10, 'the cancelled place is free again')
        assert.equal(places.modes.in_person.available, 20, 'a place held before a change of mind is given back')
        j.assertClean()
      } finally {
        await j.close()
      }
    })

    test('the footer pages and a manage link that does not work', { timeout: 60_000 }, async () => {
      const j = await Journey.open(browser, svc.base, { js, viewport: js ? undefined : phone })
      const page = j.page
      try {
        await page.goto('/')
        for (const [id, heading] of [['footer-accessibility', /^Accessibility statement/], ['footer-privacy', /^Privacy notice/], ['footer-cookies', /^Cookies/]]) {
          await page.click('#' + id)
          await j.check(heading, { name: id.replace('footer-', '') + ' page' })
        }
        // A link with a wrong token says so in words, not as a booking.
        const res = await page.goto('/bookings/ABCD-1234?token=not-the-token')
        assert.equal(res.status(), 404)
        await j.check('Page not found', { name: 'page not found' })
        j.assertClean()
      } finally {
        await j.close()
      }
    })
  })
}
