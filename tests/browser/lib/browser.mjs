// Debian's headless Chromium driven by playwright-core, with the checks every
// page of a journey must pass: axe-core finds no WCAG 2.2 AA violation, no
// request leaves this machine, the Content-Security-Policy refuses nothing,
// and no script fails.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { createRequire } from 'node:module'

import { chromium } from 'playwright-core'

const require = createRequire(import.meta.url)
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium'

// The flags that work on these machines: no sandbox as root, and nothing
// that phones home (the network is closed; Chromium would keep trying).
const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

// The WCAG 2.2 AA rules, as the issue asks.
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

// A small phone, 320 CSS pixels wide: the journeys with scripts off use it
// (an old phone with scripts blocked), the others a desktop, so both layouts
// meet axe-core. At 320 pixels nothing may need scrolling sideways (WCAG
// 1.4.10 Reflow), which check() asserts on every page.
export const phone = { width: 320, height: 568 }

// sameService: a page may load from this service's own origin (and data: or
// blob: URLs it made itself), nothing else.
function sameService (url, base) {
  const u = new URL(url)
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true
  return u.origin === new URL(base).origin
}

// stayLocal refuses any request to another origin before it leaves the
// browser, so a bug never sends traffic off this machine; the request event
// still records it as a problem.
async function stayLocal (context, base) {
  await context.route(u => !sameService(u.href, base), route => route.abort('blockedbyclient'))
}

export async function launch () {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`browser tests: Chromium is missing at ${chromiumPath} (apt-get install -y chromium; .ci/run does this)`)
  }
  // launch() gives each run a fresh, empty profile directory of its own.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: flags })
}

// Journey is one person's browser: a fresh context (cookies of its own), with
// JavaScript on or off, that records anything a page must never do.
export class Journey {
  constructor (context, base, js) {
    this.context = context
    this.base = base
    this.js = js
    this.problems = []
    this.checked = []
  }

  // open starts a journey; a phone gives a viewport like { width: 375,
  // height: 667 } (the default is a desktop's 1280 by 720).
  static async open (browser, base, { js = true, viewport = { width: 1280, height: 720 } } = {}) {
    const context = await browser.newContext({ javaScriptEnabled: js, baseURL: base, locale: 'en-GB', timezoneId: 'Europe/London', viewport })
    // Nothing here should take long: fail a step rather than hang the suite.
    context.setDefaultTimeout(15_000)
    await stayLocal(context, base)
    const j = new Journey(context, base, js)
    j.page = await context.newPage()
    j.watch(j.page)
    return j
  }

  watch (page) {
    page.on('request', req => {
      if (!sameService(req.url(), this.base)) this.problems.push(`request to another site: ${req.method()} ${req.url()}`)
    })
    page.on('console', msg => {
      const text = msg.text()
      if (/Content Security Policy|Content-Security-Policy/i.test(text)) this.problems.push(`CSP violation on ${page.url()}: ${text}`)
      else if (msg.type() === 'error' && !/status of 4\d\d/.test(text)) this.problems.push(`console error on ${page.url()}: ${text}`)
    })
    page.on('pageerror', err => this.problems.push(`script error on ${page.url()}: ${err.message}`))
  }

  // check asserts the page is the one expected (its h1#page-heading matches
  // heading), then runs axe-core on it and the watchers' findings so far.
  async check (heading, { name = heading } = {}) {
    const page = this.page
    await page.waitForLoadState('load')
    const h1 = page.locator('h1')
    assert.equal(await h1.count(), 1, `${page.url()}: one h1`)
    const text = (await page.locator('#page-heading').innerText()).trim()
    if (heading instanceof RegExp) assert.match(text, heading, `${page.url()}: the page heading`)
    else assert.equal(text, heading, `${page.url()}: the page heading`)
    if (this.js) {
      assert.equal(await page.evaluate(() => document.body.classList.contains('govuk-frontend-supported')), true,
        `${page.url()}: the page's scripts ran`)
    } else {
      assert.equal(await page.evaluate(() => document.body.classList.contains('js-enabled')), false,
        `${page.url()}: the page's scripts did not run`)
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `${page.url()}: the page scrolls sideways by ${overflow} pixels at ${page.viewportSize().width} pixels wide`)
    if (this.js) await axeCheck(page, name)
    else await this.axeCheckScriptsOff(name)
    this.checked.push(`${this.js ? 'js' : 'no-js'} ${name}`)
    this.assertClean()
  }

