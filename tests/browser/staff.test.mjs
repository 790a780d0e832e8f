// The staff route (/staff): a member of council staff books a workforce
// session with their work email address, asks for the confirming link
// again from "Check your email", and confirms the place from the newest
// email; a colleague finds the session full and joins its waiting list,
// where a home address is refused (issue 10, left open). On a 375-pixel
// phone with JavaScript off and on a desktop with it on; every page passes
// axe-core's WCAG 2.2 AA rules, the error summaries too.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, serve, svc } from './lib/journeys.mjs'
import { linkIn, messages, waitForMessage } from './lib/mail.mjs'

const staffTitle = /workforce/i

// The workshopd of this file takes staff bookings.
serve('staff', { STAFF_EMAIL_DOMAINS: 'coventry.gov.uk' })

bothWays(({ js, viewport }) => {
  test('staff book with a work address, ask for the link again, confirm; a colleague joins the waiting list', { timeout: 150_000 }, async () => {
    const title = `Workforce: our ways of working (${js ? 'scripts' : 'no scripts'})`
    const w = await svc.admin.call('POST', '/api/v1/admin/workshops',
      { title, summary: 'How the plan should shape the way we work.', audience: 'workforce' })
    const s = await svc.admin.session(w.id, { in_person: 1 })
    const email = js ? 'sam.patel.js@coventry.gov.uk' : 'sam.patel.nojs@coventry.gov.uk'
    const colleague = js ? 'ann.lee.js@coventry.gov.uk' : 'ann.lee.nojs@coventry.gov.uk'
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto('/staff')
      await j.check(staffTitle, { name: 'staff start' })
      await page.click(`#book-session-${s.id}`)
      await j.check('You will take part in person', { name: 'staff: the last place' })
      await page.click('#continue')
      await j.check('Your details', { name: 'staff: your details' })
      // Give the place up from the session page, then take it again.
      await page.click('#back-link')
      await j.check('You are holding a place in this session', { name: 'staff: the place you hold' })
      await page.click('#give-up')
      await j.check('You will take part in person', { name: 'staff: given up' })
      assert.match(page.url(), new RegExp(`/staff/sessions/${s.id}\\?released=yes$`))
      assert.match(await page.locator('#released-banner').innerText(), /You have given up the place/)
      assert.match(await page.locator('#mode-places').innerText(), /1 place left/)
      await page.click('#continue')
      await j.check('Your details', { name: 'staff: your details, again' })
      await page.click('#continue')
      await j.check('Your details', { name: 'staff: your details, with errors' })
      await assertErrorSummary(page, js, ['name', 'email', 'consent'])
      await page.fill('#name', 'Sam Patel')
      await page.fill('#email', 'sam@example.org')
      await page.check('#consent')
      await page.click('#continue')
      await j.check('Your details', { name: 'staff: a home address' })
      assert.match(await page.locator('#email-error').innerText(), /work email address, ending @coventry\.gov\.uk/)
      await page.fill('#email', email)
      await page.check('#consent')
      await page.click('#continue')
      await j.check('Check your answers before booking your place', { name: 'staff: check your answers' })
      await page.click('#confirm-booking')
      await j.check('Check your email', { name: 'staff: check your email' })
      const first = await waitForMessage(svc.mailDir, { to: email, subject: /^Confirm your booking/ })

      // Send the link again: a new one, the old one no longer works.
      await page.click('#resend')
      await j.check('Check your email', { name: 'staff: the link sent again' })
      assert.match(await page.locator('#resent-banner').innerText(), /We have sent the link again/)
      let second
      for (let i = 0; i < 100 && !second; i++) {
        second = messages(svc.mailDir).find(m => m.to.includes(email) && /^Confirm your booking/.test(m.subject) && m.file !== first.file)
        if (!second) await new Promise(resolve => setTimeout(resolve, 200))
      }
      assert.ok(second, 'a second link arrived')
      const oldLink = linkIn(first, '/staff/verify/')
      const newLink = linkIn(second, '/staff/verify/')
      assert.notEqual(newLink, oldLink)

      // A colleague finds it full and joins the waiting list.
      const other = await Journey.open(browser, svc.base, { js, viewport })
      try {
        await other.page.goto(`/staff/sessions/${s.id}`)
        await other.check('This session is full', { name: 'staff: full' })
        await other.page.click(`#join-waitlist-${s.id}-in_person`)
        await other.check('Join the waiting list', { name: 'staff: join the waiting list' })
        await other.page.fill('#name', 'Ann Lee')
        await other.page.fill('#email', 'ann@example.org')
        await other.page.check('#consent')
        await other.page.click('#join-waitlist')
        await other.check('Join the waiting list', { name: 'staff: waiting list, a home address' })
        await assertErrorSummary(other.page, js, ['email'])
        await other.page.fill('#email', colleague)
        await other.page.check('#consent')
        await other.page.click('#join-waitlist')
        await other.check('You are on the waiting list', { name: 'staff: on the waiting list' })
        await waitForMessage(svc.mailDir, { to: colleague, subject: /^You are on the waiting list/ })
        other.assertClean()
      } finally {
        await other.close()
      }

      await page.goto(oldLink)
      await j.check(/not|expired|used/i, { name: 'staff: the old link' })
      await page.goto(newLink)
      await j.check('Confirm your place', { name: 'staff: confirm your place' })
      await page.click('#confirm-place')
      await j.check('Booking confirmed', { name: 'staff: confirmed' })
      await waitForMessage(svc.mailDir, { to: email, subject: /^Booking confirmed/ })
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})
