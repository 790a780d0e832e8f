// Runs first thing in <body>, as a file (the Content-Security-Policy forbids
// inline scripts). GOV.UK Frontend styles its JavaScript-enhanced components
// only when these classes are set; browsers without ES modules get neither
// govuk-frontend-supported nor the module scripts, and the pages still work.
document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}
