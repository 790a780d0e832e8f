// The journeys with the keyboard alone: Tab and Shift+Tab to move, Enter
// and Space to act, arrow keys in a group of radios, typing in fields; no
// mouse click anywhere. Every focused control must show its focus. Every
// page passes axe-core as it stands after the keyboard has been at it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'

import { Journey, focused, launch, tabTo } from './lib/browser.mjs'
import { linkIn, waitForMessage } from './lib/mail.mjs'
import { startService } from './lib/service.mjs'

const serviceName = 'Book a One Coventry Plan workshop'
let svc, browser

before(async () => {
  browser = await launch()
  svc = await startService('keyboard')
})

after(async () => {
  await browser?.close()
  await svc?.stop()
})

// press moves the focus to selector with Tab (or Shift+Tab) and presses key.
async function press (page, selector, key = 'Enter', opts = {}) {
  await tabTo(page, selector, opts)
  await Promise.all([
    key === 'Enter' || key === 'Space' ? page.waitForEvent('load') : Promise.resolve(),
    page.keyboard.press(key)
  ])
}

// fillByKeyboard moves the focus to a field and types into it.
async function fillByKeyboard (page, selector, text, opts = {}) {
  await tabTo(page, selector, opts)
  await page.keyboard.type(text)
}

test('a person books a place, switches to online and cancels, with the keyboard alone', { timeout: 90_000 }, async () => {
  const title = 'Getting around the city (keyboard)'
  const w = await svc.admin.workshop(title)
  const s = await svc.admin.session(w.id, { in_person: 8, online: 8 })
  const email = 'keyboard-user@example.org'
  const j = await Journey.open(browser, svc.base, { js: true })
  const page = j.page
  try {
    await page.goto('/')
    await j.check(serviceName, { name: 'start page' })

    // The first Tab reaches the skip link, which takes the focus to the content.
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('govuk-skip-link')), true, 'the first Tab reaches "Skip to main content"')
    await page.keyboard.press('Enter')
    assert.equal(await focused(page), 'main#main-content', 'the skip link moves the focus to the main content')

    await press(page, `#workshop-${w.id}-link`)
    await j.check(title, { name: 'workshop page' })
    await press(page, `#book-session-${s.id}`)
    await j.check('How would you like to take part?', { name: 'how would you like to take part' })

    // Continue without a choice; the error summary takes the focus, and its
    // link takes the focus to the radios.
    await press(page, '#continue')
    await j.check('How would you like to take part?', { name: 'how would you like to take part, with an error' })
    assert.equal(await page.evaluate(() => document.activeElement.closest('#error-summary') !== null), true, 'the error summary has the focus')
    await tabTo(page, '#error-summary a[href="#mode"]')
    await page.keyboard.press('Enter')
    assert.equal(await focused(page), 'input#mode', 'the error link moves the focus to the first radio')
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.locator('#mode-online').isChecked(), true, 'the arrow key chooses online')
    await page.keyboard.press('ArrowUp')
    assert.equal(await page.locator('#mode').isChecked(), true, 'and back to in person')
    await press(page, '#continue')

    await j.check('Your details', { name: 'your details' })
    await press(page, '#continue')
    await j.check('Your details', { name: 'your details, with errors' })
    await tabTo(page, '#error-summary a[href="#name"]')
    await page.keyboard.press('Enter')
    assert.equal(await focused(page), 'input#name', 'the error link moves the focus to the field')
    await page.keyboard.type('Keyboard Resident')
    await fillByKeyboard(page, '#email', email)
    await tabTo(page, '#consent')
    await page.keyboard.press('Space')
    assert.equal(await page.locator('#consent').isChecked(), true, 'Space ticks the consent box')
    // Back up with Shift+Tab to a field passed over.
    await fillByKeyboard(page, '#organisation', 'Hillfields Residents', { back: true })
    await press(page, '#continue')

    await j.check('Check your answers before booking your place', { name: 'check your answers' })
    assert.equal(await page.locator('#check-organisation').innerText(), 'Hillfields Residents')
    await press(page, '#confirm-booking', 'Space')
    await j.check('Booking confirmed', { name: 'confirmation' })
    const reference = (await page.locator('#booking-reference-panel').innerText()).trim()

    await press(page, '#manage-booking')
    await j.check('Your booking', { name: 'manage your booking' })
    // Switch to online, then cancel.
    await press(page, '#switch-mode')
    await j.check('Take part online instead', { name: 'switch to online' })
    await press(page, '#mode')
    await j.check('Your booking', { name: 'manage your booking, switched' })
    assert.match(await page.locator('#done-banner').innerText(), /You are now taking part online/)
    assert.match(await page.locator('#booking-mode').innerText(), /^Online/)
    await press(page, '#cancel-booking')
    await j.check('Are you sure you want to cancel your place?', { name: 'cancel: are you sure' })
    await press(page, '#confirm-cancel')
    await j.check('Your booking', { name: 'manage your booking, cancelled' })
    assert.match(await page.locator('#booking-status').innerText(), /Cancelled/)
    assert.equal(await page.locator('#booking-reference').innerText(), reference)
    await waitForMessage(svc.mailDir, { to: email, subject: /^Booking cancelled/ })
    j.assertClean()
  } finally {
    await j.close()
  }
})

