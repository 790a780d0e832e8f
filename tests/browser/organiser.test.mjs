// The organisers' side on a 375-pixel phone, where facilitators use it at
// the door: an admin (JavaScript on) and a facilitator (JavaScript off)
// visit every organiser page. On each, nothing scrolls sideways
// (document.documentElement.scrollWidth <= innerWidth) and axe-core finds no
// WCAG 2.2 AA violation. Check-in offers no button that cannot work yet, a
// facilitator is not offered what only admins may do, and a cancelled
// session reads as cancelled everywhere. A person who phoned is booked with
// their phone number and no email; when their session is cancelled the
// organiser is told to phone them, and the list says what to say.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Journey, assertErrorSummary } from './lib/browser.mjs'
import { bothWays, browser, phone375, serve, svc } from './lib/journeys.mjs'
import { linkIn, messages, waitForMessage } from './lib/mail.mjs'

serve('organiser')

// sessionAt makes a session starting `hours` from now, lasting two hours.
function sessionAt (workshopID, hours, capacity) {
  const start = new Date(Date.now() + hours * 3600_000)
  start.setUTCMinutes(0, 0, 0)
  const end = new Date(start.getTime() + 2 * 3600_000)
  const body = { starts_at: start.toISOString(), ends_at: end.toISOString(), capacity }
  if (capacity.in_person) body.venue = { name: 'Foleshill Community Centre', address: 'Foleshill Road, Coventry CV6 5AA' }
  if (capacity.online) body.online_url = 'https://teams.microsoft.com/l/meetup-join/browser-test-with-a-rather-long-joining-address-0123456789abcdef'
  return svc.admin.call('POST', `/api/v1/admin/workshops/${workshopID}/sessions`, body)
}

let n = 0
function book (sessionID, mode, name, extra = {}) {
  n++
  return svc.book(sessionID, { mode, name, email: `person${n}@example.org`, ...extra })
}

