// Ballot sessions (issue 12). A resident applies for a place in a ballot
// session: the session page says it is a ballot, when applications close and
// links to how the draw works; the form shows the error summary first, then
// takes the application and gives its reference. An admin, signed in from
// the emailed link, finds how many applied, draws the places with the
// published seed (the error summary first) and sees the places by area; the
// people without a place are told so plainly. Every page passes axe-core and
// fits a 375-pixel phone with JavaScript off, and works on a desktop with it
// on.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, phone375, serve, svc } from './lib/journeys.mjs'
import { linkIn, waitForMessage } from './lib/mail.mjs'

serve('ballot')

// ballotSession makes a ballot session a month ahead whose applications
// close closeMs from now.
async function ballotSession (title, closeMs) {
  const w = await svc.admin.workshop(title)
  const start = new Date(Date.now() + 30 * 86400_000)
  start.setUTCHours(10, 0, 0, 0)
  return svc.admin.call('POST', `/api/v1/admin/workshops/${w.id}/sessions`, {
    starts_at: start.toISOString(),
    ends_at: new Date(start.getTime() + 2 * 3600_000).toISOString(),
    venue: { name: 'Foleshill Community Centre', address: 'Foleshill Road, Coventry CV6 5AA' },
    online_url: 'https://teams.microsoft.com/l/meetup-join/browser-test',
    capacity: { in_person: 2, online: 1 },
    allocation: 'ballot',
    applications_close_at: new Date(Date.now() + closeMs).toISOString()
  })
}

async function apply (sessionID, i, area) {
  const res = await fetch(`${svc.base}/api/v1/sessions/${sessionID}/applications`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'in_person', area, name: `Applicant ${i}`, email: `applicant${i}@example.org`, consent: true })
  })
  assert.equal(res.status, 201, await res.text())
}

bothWays(({ js, viewport }) => {
  test('a resident applies for a place in a ballot session', { timeout: 90_000 }, async () => {
    const title = `Ballot: the future of the city centre (${js ? 'scripts' : 'no scripts'})`
    const s = await ballotSession(title, 86400_000)
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto(`/workshops/${s.workshop_id}`)
      await j.check(title, { name: 'workshop page with a ballot session' })
      assert.match(await page.locator(`#session-${s.id}-ballot`).innerText(), /given by a ballot, not first come, first served\. Apply by /)
      assert.match(await page.locator(`#session-${s.id}-in_person-places`).innerText(), /2 places, given by ballot/)
      await page.click(`#book-session-${s.id}`)
      await j.check('Apply for a place', { name: 'ballot session page' })
      assert.match(await page.locator('#ballot-intro').innerText(), /given out by a ballot, not first come, first served\. Apply by /)

      await page.click('#how-the-draw-works')
      await j.check('How the ballot draw works', { name: 'how the draw works' })
      await page.goBack()

      await page.click('#apply')
      await j.check('Apply for a place', { name: 'ballot application with errors' })
      await assertErrorSummary(page, js, ['mode', 'area', 'name', 'email', 'consent'])

      await page.check('#mode')
      await page.check('#area-foleshill')
      await page.fill('#name', 'Asha Patel')
      await page.fill('#email', js ? 'asha-js@example.org' : 'asha@example.org')
      await page.check('#consent')
      await page.click('#apply')
      await j.check('Application received', { name: 'application received' })
      assert.match(await page.locator('#application-reference').innerText(), /^[A-Z0-9]{4}-[A-Z0-9]{4}$/)
      assert.match(await page.locator('#applied-for').innerText(), /in person/)
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})

test('an admin draws the places of a ballot on a phone', { timeout: 120_000 }, async () => {
  const s = await ballotSession('Ballot: parks and green spaces', 5_000)
  for (const [i, area] of [[1, 'foleshill'], [2, 'foleshill'], [3, 'foleshill'], [4, 'wyken'], [5, 'earlsdon']]) {
    await apply(s.id, i, area)
  }
  await svc.admin.call('POST', '/api/v1/admin/organisers', { email: 'drawer@coventry.gov.uk', name: 'Dee Drawer', role: 'admin' })

  const j = await Journey.open(browser, svc.base, { js: false, viewport: phone375 })
  const page = j.page
  try {
    await page.goto('/admin/sign-in')
    await page.fill('#email', 'drawer@coventry.gov.uk')
    await page.click('#continue')
    const m = await waitForMessage(svc.mailDir, { to: 'drawer@coventry.gov.uk', subject: /sign in/i })
    await page.goto(linkIn(m, '/admin/sign-in/'))
    await page.click('#sign-in')
    await page.waitForURL(/\/admin$/)
    await new Promise(resolve => setTimeout(resolve, Math.max(0, new Date(s.applications_close_at) - Date.now() + 500)))

    await page.goto(`/admin/sessions/${s.id}`)
    await page.click('#draw-link')
    await j.check('Ballot draw', { name: 'ballot draw, before' })
    assert.match(await page.locator('#draw-applied').innerText(), /In person: 5 applications/)

    await page.click('#draw')
    await j.check('Ballot draw', { name: 'ballot draw, no seed' })
    await assertErrorSummary(page, false, ['seed'])

    await page.fill('#seed', 'National Lottery 5 December 2026: 3 14 15 26 35 58')
    await page.click('#draw')
    await j.check('Ballot draw', { name: 'ballot draw, results' })
    assert.match(await page.locator('#draw-seed').innerText(), /3 14 15 26 35 58/)
    assert.match(await page.locator('#results-in_person caption').innerText(), /2 of 2 places given, 3 on the waiting list/)
    // Three areas applied for two places: no area gets both.
    const places = await page.locator('#results-in_person tbody td:last-child').allInnerTexts()
    assert.ok(places.every(p => Number(p) <= 1), `places by area: ${places}`)

    const lost = await waitForMessage(svc.mailDir, { to: '@example.org', subject: /^You did not get a place in the ballot/ })
    assert.match(lost.text, /you did not get a place this time/)
    j.assertClean()
  } finally {
    await j.close()
  }
})
