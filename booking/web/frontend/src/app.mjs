// Starts GOV.UK Frontend's components and the service's own small
// enhancements. Every page works without this file.
import { initAll } from './govuk-frontend.min.js'
import { startHoldCountdowns } from './countdown.mjs'

initAll()
startHoldCountdowns(document)
