// Enhancements of the organisers' attendance pages. Without this script the
// pages still work: the search is a GET form and each tick a POST form.
//
// - Check-in: the list is filtered as the facilitator types a name, the
//   same way the server filters (lower case, accents ignored).
// - Attendance list: the "Print this list" button prints the page.
(function () {
  'use strict'

  var strokes = { 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ı': 'i', 'þ': 'th', 'ð': 'd', '’': "'", '‘': "'" }

  function fold (s) {
    s = s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    return s.replace(/[łøđßæœıþð’‘]/g, function (c) { return strokes[c] })
  }

  var input = document.getElementById('q')
  var people = document.querySelectorAll('[data-search]')
  var status = document.getElementById('search-status')
  if (input && people.length) {
    input.addEventListener('input', function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean)
      var shown = 0
      people.forEach(function (el) {
        var name = el.getAttribute('data-search')
        var match = words.every(function (w) { return name.indexOf(w) >= 0 })
        el.hidden = !match
        if (match) shown++
      })
      if (status) {
        status.textContent = shown === 1 ? '1 person shown' : shown + ' people shown'
      }
    })
  }

  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.hidden = false
    button.addEventListener('click', function () { window.print() })
  })
})()