  // axeCheckScriptsOff: axe-core runs on timers, which never fire in a page
  // whose scripts are off. So the page as it stands (the server's HTML: no
  // script of its own ran) is shown again, at the same address and with the
  // same styles but without its script tags, in a page where scripts may run,
  // and axe-core checks that.
  async axeCheckScriptsOff (name) {
    const url = this.page.url()
    const html = (await this.page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '')
    if (!this.audit) {
      this.auditContext = await this.context.browser().newContext({ javaScriptEnabled: true, locale: 'en-GB', viewport: this.page.viewportSize() })
      this.auditContext.setDefaultTimeout(15_000)
      await stayLocal(this.auditContext, this.base)
      this.audit = await this.auditContext.newPage()
      this.watch(this.audit)
    }
    // The same cookies, so that a signed-in organiser's page gets the
    // styles only organisers are served.
    await this.auditContext.clearCookies()
    await this.auditContext.addCookies(await this.context.cookies())
    await this.audit.route(url, route => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }), { times: 1 })
    await this.audit.goto(url)
    assert.equal(await this.audit.evaluate(() => document.body.classList.contains('js-enabled')), false)
    await axeCheck(this.audit, name + ' (scripts off)')
  }

  assertClean () {
    assert.deepEqual(this.problems, [], 'nothing leaves this machine, the CSP refuses nothing, no script fails')
  }

  async close () {
    await this.auditContext?.close()
    await this.context.close()
  }
}

// axeCheck injects axe-core (through DevTools, which the page's CSP does not
// govern) and fails on any violation of the WCAG 2.2 AA rules.
export async function axeCheck (page, name) {
  const hasAxe = await page.evaluate(() => typeof window.axe === 'object')
  if (!hasAxe) await page.evaluate(axeSource)
  const results = await page.evaluate(tags => window.axe.run(document, {
    runOnly: { type: 'tag', values: tags },
    resultTypes: ['violations']
  }), wcagTags)
  const found = results.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.map(n => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n'))
  assert.deepEqual(found, [], `axe-core on "${name}" (${page.url()}) found WCAG 2.2 AA violations`)
}

// The keyboard: Tab and Shift+Tab move the focus, Enter and Space act.
// tabTo presses Tab (or Shift+Tab) until the focused element matches
// selector, failing after max presses, and checks the focus can be seen.
export async function tabTo (page, selector, { back = false, max = 60 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
    if (await page.evaluate(sel => document.activeElement?.matches(sel) ?? false, selector)) {
      await assertFocusVisible(page, selector)
      return i + 1
    }
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))
  throw new Error(`${page.url()}: ${max} presses of ${back ? 'Shift+Tab' : 'Tab'} never reached ${selector} (focus is on ${at})`)
}

// assertFocusVisible: the focused element shows that it has the focus
// (GOV.UK Frontend's yellow outline, box shadow or background).
async function assertFocusVisible (page, selector) {
  const style = await page.evaluate(() => {
    const el = document.activeElement
    const s = getComputedStyle(el)
    const r = el.getBoundingClientRect()
    const label = el.labels?.[0] ? getComputedStyle(el.labels[0], '::before') : null
    return {
      outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
      shadow: s.boxShadow !== 'none' || (label !== null && label.boxShadow !== 'none'),
      background: s.backgroundColor,
      visible: r.width > 0 && r.height > 0
    }
  })
  assert.ok(style.visible, `${selector} is focused but has no size`)
  assert.ok(style.outline || style.shadow || style.background === 'rgb(255, 221, 0)', `${selector} shows no focus indicator: ${JSON.stringify(style)}`)
}

// focused returns a short description of the focused element.
export async function focused (page) {
  return page.evaluate(() => {
    const el = document.activeElement
    return el ? `${el.tagName.toLowerCase()}#${el.id}` : ''
  })
}

// assertErrorSummary: the GOV.UK error summary lists the fields, each link
// pointing at its field, each field has its message, the title says "Error:";
// with scripts on GOV.UK Frontend moves the focus to the summary.
export async function assertErrorSummary (page, js, fields) {
  const summary = page.locator('#error-summary')
  assert.ok(await summary.isVisible(), 'the error summary shows')
  assert.match(await page.title(), /^Error: /, 'the page title starts with "Error: "')
  const hrefs = await summary.locator('a').evaluateAll(as => as.map(a => a.getAttribute('href')))
  assert.deepEqual(hrefs, fields.map(f => '#' + f))
  for (const f of fields) {
    assert.equal(await page.locator('#' + f).count(), 1, `the summary's link #${f} lands on a field`)
    assert.ok(await page.locator(`#${f}-error`).isVisible(), `an error message shows next to ${f}`)
  }
  if (js) {
    assert.equal(await page.evaluate(() => document.activeElement?.closest('#error-summary') !== null), true,
      'the focus is on the error summary')
  }
}
