// The poster competition (issue 13): a young person reads the rules,
// downloads the template and sends a poster with the plain file-upload form
// (the error summary first); an under-13's parent or carer agrees from the
// emailed link; an admin judges in the gallery, picks a winner and
// publishes the winners page; a parent removes an entry. On a 375-pixel
// phone with JavaScript off and on a desktop with it on; every page passes
// axe-core's WCAG 2.2 AA rules and fits the screen.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, serve, svc } from './lib/journeys.mjs'
import { linkIn, waitForMessage } from './lib/mail.mjs'

const closes = new Date(Date.now() + 30 * 24 * 3600_000)
serve('competition', { COMPETITION_CLOSES_AT: closes.toISOString().replace(/\.\d+Z$/, 'Z') })

// A small PNG drawing, as a phone's file picker would hand it over.
const poster = {
  name: 'my-poster.png',
  mimeType: 'image/png',
  buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
}

async function signIn (j, email) {
  const page = j.page
  await page.goto('/admin/sign-in')
  await page.fill('#email', email)
  await page.click('#continue')
  const m = await waitForMessage(svc.mailDir, { to: email, subject: /sign in/i })
  await page.goto(linkIn(m, '/admin/sign-in/'))
  await page.click('#sign-in')
  await page.waitForURL(/\/admin$/)
}

bothWays(({ js, viewport }) => {
  const way = js ? 'js' : 'nojs'
  test('a young person enters a poster, a parent agrees, an admin judges and publishes the winners', { timeout: 180_000 }, async () => {
    const parent = `parent-${way}@example.org`
    const title = `Trees on every street (${way})`
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto('/competition')
      await j.check('Coventry in 2030: poster competition', { name: 'competition page' })
      assert.match(await page.locator('#closing-date').innerText(), /The closing date is/)
      const template = await page.request.get(await page.locator('#template-link').getAttribute('href'))
      assert.equal(template.headers()['content-type'], 'application/pdf')
      assert.ok((await template.body()).subarray(0, 5).equals(Buffer.from('%PDF-')), 'the template is a PDF')

      await page.click('#start')
      await j.check('Enter the poster competition', { name: 'entry form' })
      await page.click('#send')
      await j.check('Enter the poster competition', { name: 'entry form, with errors' })
      await assertErrorSummary(page, js, ['first_name', 'age', 'area', 'title', 'file'])

      await page.fill('#first_name', 'Leo')
      await page.fill('#age', '9')
      await page.selectOption('#area', 'foleshill')
      await page.fill('#title', title)
      await page.setInputFiles('#file', poster)
      await page.click('#send')
      await j.check('Enter the poster competition', { name: 'entry form, no parent address' })
      await assertErrorSummary(page, js, ['guardian_email'])
      assert.equal(await page.inputValue('#first_name'), 'Leo', 'what was typed is kept')

      await page.fill('#guardian_email', parent)
      await page.setInputFiles('#file', poster)
      await page.click('#send')
      await j.check('Entry sent: waiting for your parent or carer', { name: 'entry sent, waiting' })
      const reference = (await page.locator('#reference').innerText()).trim()

      const m = await waitForMessage(svc.mailDir, { to: parent, subject: /poster competition entry/ })
      assert.match(m.text, new RegExp(reference))
      await page.goto(linkIn(m, '/competition/confirm/'))
      await j.check('Agree to Leo’s poster competition entry', { name: 'parent agrees' })
      await page.click('#confirm')
      await j.check('Entry confirmed', { name: 'entry confirmed' })

      // The judges.
      const admin = `judge-${way}@coventry.gov.uk`
      await svc.admin.call('POST', '/api/v1/admin/organisers', { email: admin, name: 'Jude Judge', role: 'admin' })
      await signIn(j, admin)
      await page.click('#organiser-competition')
      await j.check('Poster competition', { name: 'gallery' })
      await page.selectOption('#age_band', '8-12')
      await page.selectOption('#area', 'foleshill')
      await page.click('#filter')
      await j.check('Poster competition', { name: 'gallery, filtered' })
      assert.ok(await page.locator(`#entry-${reference} img`).evaluate(img => img.complete && img.naturalWidth > 0), 'the thumbnail shows')
      await page.click(`#entry-${reference} a`)
      await j.check(`“${title}”`, { name: 'entry' })
      await page.fill('#score', '11')
      await page.click('#save')
      await j.check(`“${title}”`, { name: 'entry, with errors' })
      await assertErrorSummary(page, js, ['score'])
      await page.check('#shortlisted')
      await page.check('#winner')
      await page.fill('#score', '9')
      await page.click('#save')
      await j.check(`“${title}”`, { name: 'entry judged' })
      assert.match(await page.locator('#done-banner').innerText(), /The entry has been updated/)
      await page.goto('/admin/competition')
      if (await page.locator('#publish').count()) { // the other way's journey may have published it
        await page.click('#publish')
        await j.check('Poster competition', { name: 'winners published' })
      }
      await page.goto('/competition/winners')
      await j.check('Poster competition winners', { name: 'winners' })
      const winners = await page.locator('#winners').innerText()
      assert.match(winners, /Leo\s+9\s+Foleshill/)
      assert.doesNotMatch(winners, new RegExp(reference))
      j.assertClean()
    } finally {
      await j.close()
    }
  })

  test('a parent removes an entry with its reference and their email address', { timeout: 90_000 }, async () => {
    const parent = `remover-${way}@example.org`
    const form = new FormData()
    for (const [k, v] of Object.entries({ first_name: 'Mia', age: '8', area: 'earlsdon', title: 'Parks', guardian_email: parent })) form.append(k, v)
    form.append('file', new Blob([poster.buffer], { type: 'image/png' }), 'p.png')
    const res = await fetch(svc.base + '/api/v1/competition/entries', { method: 'POST', body: form })
    assert.equal(res.status, 201)
    const { reference } = await res.json()

    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto('/competition')
      await page.click('#remove-link')
      await j.check('Remove a poster competition entry', { name: 'remove an entry' })
      await page.click('#remove')
      await j.check('Remove a poster competition entry', { name: 'remove an entry, with errors' })
      await assertErrorSummary(page, js, ['reference', 'email'])
      await page.fill('#reference', reference.toLowerCase())
      await page.fill('#email', parent)
      await page.click('#remove')
      await j.check('Entry removed', { name: 'entry removed' })
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})