test('a person joins a waiting list and accepts the offered place with the keyboard alone', { timeout: 90_000 }, async () => {
  const title = 'Young people in Coventry (keyboard)'
  const w = await svc.admin.workshop(title)
  const s = await svc.admin.session(w.id, { online: 1 })
  const holder = 'kb-holder@example.org'
  const waiter = 'kb-waiter@example.org'
  const res = await fetch(`${svc.base}/api/v1/sessions/${s.id}/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'online', name: 'Ada Holder', email: holder, consent: true })
  })
  assert.equal(res.status, 201, await res.clone().text())
  const { manage_url: manageURL } = await res.json()

  const j = await Journey.open(browser, svc.base, { js: true })
  const page = j.page
  try {
    await page.goto(`/workshops/${w.id}`)
    await j.check(title, { name: 'workshop page, session full' })
    await press(page, `#join-waitlist-${s.id}-online`)
    await j.check('Join the waiting list', { name: 'join the waiting list' })
    await fillByKeyboard(page, '#name', 'Keyboard Waiter')
    await fillByKeyboard(page, '#email', waiter)
    await tabTo(page, '#consent')
    await page.keyboard.press('Space')
    await press(page, '#join-waitlist')
    await j.check('You are on the waiting list', { name: 'your place on the waiting list' })
    assert.match(await page.locator('#waitlist-position').innerText(), /number 1/)

    // The holder cancels by keyboard too, from their manage link.
    const h = await Journey.open(browser, svc.base, { js: true })
    try {
      await h.page.goto(manageURL)
      await h.check('Your booking', { name: 'manage your booking (the holder)' })
      await press(h.page, '#cancel-booking')
      await h.check('Are you sure you want to cancel your place?', { name: 'cancel: are you sure (the holder)' })
      await press(h.page, '#confirm-cancel', 'Space')
      await h.check('Your booking', { name: 'manage your booking, cancelled (the holder)' })
      h.assertClean()
    } finally {
      await h.close()
    }

    const offer = await waitForMessage(svc.mailDir, { to: waiter, subject: /^A place is free/, timeoutMs: 30_000 })
    await page.goto(linkIn(offer, '/waitlist/'))
    await j.check('A place is available for you', { name: 'the offer' })
    await press(page, '#accept-offer')
    await j.check('Booking confirmed', { name: 'confirmation of the offered place' })
    assert.match(await page.locator('#booking-mode').innerText(), /^Online/)
    j.assertClean()
  } finally {
    await j.close()
  }
})
