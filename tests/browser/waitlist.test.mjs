// A session is full. A resident joins its waiting list from the workshop page;
// the person who has the place cancels through the manage link in their
// email; the resident gets the offer email and takes the place. With
// JavaScript on and again with it off; every page passes axe-core.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { Journey, assertErrorSummary, launch, phone } from './lib/browser.mjs'
import { linkIn, waitForMessage } from './lib/mail.mjs'
import { startService } from './lib/service.mjs'

let svc, browser

before(async () => {
  browser = await launch()
  svc = await startService('waitlist')
})

after(async () => {
  await browser?.close()
  await svc?.stop()
})

// bookThroughAPI takes a place as someone who booked some other way.
async function bookThroughAPI (sessionID, mode, name, email) {
  const res = await fetch(`${svc.base}/api/v1/sessions/${sessionID}/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode, name, email, consent: true })
  })
  assert.equal(res.status, 201, await res.clone().text())
  return res.json()
}

for (const js of [true, false]) {
  describe(`JavaScript ${js ? 'on' : 'off'}`, () => {
    test('a person joins the waiting list of a full session and takes the place offered after a cancellation', { timeout: 90_000 }, async () => {
      const title = `Green spaces (${js ? 'scripts' : 'no scripts'})`
      const w = await svc.admin.workshop(title)
      const s = await svc.admin.session(w.id, { in_person: 1 })
      const tag = js ? 'js' : 'nojs'
      const holder = `holder-${tag}@example.org`
      const waiter = js ? 'waiter-js@example.org' : 'waiting.person.with.a.long.address-nojs@stoke-aldermoor-residents.example.org'
      await bookThroughAPI(s.id, 'in_person', 'Priya Holder', holder)

      const j = await Journey.open(browser, svc.base, { js, viewport: js ? undefined : phone })
      const page = j.page
      try {
        await page.goto(`/workshops/${w.id}`)
        await j.check(title, { name: 'workshop page, session full' })
        assert.match(await page.locator(`#session-${s.id}-in_person-places`).innerText(), /Full/)
        assert.equal(await page.locator(`#book-session-${s.id}`).count(), 0, 'a full session offers no booking link')

        await page.click(`#join-waitlist-${s.id}-in_person`)
        await j.check('Join the waiting list', { name: 'join the waiting list' })

        await page.click('#join-waitlist')
        await j.check('Join the waiting list', { name: 'join the waiting list, with errors' })
        await assertErrorSummary(page, js, ['name', 'email', 'consent'])

        await page.fill('#name', 'Tomasz Waiter')
        await page.fill('#email', waiter)
        await page.check('#consent')
        await page.click('#join-waitlist')
        await j.check('You are on the waiting list', { name: 'your place on the waiting list' })
        assert.match(await page.locator('#joined-banner').innerText(), /You have joined the waiting list/)
        assert.match(await page.locator('#waitlist-position').innerText(), /You are number 1 on the waiting list to take part in person/)
        const entryURL = page.url()

        const joined = await waitForMessage(svc.mailDir, { to: waiter, subject: /waiting list/i })
        assert.equal(new URL(linkIn(joined, '/waitlist/')).pathname, new URL(entryURL).pathname, 'the email links to the same place on the list')

        // The person with the place cancels it from their email's link.
        const h = await Journey.open(browser, svc.base, { js, viewport: js ? undefined : phone })
        try {
          const confirmation = await waitForMessage(svc.mailDir, { to: holder, subject: /^Booking confirmed/ })
          await h.page.goto(linkIn(confirmation, '/bookings/'))
          await h.check('Your booking', { name: 'manage your booking (the holder)' })
          await h.page.click('#cancel-booking')
          await h.check('Are you sure you want to cancel your place?', { name: 'cancel: are you sure (the holder)' })
          await h.page.click('#confirm-cancel')
          await h.check('Your booking', { name: 'manage your booking, cancelled (the holder)' })
          assert.match(await h.page.locator('#booking-status').innerText(), /Cancelled/)
          h.assertClean()
        } finally {
          await h.close()
        }

        // The offer arrives by email within the outbox worker's poll.
        const offer = await waitForMessage(svc.mailDir, { to: waiter, subject: /^A place is free/, timeoutMs: 30_000 })
        await page.goto(linkIn(offer, '/waitlist/'))
        await j.check('A place is available for you', { name: 'the offer' })
        assert.match(await page.locator('#offer-expires').innerText(), /We are keeping a place for you to take part in person until/)
        const full = await (await fetch(`${svc.base}/api/v1/sessions/${s.id}`)).json()
        assert.equal(full.modes.in_person.available, 0, 'the offered place is kept for the person offered it')

        await page.click('#accept-offer')
        await j.check('Booking confirmed', { name: 'confirmation of the offered place' })
        const reference = (await page.locator('#booking-reference-panel').innerText()).trim()
        assert.equal(await page.locator('#booking-name').innerText(), 'Tomasz Waiter')

        const confirmation = await waitForMessage(svc.mailDir, { to: waiter, subject: /^Booking confirmed/ })
        await page.goto(linkIn(confirmation, `/bookings/${reference}`))
        await j.check('Your booking', { name: 'manage your booking (from the waiting list)' })
        assert.match(await page.locator('#booking-status').innerText(), /Booked/)

        await page.goto(entryURL)
        await j.check('You have accepted this place', { name: 'the waiting-list page after accepting' })
        j.assertClean()
      } finally {
        await j.close()
      }
    })
  })
}
