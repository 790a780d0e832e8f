// The short survey (issue 13): a person answers it on the survey's pages
// (the error summary first, then "Check your answers", a change, the
// confirmation), and an admin reads the results (the table and the bar
// chart, the answers from one area, the written answers with a search) and
// builds a survey on the builder page. On a 375-pixel phone with
// JavaScript off and on a desktop with it on; every page passes axe-core's
// WCAG 2.2 AA rules and none scrolls sideways.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, serve, svc } from './lib/journeys.mjs'
import { linkIn, waitForMessage } from './lib/mail.mjs'

serve('survey')

async function makeSurvey (title) {
  const now = Date.now()
  return svc.admin.call('POST', '/api/v1/admin/surveys', {
    title,
    intro: 'The council is writing the One Coventry Plan.\nTell us what matters to you.',
    opens_at: new Date(now - 60_000).toISOString(),
    closes_at: new Date(now + 14 * 86400_000).toISOString(),
    questions: [
      { id: 'priority', type: 'one', text: 'What matters most to you about Coventry in 2030?', options: ['Jobs and skills', 'Housing', 'Parks and green spaces', 'Getting around'], required: true },
      { id: 'ways', type: 'many', text: 'How do you get around the city?', options: ['Walking', 'Cycling', 'Bus', 'Car'] },
      { id: 'centre', type: 'scale', text: 'How important is the city centre to you?', options: ['Not important', 'A little important', 'Quite important', 'Very important'], required: true },
      { id: 'ideas', type: 'text', text: 'What one thing would make Coventry better?', max_length: 500 }
    ],
    ask_area: true,
    ask_age_band: true
  })
}

// byID finds an element by an id with dots in it (answers.priority).
const byID = id => `[id="${id}"]`

