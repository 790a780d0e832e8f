// A live countdown of the time a place is held for, on "Your details".
//
// The server renders the time left as text (so it is right with scripts
// off) inside an element with data-hold-expires-at (RFC 3339). This script
// keeps that text current. Screen readers are not told every second: a
// separate polite live region speaks only at 2 minutes left and at the end.

function describe (seconds) {
  if (seconds <= 0) return 'no time'
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  const parts = []
  if (minutes > 0) parts.push(minutes === 1 ? '1 minute' : minutes + ' minutes')
  if (rest > 0 || minutes === 0) parts.push(rest === 1 ? '1 second' : rest + ' seconds')
  return parts.join(' ')
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
      text.textContent = describe(left)
      if (announce && !warned && left <= 120 && left > 0) {
        warned = true
        announce.textContent = 'Your place is held for 2 more minutes.'
      }
      if (left <= 0) {
        if (announce) {
          announce.textContent = 'The time holding your place has run out. You can still continue: we will book the place if it is free.'
        }
        return
      }
      window.setTimeout(tick, 1000)
    }
    tick()
  })
}
