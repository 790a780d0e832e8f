// A resident registers their interest from the start page (issue 12): the
// form's error summary first, then "Check your email"; the emailed link's
// page confirms the address only with its button; a session created after
// is emailed once with a link straight to it; the stop link (also the
// List-Unsubscribe one, with List-Unsubscribe-Post) stops the emails.
// On a 375-pixel phone with JavaScript off and on a desktop with it on;
// every page passes axe-core's WCAG 2.2 AA rules, the error summary too.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, serve, svc } from './lib/journeys.mjs'
import { linkIn, messages, waitForMessage } from './lib/mail.mjs'

const serviceName = 'Book a One Coventry Plan workshop'
const formTitle = 'Register your interest in One Coventry Plan workshops'

serve('interest')

bothWays(({ js, viewport }) => {
  test('a resident registers interest, confirms, hears of a session once and stops', { timeout: 120_000 }, async () => {
    const email = js ? 'interest-js@example.org' : 'interest-nojs@example.org'
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto('/')
      await j.check(serviceName, { name: 'start page' })
      await page.click('#interest-link')
      await j.check(formTitle, { name: 'register your interest' })

      await page.click('#continue')
      await j.check(formTitle, { name: 'register your interest, with errors' })
      await assertErrorSummary(page, js, ['name', 'email', 'modes', 'area'])

      await page.fill('#name', 'Asha Patel')
      await page.fill('#email', email)
      await page.check('#modes-either')
      await page.selectOption('#area', 'foleshill')
      await page.check('#times')
      await page.click('#continue')
      await j.check('Check your email', { name: 'check your email' })

      const m = await waitForMessage(svc.mailDir, { to: email, subject: /^Confirm your email address/ })
      // The header block, unfolded (RFC 5322: a line break before white space).
      const raw = fs.readFileSync(m.file, 'utf8')
      const head = raw.slice(0, raw.search(/\r?\n\r?\n/)).replace(/\r?\n(?=[ \t])/g, '')
      const stop = linkIn(m, '/interest/stop')
      assert.match(head, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m)
      const unsubscribe = head.match(/^List-Unsubscribe:[ \t]*<([^>]+)>\r?$/m)
      assert.equal(unsubscribe?.[1], stop, 'List-Unsubscribe names the stop link')

      await page.goto(linkIn(m, '/interest/confirm'))
      await j.check('Confirm your email address', { name: 'confirm your email address' })
      assert.match(await page.locator('#interest-summary').innerText(), /Foleshill/)
      await page.click('#confirm')
      await j.check('You have confirmed your email address', { name: 'confirmed' })

      // A weekday daytime session that suits them: one email, with its link.
      const w = await svc.admin.workshop(`Interest: Foleshill (${js ? 'scripts' : 'no scripts'})`)
      let s
      for (let days = 30; ; days++) {
        const d = new Date(Date.now() + days * 86400_000).getUTCDay()
        if (d >= 1 && d <= 5) { s = await svc.admin.session(w.id, { in_person: 5, online: 5 }, days); break }
      }
      const told = await waitForMessage(svc.mailDir, { to: email, subject: /^A workshop is open for booking/ })
      await page.goto(linkIn(told, `/sessions/${s.id}`))
      await j.check(/./, { name: 'the session from the email' })
      assert.ok(page.url().endsWith(`/sessions/${s.id}`))

      await page.goto(stop)
      await j.check('Stop emails about workshops', { name: 'stop emails' })
      await page.click('#stop')
      await j.check('You will not get any more emails', { name: 'stopped' })

      // Another session: nothing more to this address.
      await svc.admin.session(w.id, { in_person: 5 }, 40)
      await new Promise(resolve => setTimeout(resolve, 1500))
      assert.equal(messages(svc.mailDir).filter(x => x.to.includes(email) && /^A workshop is open/.test(x.subject)).length, 1,
        'one email about the session, none after stopping')
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})