// signIn makes an admin account of its own for each sign-in (the emailed
// link is found by its address) and signs in with it.
let admins = 0
async function signIn (j) {
  const email = `survey-admin-${++admins}@coventry.gov.uk`
  await svc.admin.call('POST', '/api/v1/admin/organisers', { email, name: `Survey Admin ${admins}`, role: 'admin' })
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
  test('a person answers the survey and an organiser reads the results', { timeout: 180_000 }, async () => {
    const title = `Have your say on Coventry in 2030 (${js ? 'scripts' : 'no scripts'})`
    const sv = await makeSurvey(title)
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await page.goto(`/surveys/${sv.id}`)
      await j.check(title, { name: 'the survey' })
      assert.match(await page.locator('main').innerText(), /Which area of the city do you live or work in\?/)

      // Sent without the required answers: the error summary names them.
      await page.click('#continue')
      await j.check(title, { name: 'the survey, with errors' })
      const summary = await page.locator('#error-summary a').evaluateAll(as => as.map(a => a.getAttribute('href')))
      assert.deepEqual(summary, ['#answers.priority', '#answers.centre'])
      assert.match(await page.title(), /^Error: /)
      for (const f of ['answers.priority', 'answers.centre']) {
        assert.equal(await page.locator(byID(f)).count(), 1, `the link #${f} lands on its first choice`)
        assert.ok(await page.locator(byID(f + '-error')).isVisible())
      }

      await page.check(byID('answers.priority-3'))
      await page.check(byID('answers.ways'))
      await page.check(byID('answers.ways-3'))
      await page.check(byID('answers.centre-4'))
      await page.fill(byID('answers.ideas'), 'More trees on the ring road,\nand benches by the cathedral.')
      await page.check(byID('about_you.area-4')) // Earlsdon
      await page.click('#continue')
      await j.check('Check your answers before sending them', { name: 'check your answers' })
      const check = await page.locator('#answers').innerText()
      assert.match(check, /Parks and green spaces/)
      assert.match(check, /Walking; Bus/)
      assert.match(check, /4 – Very important/)
      assert.match(check, /Earlsdon/)

      // Change an answer: the form comes back with the answers given.
      await page.click('#change')
      await j.check(title, { name: 'the survey, changing the answers' })
      assert.equal(await page.isChecked(byID('answers.ways-3')), true, 'the answers are kept')
      await page.check(byID('answers.priority-2'))
      await page.click('#continue')
      await j.check('Check your answers before sending them', { name: 'check your answers again' })
      assert.match(await page.locator('#answers').innerText(), /Housing/)

      await page.click('#send')
      await j.check('Your answers have been sent', { name: 'the confirmation' })

      // The organiser's side.
      await signIn(j)
      await page.goto('/admin/surveys')
      await j.check('Surveys', { name: 'the surveys' })
      await page.click(`a[href="/admin/surveys/${sv.id}"]`)
      await j.check(title, { name: 'the results' })
      assert.equal(await page.locator('#responses').innerText(), '1')
      const row = await page.locator('#table-priority tr', { hasText: 'Housing' }).innerText()
      assert.match(row, /1\s+100%/)
      assert.equal(await page.locator('#chart-priority rect').count(), 4, 'a bar for every answer')
      assert.match(await page.locator('#chart-priority').textContent(), /Housing.*1 \(100%\)/s, 'the bars are labelled with their numbers')
      assert.match(await page.locator('#area-table').innerText(), /Earlsdon\s+1\s+100%/)

      await page.selectOption('#area', 'foleshill')
      await page.click('#show-area')
      await j.check(title, { name: 'the results from one area' })
      assert.equal(await page.locator('#responses').innerText(), '0')

      await page.click('#answers-ideas')
      await j.check('What one thing would make Coventry better?', { name: 'the written answers' })
      await page.fill('#search', 'cathedral')
      await page.click('#find')
      await j.check('What one thing would make Coventry better?', { name: 'the written answers, searched' })
      assert.match(await page.locator('#answers').innerText(), /benches by the cathedral/)

      // Someone has answered: the wording and dates can change, not the questions.
      await page.goto(`/admin/surveys/${sv.id}/edit`)
      await j.check('Change the survey', { name: 'changing an answered survey' })
      assert.match(await page.locator('#questions-kept').innerText(), /1 person has answered this survey/)
      assert.equal(await page.locator('#q1-text').count(), 0, 'no question offered for change')
      j.assertClean()
    } finally {
      await j.close()
    }
  })

  test('an organiser builds a survey on the page', { timeout: 120_000 }, async () => {
    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await signIn(j)
      await page.goto('/admin/surveys/new')
      await j.check('Create a survey', { name: 'the survey builder' })
      await page.click('#create')
      await j.check('Create a survey', { name: 'the survey builder, with errors' })
      await assertErrorSummary(page, js, ['title', 'opens', 'closes', 'q1-text'])

      const title = `After the workshop (${js ? 'scripts' : 'no scripts'})`
      const d = new Date()
      await page.fill('#title', title)
      for (const [name, date] of [['opens', d], ['closes', new Date(d.getTime() + 7 * 86400_000)]]) {
        await page.fill(`#${name}-day`, String(date.getDate()))
        await page.fill(`#${name}-month`, String(date.getMonth() + 1))
        await page.fill(`#${name}-year`, String(date.getFullYear()))
      }
      await page.fill('#q1-text', 'Was the workshop useful?')
      await page.check('#q1-type')
      await page.fill('#q1-options', 'Yes\nNo\nNot sure')
      await page.check('#q1-required')
      await page.click('#more')
      await j.check('Create a survey', { name: 'the survey builder, more questions' })
      assert.equal(await page.locator('#q8-text').count(), 1, 'three more question slots')
      assert.equal(await page.inputValue('#q1-text'), 'Was the workshop useful?', 'what was typed is kept')
      await page.fill('#q2-text', 'How could it be better?')
      await page.check('#q2-type-3')
      await page.check('#ask_age_band')
      await page.click('#create')
      await j.check(title, { name: 'the new survey' })
      assert.match(await page.locator('#done-banner').innerText(), /The survey has been created/)
      const link = await page.locator('#public-link').innerText()
      await page.goto(new URL(link).pathname)
      await j.check(title, { name: 'the new survey, as people see it' })
      assert.match(await page.locator('main').innerText(), /How old are you\?/)

      // Change it, then close it early.
      await page.goBack()
      await page.click('#change-survey')
      await j.check('Change the survey', { name: 'changing the survey' })
      assert.equal(await page.inputValue('#q2-text'), 'How could it be better?', 'the form is filled in')
      await page.fill('#q2-text', 'How could the workshop be better?')
      await page.click('#create')
      await j.check(title, { name: 'the survey, changed' })
      assert.match(await page.locator('#done-banner').innerText(), /The survey has been changed/)
      await page.click('#close-survey')
      await j.check(title, { name: 'the survey, closed early' })
      assert.match(await page.locator('#done-banner').innerText(), /The survey is closed/)
      assert.match(await page.locator('#survey-state').innerText(), /^Closed/)
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})

test('a closed survey says it has closed', { timeout: 60_000 }, async () => {
  const now = Date.now()
  const sv = await svc.admin.call('POST', '/api/v1/admin/surveys', {
    title: 'Last year’s survey',
    opens_at: new Date(now - 30 * 86400_000).toISOString(),
    closes_at: new Date(now - 86400_000).toISOString(),
    questions: [{ id: 'liked', type: 'one', text: 'Did you like it?', options: ['Yes', 'No'] }]
  })
  const j = await Journey.open(browser, svc.base, { js: false, viewport: { width: 375, height: 667 } })
  try {
    await j.page.goto(`/surveys/${sv.id}`)
    await j.check('Last year’s survey', { name: 'a closed survey' })
    assert.match(await j.page.locator('#survey-closed').innerText(), /This survey has closed/)
    assert.equal(await j.page.locator('form#survey-form').count(), 0)
  } finally {
    await j.close()
  }
})
