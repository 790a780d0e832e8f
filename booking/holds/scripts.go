package holds

import (
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/booking"
)

// Key layout (DESIGN.md, "Hold keys"). Every key of a session carries the
// hash tag {s:<id>}, so a script touching several of them runs on one Redis
// Cluster node.
//
//	{s:42}:in_person                  hash: capacity, taken, version, closes_at
//	                                  (unix ms, 0 = cancelled), audience, since
//	{s:42}:in_person:holds            sorted set: hold nonce -> expiry (unix ms)
//	{s:42}:in_person:redeemed:<nonce> string: mirror version when redeemed
//
// "since" is when the mirror was (re)created on the holds' clock: a hold
// issued before it and missing from the set was lost with Redis data, not
// released. Every TTL is relative to the caller's now, so a Redis clock that
// disagrees with ours (or a test clock) cannot expire keys early.
func mirrorKey(session int64, mode booking.Mode) string {
	return "{s:" + strconv.FormatInt(session, 10) + "}:" + string(mode)
}

func holdsKey(session int64, mode booking.Mode) string {
	return mirrorKey(session, mode) + ":holds"
}

func redeemedKey(session int64, mode booking.Mode, member string) string {
	return mirrorKey(session, mode) + ":redeemed:" + member
}

// Script answers.
const (
	stHeld     = "held"
	stUnknown  = "unknown"
	stClosed   = "closed"
	stAudience = "audience"
	stFull     = "full"
	stOK       = "ok"
	stGone     = "gone"
	stLost     = "lost"
)

// takeScript keeps a place if active holds plus taken leave one free.
// KEYS: mirror, holds. ARGV: now, audience ("" = any), member, expires.
// Answers {status, capacity, audience}. The hash is stretched to outlive the
// hold so "since" only moves when Redis loses data.
var takeScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'capacity', 'taken', 'closes_at', 'audience')
if not m[1] then return {'unknown', 0, ''} end
local now = tonumber(ARGV[1])
local capacity = tonumber(m[1])
local audience = m[4] or ''
if now >= (tonumber(m[3]) or 0) then return {'closed', capacity, audience} end
if ARGV[2] ~= '' and ARGV[2] ~= audience then return {'audience', capacity, audience} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[2]) + (tonumber(m[2]) or 0) >= capacity then
  return {'full', capacity, audience}
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
local ttl = tonumber(ARGV[4]) - now
for _, k in ipairs(KEYS) do
  if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end
end
return {'held', capacity, audience}
`)

// redeemScript moves a hold's place from held to taken until Postgres' fresh
// count overwrites it, and notes the mirror version so unredeem can tell
// whether that overwrite has happened.
// KEYS: mirror, holds, redeemed. ARGV: now, member, issued.
var redeemScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 'unknown'
end
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not score then
  local since = tonumber(redis.call('HGET', KEYS[1], 'since')) or 0
  if tonumber(ARGV[3]) < since then return 'lost' end
  return 'gone'
end
redis.call('ZREM', KEYS[2], ARGV[2])
local left = tonumber(score) - tonumber(ARGV[1])
if left <= 0 then return 'gone' end
redis.call('HINCRBY', KEYS[1], 'taken', 1)
redis.call('SET', KEYS[3], redis.call('HGET', KEYS[1], 'version') or '0', 'PX', left)
return 'ok'
`)

// unredeemScript puts a redeemed hold back. It gives the taken place back
// only once, and only if no fresh count from Postgres has replaced the one
// redeem raised (that count never included the failed booking).
// KEYS: mirror, holds, redeemed. ARGV: now, member, expires.
var unredeemScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local ttl = tonumber(ARGV[3]) - tonumber(ARGV[1])
if ttl <= 0 then return 'gone' end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
local at = redis.call('GET', KEYS[3])
if not at then return 'held' end
redis.call('DEL', KEYS[3])
if at == redis.call('HGET', KEYS[1], 'version') and (tonumber(redis.call('HGET', KEYS[1], 'taken')) or 0) > 0 then
  redis.call('HINCRBY', KEYS[1], 'taken', -1)
end
return 'ok'
`)

// syncScript overwrites the mirror only with a newer version: transactions
// commit and report in any order, and a count must never go backwards. An
// equal version is skipped (it is the same count). Answers 1 if written.
// KEYS: mirror. ARGV: version, capacity, taken, closes_at, audience, now, ttl.
var syncScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'version')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], 'since', ARGV[6]) end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'capacity', ARGV[2], 'taken', ARGV[3],
  'closes_at', ARGV[4], 'audience', ARGV[5])
local ttl = tonumber(ARGV[7])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`)

// closesMs is a mirror's closing time as the scripts store it.
func closesMs(m booking.Mirror) int64 {
	if m.ClosesAt.IsZero() {
		return 0
	}
	return m.ClosesAt.UnixMilli()
}

// takeAnswer is takeScript's reply.
type takeAnswer struct {
	status   string
	capacity int64
	audience booking.Audience
}

func parseTake(v any) (takeAnswer, bool) {
	a, ok := v.([]any)
	if !ok || len(a) != 3 {
		return takeAnswer{}, false
	}
	st, ok1 := a[0].(string)
	capacity, ok2 := a[1].(int64)
	aud, ok3 := a[2].(string)
	return takeAnswer{st, capacity, booking.Audience(aud)}, ok1 && ok2 && ok3
}
