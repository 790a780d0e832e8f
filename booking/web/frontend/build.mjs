// Builds ../assets from GOV.UK Frontend and src/: the CSS (Sass), the
// JavaScript and the images the pages use. The output is committed so that
// `go build` alone gives a working binary; run `make assets` after changing
// src/ or upgrading govuk-frontend.
import { compile } from 'sass'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, '..', 'assets')
const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')

rmSync(out, { recursive: true, force: true })
for (const dir of ['css', 'js', 'images']) mkdirSync(join(out, dir), { recursive: true })

const css = compile(join(here, 'src', 'app.scss'), {
  style: 'compressed',
  importers: [new (await import('sass')).NodePackageImporter(here)],
  quietDeps: true
}).css
if (/GDS Transport|@font-face/.test(css)) {
  throw new Error('app.css must not load the GDS Transport font')
}
writeFileSync(join(out, 'css', 'app.css'), css + '\n')

// GOV.UK Frontend's own bundle, unchanged; the source map is left out.
copyFileSync(join(govuk, 'govuk-frontend.min.js'), join(out, 'js', 'govuk-frontend.min.js'))
for (const f of ['supported.js', 'app.mjs', 'countdown.mjs']) {
  copyFileSync(join(here, 'src', f), join(out, 'js', f))
}
copyFileSync(join(here, 'src', 'favicon.svg'), join(out, 'images', 'favicon.svg'))

const version = JSON.parse(readFileSync(join(here, 'node_modules', 'govuk-frontend', 'package.json'))).version
writeFileSync(join(out, 'VERSION'), `govuk-frontend ${version}\n`)
console.log(`assets: built ${out} with govuk-frontend ${version}`)