// A crowd with long names, organisations and access needs: what makes a
// table wide.
async function fill (sessionID) {
  await book(sessionID, 'in_person', 'Aleksandra Wiśniewska-Konstantynopolitańczykiewicz', {
    organisation: 'Coventry and Warwickshire Council for Voluntary Organisations',
    access_needs: 'Step-free access, a hearing loop and a British Sign Language interpreter, please.'
  })
  await book(sessionID, 'in_person', 'Li Ming (李明)', { postcode: 'CV1 5RR' })
  await book(sessionID, 'online', 'Priya Shah', { access_needs: 'Live captions' })
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

test('every organiser page fits a 375-pixel phone and passes axe-core', { timeout: 240_000 }, async () => {
  const w = await svc.admin.workshop('Our city in 2035: transport, housing and green spaces')
  const soon = await sessionAt(w.id, 3, { in_person: 10, online: 5 })
  const later = await sessionAt(w.id, 24 * 7, { in_person: 1 })
  const gone = await sessionAt(w.id, 24 * 3, { in_person: 10, online: 5 })
  const phoned = await sessionAt(w.id, 24 * 5, { in_person: 10 })
  await fill(soon.id)
  await fill(gone.id)
  const held = await book(later.id, 'in_person', 'Sam Taylor')
  await svc.admin.call('POST', `/api/v1/sessions/${later.id}/waitlist`, {
    mode: 'in_person', name: 'Waiting Person With A Long Name', email: 'waiting@example.org', consent: true, access_needs: 'A chair with arms'
  })
  await svc.admin.call('POST', `/api/v1/admin/sessions/${gone.id}/cancel`, { reason: 'The venue is closed for repairs; please book another session.' })
  const fac = await svc.admin.call('POST', '/api/v1/admin/organisers', { email: 'facilitator@coventry.gov.uk', name: 'Fran Facilitator', role: 'facilitator' })
  await svc.admin.call('POST', '/api/v1/admin/organisers', { email: 'admin@coventry.gov.uk', name: 'Ada Admin', role: 'admin' })
  for (const s of [soon, later, gone, phoned]) {
    await svc.admin.call('POST', `/api/v1/admin/sessions/${s.id}/facilitators`, { organiser_id: fac.id })
  }
  const attendees = await svc.admin.call('GET', `/api/v1/admin/sessions/${soon.id}/attendees`)
  const ref = attendees.attendees[0].reference

  const title = /Our city in 2035/
  // Every organiser page with its heading for an admin and, for the pages a
  // facilitator of the sessions sees too, theirs (both: the same); the
  // rest are for admins only.
  const both = true
  const organiserPages = [
    ['/admin', 'Workshops', 'Your workshops'],
    ['/admin/workshops/new', 'Create a workshop'],
    [`/admin/workshops/${w.id}`, title],
    [`/admin/workshops/${w.id}/sessions/new`, /session/i],
    [`/admin/workshops/${w.id}/attendance`, title],
    [`/admin/workshops/${w.id}/edit`, 'Change the workshop'],
    [`/admin/sessions/${soon.id}`, title, both],
    [`/admin/sessions/${soon.id}/edit`, /session/i],
    [`/admin/sessions/${soon.id}/cancel`, 'Cancel the session'],
    [`/admin/sessions/${soon.id}/message`, 'Email the people booked'],
    [`/admin/sessions/${soon.id}/duplicate`, 'Duplicate the session'],
    [`/admin/sessions/${soon.id}/bookings/new`, 'Book a place for someone who phoned', both],
    [`/admin/sessions/${soon.id}/attendance`, title, both],
    [`/admin/sessions/${soon.id}/check-in`, title, both],
    [`/admin/sessions/${soon.id}/access-needs`, 'Access needs', both],
    [`/admin/sessions/${later.id}`, title, both],
    [`/admin/sessions/${later.id}/check-in`, title, both],
    [`/admin/sessions/${gone.id}`, title, both],
    [`/admin/sessions/${gone.id}/check-in`, title, both],
    [`/admin/sessions/${gone.id}/attendance`, title],
    [`/admin/sessions/${phoned.id}`, title],
    [`/admin/sessions/${phoned.id}/people-to-phone`, 'People to phone', both],
    [`/admin/bookings/${ref}`, /./, both],
    [`/admin/bookings/${ref}/cancel`, 'Cancel this booking?'],
    [`/admin/bookings/${ref}/edit`, 'Change their details'],
    [`/admin/bookings/${ref}/move`, 'Move the booking to another session'],
    ['/admin/organisers', /./],
    ['/admin/bookings', 'Find a booking'],
    ['/admin/bookings?q=konstantynopol', 'Find a booking'],
    ['/admin/bookings?q=x', 'Find a booking'],
    ['/admin/audit', 'Audit log'],
    ['/admin/audit?what=session.cancel', 'Audit log'],
    ['/admin/interest', 'Registered interest', both],
    ['/admin/places', 'Places and waiting lists'],
    ['/admin/participation', 'Participation by area of the city'],
    [`/admin/participation?workshop=${w.id}`, 'Participation by area of the city'],
    [`/admin/organisers/${fac.id}`, /./]
  ]
  const adminPages = organiserPages.map(([path, heading]) => [path, heading])
  const facilitatorPages = organiserPages.filter(([, , theirs]) => theirs)
    .map(([path, heading, theirs]) => [path, theirs === both ? heading : theirs])

  for (const [who, email, js, pages] of [
    ['admin', 'admin@coventry.gov.uk', true, adminPages],
    ['facilitator', 'facilitator@coventry.gov.uk', false, facilitatorPages]
  ]) {
    const j = await Journey.open(browser, svc.base, { js, viewport: phone375 })
    try {
      await signIn(j, email)
      if (who === 'admin') {
        // Someone phones: booked with a number and no email address.
        await j.page.goto(`/admin/sessions/${phoned.id}/bookings/new`)
        await j.page.fill('#name', 'Mary O\'Brien')
        await j.page.fill('#phone', '(024) 7683-3333')
        await j.page.fill('#postal_address', '12 Jordan Well\nCoventry CV1 5RW')
        await j.page.check('#consent')
        await j.page.click('#book')
        await j.check('Your place at a One Coventry Plan workshop', { name: 'phone booking confirmation' })
        assert.match(await j.page.locator('#booking-phone').innerText(), /^024 7683 3333$/)
        assert.match(await j.page.locator('#council-contact').innerText(), /Email: \S+@\S+/)
        await svc.admin.call('POST', `/api/v1/admin/sessions/${phoned.id}/cancel`, { reason: 'The room is double-booked.' })
      }
      // Every page's width first, so one run names every page too wide.
      const wide = []
      for (const [path] of pages) {
        await j.page.goto(path)
        const m = await j.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }))
        if (m.scroll > m.inner) wide.push(`${path}: ${m.scroll} px wide on a ${m.inner} px screen`)
      }
      assert.deepEqual(wide, [], `${who}: pages wider than the phone`)
      for (const [path, heading] of pages) {
        await j.page.goto(path)
        await j.check(heading, { name: `${who} ${path}` })
      }

      // Check-in a week ahead: no button that would only be refused, and
      // when check-in opens, in the council's time.
      await j.page.goto(`/admin/sessions/${later.id}/check-in`)
      assert.equal(await j.page.locator(`#tick-${held.reference}`).count(), 0, 'no "Tick in" a week ahead')
      assert.match(await j.page.locator('#check-in-opens').innerText(), /Check-in opens at \S+ on \w+day \d+ \w+ \d{4}/)
      // Check-in soon: a "Tick in" for everyone booked.
      await j.page.goto(`/admin/sessions/${soon.id}/check-in`)
      assert.equal(await j.page.locator('button[id^=tick-]').count(), 3)

      // A cancelled session reads as cancelled everywhere.
      await j.page.goto(`/admin/sessions/${gone.id}`)
      assert.equal(await j.page.locator('#check-in-link').count(), 0, 'no "Check people in" for a cancelled session')
      assert.doesNotMatch(await j.page.locator('#bookings').innerText(), /Confirmed/)
      await j.page.goto(`/admin/sessions/${gone.id}/check-in`)
      assert.equal(await j.page.locator('button[id^=tick-]').count(), 0, 'no "Tick in" on a cancelled session')
      await j.page.goto('/admin')
      assert.match(await j.page.locator(`#session-${gone.id}`).innerText(), /Cancelled/)
      assert.equal(await j.page.locator(`#session-${gone.id} a[href$="/check-in"]`).count(), 0)

      // The person who phoned is not emailed: the organiser is told to phone them.
      await j.page.goto(`/admin/sessions/${phoned.id}`)
      assert.match(await j.page.locator('#to-phone').innerText(), /1 person booked by phone has no email address\. They have not been told the session is cancelled: phone them\./)
      await j.page.goto(`/admin/sessions/${phoned.id}/people-to-phone`)
      assert.match(await j.page.locator('#tell').innerText(), /is cancelled\. We are sorry\.\s+The reason: The room is double-booked\./)
      assert.equal(await j.page.locator('a[href="tel:+442476833333"]').innerText(), '024 7683 3333')

      // Only admins are offered what only admins may do.
      await j.page.goto(`/admin/sessions/${soon.id}`)
      const offered = { edit: await j.page.locator('#edit-session').count(), cancel: await j.page.locator('#cancel-session').count() }
      assert.deepEqual(offered, who === 'admin' ? { edit: 1, cancel: 1 } : { edit: 0, cancel: 0 })
      j.assertClean()
    } finally {
      await j.close()
    }
  }
})

