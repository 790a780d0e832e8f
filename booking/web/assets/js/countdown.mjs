// A live countdown of the time a place is held for, on "Your details".
//
// The server renders the time left as text (so it is right with scripts
// off) inside an element with data-hold-expires-at (RFC 3339). This script
// keeps that text current. Screen readers are not told every second: a
// separate polite live region speaks only at 2 minutes left and at the end.
// At the end the panel (data-hold-panel) says one thing only: the parts
// about the live hold (data-hold-live) go, and the message the server
// wrote for a lapsed hold (data-hold-lapsed, hidden until then) shows.

function describe (seconds) {
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  const parts = []
  if (minutes > 0) parts.push(minutes === 1 ? '1 minute' : minutes + ' minutes')
  if (rest > 0 || minutes === 0) parts.push(rest === 1 ? '1 second' : rest + ' seconds')
  return parts.join(' ')
}

function lapse (el, announce) {
  const panel = el.closest('[data-hold-panel]')
  const lapsed = panel && panel.querySelector('[data-hold-lapsed]')
  if (lapsed) {
    panel.querySelectorAll('[data-hold-live]').forEach(function (p) { p.hidden = true })
    lapsed.hidden = false
  }
  if (announce) announce.textContent = lapsed ? lapsed.textContent : 'The time we held your place for has run out.'
}

export function startHoldCountdowns (root) {
  const clocks = root.querySelectorAll('[data-hold-expires-at]')
  clocks.forEach(function (el) {
    const expiresAt = Date.parse(el.getAttribute('data-hold-expires-at'))
    if (Number.isNaN(expiresAt)) return
    const text = el.querySelector('[data-hold-time-left]') || el
    const announce = root.getElementById(el.getAttribute('data-hold-announce') || '')
    let warned = false
    const tick = function () {
      const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000))
      if (left <= 0) {
        lapse(el, announce)
        return
      }
      text.textContent = describe(left)
      if (announce && !warned && left <= 120) {
        warned = true
        announce.textContent = 'Your place is held for 2 more minutes.'
      }
      window.setTimeout(tick, 1000)
    }
    tick()
  })
}
