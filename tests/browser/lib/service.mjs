// Starts a private workshopd for one test file: its own throw-away Postgres
// database, a Redis database number no other test holds (leased as the Go
// tests lease theirs, internal/testenv/redis.go; emptied before and after), emails
// as .eml files in a temporary MAIL_DIR, a free port on 127.0.0.1,
// RATE_LIMITS=off and a random ADMIN_TOKEN. A missing Postgres or Redis
// fails the suite: these tests are worth nothing against something else.
import { spawn, execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

// A test file leases a Redis database number from 1 to 14 (0 is make run's,
// 15 make bench's) with a key in database 0 that it renews while it runs, so
// that two runs at once on one server never empty each other's keys; a run
// that is killed frees its number within a minute.
const firstDB = 1
const lastDB = 14
const leaseKey = 'workshops-test:redis-db:'
const leaseMillis = 60_000
const renewLease = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
const endLease = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

const testDatabaseURL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
const testRedisURL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/0'

// binary is bin/workshopd, built once per test file unless WORKSHOPD names
// one already built (make browser-test builds it first).
function binary () {
  if (process.env.WORKSHOPD) return path.resolve(repoRoot, process.env.WORKSHOPD)
  const bin = path.join(repoRoot, 'bin', 'workshopd')
  const go = process.env.GO || (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go')
  execFileSync(go, ['build', '-o', bin, './cmd/workshopd'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] })
  return bin
}

function withDatabase (u, name) {
  const url = new URL(u)
  url.pathname = '/' + name
  return url.toString()
}

function psql (sql) {
  try {
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', testDatabaseURL, '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error('browser tests: psql is missing (apt-get install -y postgresql-client)')
    throw new Error(`browser tests: Postgres at ${new URL(testDatabaseURL).host} refused "${sql}": ${String(err.stderr || err.message).trim()}`)
  }
}

// redisCommand sends one command in the Redis protocol and returns the first
// reply line; enough for PING, AUTH, SELECT and FLUSHDB.
async function redisCommands (cmds) {
  const u = new URL(testRedisURL)
  const host = u.hostname || '127.0.0.1'
  const port = Number(u.port || 6379)
  const all = []
  if (u.password) all.push(u.username ? ['AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password)] : ['AUTH', decodeURIComponent(u.password)])
  all.push(...cmds)
  const wire = all.map(args => `*${args.length}\r\n` + args.map(a => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')).join('')
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port })
    let got = ''
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`browser tests: Redis at ${host}:${port} did not answer within 5 s`)) }, 5000)
    sock.on('error', err => { clearTimeout(timer); reject(new Error(`browser tests: Redis at ${host}:${port} does not answer (make test starts it): ${err.message}`)) })
    sock.on('connect', () => sock.write(wire))
    sock.on('data', d => {
      got += d
      const lines = got.split('\r\n').filter(Boolean)
      if (lines.length >= all.length) {
        clearTimeout(timer)
        sock.end()
        const bad = lines.find(l => l.startsWith('-'))
        if (bad) reject(new Error(`browser tests: Redis said ${bad}`))
        else resolve(lines)
      }
    })
  })
}

// leaseRedisDB takes a free Redis database number; release() gives it back.
async function leaseRedisDB () {
  const token = crypto.randomBytes(8).toString('hex')
  const deadline = Date.now() + 120_000
  for (;;) {
    for (let n = firstDB; n <= lastDB; n++) {
      const key = leaseKey + n
      const reply = (await redisCommands([['SET', key, token, 'NX', 'PX', leaseMillis]])).at(-1)
      if (reply !== '+OK') continue
      const renew = setInterval(() => {
        redisCommands([['EVAL', renewLease, 1, key, token, leaseMillis]]).catch(err => console.error(err.message))
      }, leaseMillis / 4)
      renew.unref()
      const release = async () => {
        clearInterval(renew)
        await redisCommands([['EVAL', endLease, 1, key, token]])
      }
      return { n, release }
    }
    if (Date.now() > deadline) throw new Error(`browser tests: Redis databases ${firstDB} to ${lastDB} stayed leased by other tests for 2 minutes`)
    await sleep(50)
  }
}