// The admins' own pages (finding a booking, the audit log) are GET forms:
// an admin with JavaScript off uses them on the phone, the error summary
// too, and follows what they find.
test('an admin with JavaScript off finds a booking and filters the audit log on a 375-pixel phone', { timeout: 90_000 }, async () => {
  const w = await svc.admin.workshop('Finding people: Radford')
  const s = await sessionAt(w.id, 24 * 2, { in_person: 10 })
  const booked = await book(s.id, 'in_person', 'Bartholomew Featherstonehaugh')
  const cancelled = await sessionAt(w.id, 24 * 4, { in_person: 10 })
  await svc.admin.call('POST', `/api/v1/admin/sessions/${cancelled.id}/cancel`, { reason: 'The hall is flooded.' })
  const email = 'finder@coventry.gov.uk'
  await svc.admin.call('POST', '/api/v1/admin/organisers', { email, name: 'Fiona Finder', role: 'admin' })

  const j = await Journey.open(browser, svc.base, { js: false, viewport: phone375 })
  const page = j.page
  try {
    await signIn(j, email)
    await page.click('#organiser-search')
    await j.check('Find a booking', { name: 'find a booking, no scripts' })
    await page.fill('#q', 'x')
    await page.click('#search')
    await j.check('Find a booking', { name: 'find a booking, with an error, no scripts' })
    await assertErrorSummary(page, false, ['q'])
    await page.fill('#q', 'featherstone')
    await page.click('#search')
    await j.check('Find a booking', { name: 'find a booking, found, no scripts' })
    assert.equal(await page.locator('#results-heading').innerText(), '1 booking found')
    await page.click(`#hit-${booked.reference} a`)
    await j.check(/./, { name: 'the booking found, no scripts' })
    assert.match(page.url(), new RegExp(`/admin/bookings/${booked.reference}$`))

    await page.click('#organiser-audit')
    await j.check('Audit log', { name: 'audit log, no scripts' })
    await page.selectOption('#who', 'api-token')
    await page.selectOption('#what', 'session.cancel')
    await page.click('#filter')
    await j.check('Audit log', { name: 'audit log, filtered, no scripts' })
    const shown = new URL(page.url()).searchParams
    assert.deepEqual([shown.get('who'), shown.get('what')], ['api-token', 'session.cancel'])
    const what = await page.locator('#what option:checked').innerText()
    const rows = await page.locator('#entries tbody tr').evaluateAll(trs => trs.map(tr => [...tr.cells].map(td => td.innerText.trim())))
    assert.ok(rows.length > 0, 'the filtered log lists changes')
    for (const [, who, did] of rows) assert.deepEqual([who, did], ['The admin API token', what])
    assert.equal(await page.locator('#show-all').count(), 1)
    await page.click(`#entries a[href="/admin/sessions/${cancelled.id}"]`)
    await j.check(/Finding people: Radford/, { name: 'the session from the audit log, no scripts' })
    j.assertClean()
  } finally {
    await j.close()
  }
})

