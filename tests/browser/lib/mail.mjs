// Reads the emails workshopd writes as .eml files into MAIL_DIR (no SMTP_URL):
// enough MIME to find a message by recipient and subject and take the links
// out of its plain-text part.
import fs from 'node:fs'
import path from 'node:path'

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// decodeWords undoes RFC 2047 encoded words in a header (=?UTF-8?Q?...?=).
function decodeWords (v) {
  return v.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=\s*(?==\?)?/g, (_, charset, enc, text) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1')
    return bytes.toString(/^utf-?8$/i.test(charset) ? 'utf8' : 'latin1')
  })
}

function parseHeaders (block) {
  const headers = {}
  for (const line of block.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ').split('\n')) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
  }
  return headers
}

function decodeBody (body, encoding = '') {
  switch (encoding.toLowerCase()) {
    case 'quoted-printable': {
      const raw = body.replace(/=\r?\n/g, '')
      const bytes = []
      for (let i = 0; i < raw.length; i++) {
        if (raw[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 1, i + 3))) {
          bytes.push(parseInt(raw.slice(i + 1, i + 3), 16))
          i += 2
        } else {
          bytes.push(...Buffer.from(raw[i], 'utf8'))
        }
      }
      return Buffer.from(bytes).toString('utf8')
    }
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    default:
      return body
  }
}

// parts flattens a MIME entity into its leaf parts.
function parts (raw) {
  const cut = raw.search(/\r?\n\r?\n/)
  const headers = parseHeaders(cut < 0 ? raw : raw.slice(0, cut))
  const body = cut < 0 ? '' : raw.slice(cut).replace(/^\r?\n\r?\n/, '')
  const type = headers['content-type'] || 'text/plain'
  const boundary = /boundary="?([^";]+)"?/i.exec(type)
  if (/^multipart\//i.test(type) && boundary) {
    const sep = '--' + boundary[1]
    return body.split(sep).slice(1).filter(p => !p.startsWith('--')).flatMap(p => parts(p.replace(/^\r?\n/, '')))
  }
  return [{ headers, type, text: decodeBody(body, headers['content-transfer-encoding']) }]
}

// readMessage parses one .eml file.
export function readMessage (file) {
  const raw = fs.readFileSync(file, 'utf8')
  const cut = raw.search(/\r?\n\r?\n/)
  const headers = parseHeaders(raw.slice(0, cut))
  const leaves = parts(raw)
  const text = leaves.filter(p => /^text\/plain/i.test(p.type)).map(p => p.text).join('\n')
  const html = leaves.filter(p => /^text\/html/i.test(p.type)).map(p => p.text).join('\n')
  return {
    file,
    to: decodeWords(headers.to || ''),
    subject: decodeWords(headers.subject || ''),
    text,
    html,
    links: [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) || [])]
  }
}

export function messages (dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir).filter(f => f.endsWith('.eml')).map(f => readMessage(path.join(dir, f)))
}

// waitForMessage waits, for at most timeoutMs, for an email to `to` whose
// subject matches `subject` (a RegExp), and returns it. The outbox worker
// sends straight after a change and polls every few seconds besides.
export async function waitForMessage (dir, { to, subject, timeoutMs = 20_000 }) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = messages(dir).find(m => m.to.toLowerCase().includes(to.toLowerCase()) && subject.test(m.subject))
    if (found) return found
    if (Date.now() > deadline) {
      const seen = messages(dir).map(m => `  to ${m.to}: ${m.subject}`).join('\n') || '  (none)'
      throw new Error(`no email to ${to} with a subject like ${subject} within ${timeoutMs / 1000} s; emails seen:\n${seen}`)
    }
    await sleep(200)
  }
}

// linkIn returns the first link in m's text whose path starts with prefix.
export function linkIn (m, prefix) {
  const link = m.links.find(l => new URL(l).pathname.startsWith(prefix))
  if (!link) throw new Error(`email "${m.subject}" has no link to ${prefix}...; links: ${m.links.join(', ')}`)
  return link
}