async function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// startService builds and starts workshopd and waits until /readyz says both
// Postgres and Redis are ok; extra is more of its environment, e.g.
// { STAFF_EMAIL_DOMAINS: 'coventry.gov.uk' }. The answer's stop() ends
// everything it started.
export async function startService (name, extra = {}) {
  const bin = binary()
  await redisCommands([['PING']])
  const db = `workshops_browser_${name.replace(/\W/g, '_')}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`
  psql(`CREATE DATABASE ${db}`)
  const { n: redisDB, release: releaseRedisDB } = await leaseRedisDB()
  const redisURL = new URL(testRedisURL)
  redisURL.pathname = '/' + redisDB
  await redisCommands([['SELECT', redisDB], ['FLUSHDB']])

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'workshops-browser-'))
  const mailDir = path.join(tmp, 'mail')
  const logFile = path.join(tmp, 'workshopd.log')
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const adminToken = 'browser-' + crypto.randomBytes(16).toString('hex')
  const env = { ...process.env }
  delete env.SMTP_URL
  Object.assign(env, {
    DATABASE_URL: withDatabase(testDatabaseURL, db),
    REDIS_URL: redisURL.toString(),
    HTTP_ADDR: `127.0.0.1:${port}`,
    BASE_URL: base,
    ADMIN_TOKEN: adminToken,
    MAIL_DIR: mailDir,
    RATE_LIMITS: 'off',
    LOG_FORMAT: 'text'
  }, extra)
  const log = fs.openSync(logFile, 'a')
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', log, log] })
  fs.closeSync(log)
  let exited = null
  child.on('exit', (code, signal) => { exited = { code, signal } })
  // If the test process dies first, take the server with it.
  const killOnExit = () => { if (!exited) child.kill('SIGKILL') }
  process.on('exit', killOnExit)

  const tail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    if (!exited) {
      child.kill('SIGTERM')
      for (let i = 0; i < 150 && !exited; i++) await sleep(100)
      if (!exited) child.kill('SIGKILL')
    }
    process.off('exit', killOnExit)
    try { psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`) } catch (err) { console.error(err.message) }
    try { await redisCommands([['SELECT', redisDB], ['FLUSHDB']]) } catch (err) { console.error(err.message) }
    try { await releaseRedisDB() } catch (err) { console.error(err.message) }
    if (process.env.KEEP_BROWSER_TEST_FILES) console.error(`browser tests: kept ${tmp}`)
    else fs.rmSync(tmp, { recursive: true, force: true })
  }

  // Ready means Postgres and Redis both answer: /readyz says 200 with Redis
  // down too (booking works without it), but these tests want the real thing.
  const deadline = Date.now() + 60_000
  let last = 'no answer'
  for (;;) {
    if (exited) {
      const out = tail()
      await stop()
      throw new Error(`browser tests: workshopd exited before it was ready (${JSON.stringify(exited)}):\n${out}`)
    }
    try {
      const res = await fetch(base + '/readyz')
      const body = await res.json().catch(() => ({}))
      last = `${res.status} ${JSON.stringify(body)}`
      if (res.ok && body.redis === 'ok' && body.postgres === 'ok') break
    } catch (err) {
      last = err.message
    }
    if (Date.now() > deadline) {
      const out = tail()
      await stop()
      throw new Error(`browser tests: workshopd not ready at ${base}/readyz within 60 s (last: ${last}):\n${out}`)
    }
    await sleep(100)
  }

  return { base, port, adminToken, mailDir, logFile, tail, stop, admin: adminClient(base, adminToken), book: booker(base) }
}

// booker books a place through the public API, as a test's set-up: book(
// sessionID, { mode, name, email }) answers { reference, manage_url, ... }.
function booker (base) {
  return async (sessionID, person) => {
    const res = await fetch(`${base}/api/v1/sessions/${sessionID}/bookings`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'in_person', consent: true, ...person })
    })
    const body = await res.text()
    if (res.status !== 201) throw new Error(`book: ${res.status} ${body}`)
    return JSON.parse(body)
  }
}

// adminClient makes workshops and sessions through the admin API.
function adminClient (base, token) {
  async function call (method, p, body) {
    const res = await fetch(base + p, {
      method,
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`)
    return text ? JSON.parse(text) : null
  }
  return {
    call,
    workshop: (title, summary = 'Tell us what matters to you about Coventry.') =>
      call('POST', '/api/v1/admin/workshops', { title, summary, audience: 'public' }),
    // session makes a session `days` from now at 10am to midday UTC with the
    // places given, e.g. { in_person: 10, online: 5 }.
    session: (workshopID, capacity, days = 30) => {
      const start = new Date(Date.now() + days * 86400_000)
      start.setUTCHours(10, 0, 0, 0)
      const end = new Date(start.getTime() + 2 * 3600_000)
      const body = { starts_at: start.toISOString(), ends_at: end.toISOString(), capacity }
      if (capacity.in_person) body.venue = { name: 'Council House', address: 'Earl Street, Coventry CV1 5RR' }
      // A link the pages only show: no test follows it.
      if (capacity.online) body.online_url = 'https://teams.microsoft.com/l/meetup-join/browser-test'
      return call('POST', `/api/v1/admin/workshops/${workshopID}/sessions`, body)
    }
  }
}