// An admin emails the people booked in person on a session: the error
// summary for an empty message, the check page with who is emailed and who
// must be phoned, the page after sending, and the email itself.
bothWays(({ js, viewport }) => {
  test('an admin emails the people booked in person', { timeout: 90_000 }, async () => {
    const tag = js ? 'desktop' : 'phone'
    const w = await svc.admin.workshop(`Messages: Earlsdon (${tag})`)
    const s = await sessionAt(w.id, 24 * 2, { in_person: 10, online: 5 })
    const person = `in-person-${tag}@example.org`
    const booked = await svc.book(s.id, { mode: 'in_person', name: 'Nadia Rahman', email: person })
    await svc.book(s.id, { mode: 'online', name: 'Owen Price', email: `online-${tag}@example.org` })
    const email = `messenger-${tag}@coventry.gov.uk`
    await svc.admin.call('POST', '/api/v1/admin/organisers', { email, name: 'Mo Messenger', role: 'admin' })

    const j = await Journey.open(browser, svc.base, { js, viewport })
    const page = j.page
    try {
      await signIn(j, email)
      await page.goto(`/admin/sessions/${s.id}/bookings/new`)
      await page.check('#mode')
      await page.fill('#name', 'Mary O\'Brien')
      await page.fill('#phone', '024 7683 3333')
      await page.check('#consent')
      await page.click('#book')
      await page.waitForURL(/\/admin\/bookings\//)

      await page.goto(`/admin/sessions/${s.id}`)
      await page.click('#message-session')
      await j.check('Email the people booked', { name: `message form, ${tag}` })
      await page.click('#continue')
      await j.check('Email the people booked', { name: `message form, with an error, ${tag}` })
      await assertErrorSummary(page, js, ['message'])
      await page.check('#to-in_person')
      await page.fill('#message', 'The workshop has moved to the Diamond Room.\nIt is on the first floor.')
      await page.click('#continue')
      await j.check('Check your message before you send it', { name: `message check, ${tag}` })
      assert.equal(await page.locator('#message-emailed').innerText(), '1 person')
      assert.match(await page.locator('#message-not-emailed').innerText(), /1 person booked by phone has no email address/)
      assert.match(await page.locator('#message-to-phone').innerText(), /Mary O'Brien \(In person, booking \S+\): 024 7683 3333/)
      await page.click('#send-message')
      await j.check('Your message is being sent', { name: `message sent, ${tag}` })
      assert.equal(await page.locator('#message-emailed').innerText(), 'It is being emailed to 1 person')

      const m = await waitForMessage(svc.mailDir, { to: person, subject: /A message about your workshop/ })
      assert.match(m.text, /The workshop has moved to the Diamond Room\.\r?\nIt is on the first floor\./)
      assert.doesNotMatch(m.text, /Mo Messenger/)

      // Nadia lost her confirmation: it is sent again, with a fresh link.
      await page.goto(`/admin/bookings/${booked.reference}`)
      await page.click('#resend-confirmation')
      await j.check(/./, { name: `confirmation sent again, ${tag}` })
      assert.match(await page.locator('#done-banner').innerText(), /The confirmation is being emailed again/)
      const confirmations = () => messages(svc.mailDir).filter(m => m.to.includes(person) && /Booking confirmed/.test(m.subject))
      for (const deadline = Date.now() + 20_000; confirmations().length < 2;) {
        assert.ok(Date.now() < deadline, 'the confirmation sent again arrives')
        await new Promise(resolve => setTimeout(resolve, 200))
      }
      const links = confirmations().map(m => linkIn(m, `/bookings/${booked.reference}`))
      assert.notEqual(links[0], links[1], 'a fresh manage link')
      j.assertClean()
    } finally {
      await j.close()
    }
  })
})

// A facilitator at the door, JavaScript off, on a 375-pixel phone,
// registers people who came without booking: the error summary for a
// missing name, a walk-in who takes the last place, then one who finds the
// room full and is recorded over capacity; the check-in page and the
// printable list show them.
test('a facilitator with JavaScript off registers walk-ins at the door on a 375-pixel phone', { timeout: 90_000 }, async () => {
  const w = await svc.admin.workshop('Walk-ins: Hillfields')
  const s = await sessionAt(w.id, 2, { in_person: 2 })
  await book(s.id, 'in_person', 'Hannah Booked')
  const email = 'door@coventry.gov.uk'
  const fac = await svc.admin.call('POST', '/api/v1/admin/organisers', { email, name: 'Dev Door', role: 'facilitator' })
  await svc.admin.call('POST', `/api/v1/admin/sessions/${s.id}/facilitators`, { organiser_id: fac.id })

  const j = await Journey.open(browser, svc.base, { js: false, viewport: phone375 })
  const page = j.page
  try {
    await signIn(j, email)
    await page.goto(`/admin/sessions/${s.id}/check-in`)
    await j.check(/Walk-ins: Hillfields/, { name: 'check-in with the walk-in form, no scripts' })
    assert.match(await page.locator('#walk-in + p').innerText(), /1 place left in the room/)
    await page.click('#walk-in-button')
    await j.check(/Walk-ins: Hillfields/, { name: 'walk-in with an error, no scripts' })
    await assertErrorSummary(page, false, ['name'])

    await page.fill('#name', 'Kwame Mensah')
    await page.fill('#phone', '07700 900123')
    await page.fill('#access_needs', 'A seat near the door')
    await page.click('#walk-in-button')
    await j.check(/Walk-ins: Hillfields/, { name: 'walk-in registered, no scripts' })
    assert.match(await page.locator('#walked-in-banner').innerText(), /Kwame Mensah is registered as a walk-in and ticked in/)
    assert.equal(await page.locator('#walked-in-over').count(), 0)
    assert.match(await page.locator('#counts-in_person').innerText(), /2\s+1/)

    await page.fill('#name', 'Zainab Late')
    await page.click('#walk-in-button')
    await j.check(/Walk-ins: Hillfields/, { name: 'walk-in over capacity, no scripts' })
    assert.match(await page.locator('#walked-in-over').innerText(), /The room was full/)
    assert.match(await page.locator('#walk-in-count').innerText(), /Walk-ins: 2, of whom 1 over capacity/)
    assert.match(await page.locator('#people').innerText(), /Zainab Late\s+Here\s+Walk-in, over capacity/)

    await page.click('#attendance-link')
    assert.match(await page.locator('main').innerText(), /Zainab Late \(walk-in, over capacity\)/)
    const taken = await svc.admin.call('GET', `/api/v1/sessions/${s.id}`)
    assert.equal(taken.modes.in_person.available, 0, 'the walk-in over capacity takes no place')
    j.assertClean()
  } finally {
    await j.close()
  }
})

// Someone phones an admin: they have a new email address, and would rather
// come to another session. The admin, JavaScript off, on a 375-pixel phone,
// finds the booking from the session page, changes the details (the error
// summary first), then moves the booking; the person gets the invite at the
// new address, then one update.
test('an admin with JavaScript off changes a booking and moves it on a 375-pixel phone', { timeout: 90_000 }, async () => {
  const w = await svc.admin.workshop('Changing a booking: Earlsdon')
  const first = await sessionAt(w.id, 24 * 2, { in_person: 10 })
  const second = await sessionAt(w.id, 24 * 9, { in_person: 3 })
  const tag = Date.now().toString(36)
  const old = `old-${tag}@example.org`
  const fresh = `new-${tag}@example.org`
  const booked = await book(first.id, 'in_person', 'Gwen Changer', { email: old })
  const email = `changer-${tag}@coventry.gov.uk`
  await svc.admin.call('POST', '/api/v1/admin/organisers', { email, name: 'Cai Changer', role: 'admin' })

  const j = await Journey.open(browser, svc.base, { js: false, viewport: phone375 })
  const page = j.page
  try {
    await signIn(j, email)
    await page.goto(`/admin/sessions/${first.id}`)
    await page.click(`a[href="/admin/bookings/${booked.reference}"]`)
    await page.click('#edit-booking')
    await j.check('Change their details', { name: 'change a booking, no scripts' })
    await page.fill('#name', '')
    await page.click('#save-booking')
    await j.check('Change their details', { name: 'change a booking, with an error, no scripts' })
    await assertErrorSummary(page, false, ['name'])
    await page.fill('#name', 'Gwen Changer-Jones')
    await page.fill('#email', fresh)
    await page.click('#save-booking')
    await j.check(/./, { name: 'the booking changed, no scripts' })
    assert.match(await page.locator('#done-banner').innerText(), /The booking now uses the new email address/)
    await waitForMessage(svc.mailDir, { to: old, subject: /Your booking now uses another email address/ })
    const confirmed = await waitForMessage(svc.mailDir, { to: fresh, subject: /Booking confirmed/ })
    assert.match(confirmed.text, new RegExp(booked.reference))

    await page.click('#move-booking')
    await j.check('Move the booking to another session', { name: 'move a booking, no scripts' })
    await page.click('#move-booking')
    await j.check('Move the booking to another session', { name: 'move a booking, with an error, no scripts' })
    await assertErrorSummary(page, false, ['session'])
    await page.check(`input[value="${second.id}:in_person"]`)
    await page.click('#move-booking')
    await j.check(/./, { name: 'the booking moved, no scripts' })
    assert.match(await page.locator('#done-banner').innerText(), /The booking is moved/)
    await waitForMessage(svc.mailDir, { to: fresh, subject: /Booking changed/ })
    j.assertClean()
  } finally {
    await j.close()
  }
})
