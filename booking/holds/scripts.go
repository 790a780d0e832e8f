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
//	{s:42}:in_person          hash: capacity, taken, version, closes_at
//	                          (unix ms, 0 = cancelled), audience, since
//	{s:42}:in_person:holds    sorted set: hold nonce -> expiry (unix ms)
//	{s:42}:in_person:pending  sorted set: nonce of a hold being confirmed in
//	                          Postgres right now -> end of its lease (unix ms)
//
// A hold of two places (a person and their companion or carer, booking/
// companion.go) is two members of the same set, the nonce and the nonce
// with "+" after it, with the same score: ZCARD counts both, and every
// script adds, moves and removes both or neither. Confirmed, they are two
// bookings rows, so "taken" (Postgres' booked + offered) counts both too.
//
// A place is free when capacity > taken + holds + pending. A hold moves to
// pending when it is redeemed and leaves it when Postgres' fresh count (which
// includes the booking) is written with settle, in one script: so a booking
// in flight is counted once or, for a moment, twice; never not at all.
//
// "since" is when the mirror was (re)created on the holds' clock: a hold
// issued before it and missing from the set was lost with Redis data, not
// released. Every TTL is relative to the caller's now, so a Redis clock that
// disagrees with ours (or a test clock) cannot expire keys early.
//
// A key prefix (WithKeyPrefix) goes before the hash tag, so services or test
// runs sharing one Redis keep apart and the tag still decides the slot.
func (s *Store) mirrorKey(session int64, mode booking.Mode) string {
	return s.prefix + "{s:" + strconv.FormatInt(session, 10) + "}:" + string(mode)
}

func (s *Store) holdsKey(session int64, mode booking.Mode) string {
	return s.mirrorKey(session, mode) + ":holds"
}

func (s *Store) pendingKey(session int64, mode booking.Mode) string {
	return s.mirrorKey(session, mode) + ":pending"
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
	stRecent   = "recent"
)

// takeScript keeps a place if holds, pending confirmations and taken leave
// one free. It files the place under holds (a person typing) or straight
// under pending (a one-call booking about to be confirmed; "unheld", an
// offer to the waiting list, also waits until holds lost with Redis data
// before "since" have lapsed, answering "recent" until then).
// A hold of two places (a person and their companion) is two members, the
// second the first's with pairSuffix, filed and counted together: both
// places or neither.
// KEYS: mirror, holds, pending. ARGV: now, audience ("" = any), member,
// expires, "holds", "pending" or "unheld", lease end, hold time, places.
// Answers {status, capacity, audience}. The keys are stretched to outlive the
// hold so "since" only moves when Redis loses data.
var takeScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'capacity', 'taken', 'closes_at', 'audience', 'since')
if not m[1] then return {'unknown', 0, ''} end
local now = tonumber(ARGV[1])
local capacity = tonumber(m[1])
local audience = m[4] or ''
if now >= (tonumber(m[3]) or 0) then return {'closed', capacity, audience} end
if ARGV[2] ~= '' and ARGV[2] ~= audience then return {'audience', capacity, audience} end
if ARGV[5] == 'unheld' and now < (tonumber(m[5]) or 0) + tonumber(ARGV[7]) then return {'recent', capacity, audience} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
local places = tonumber(ARGV[8]) or 1
if redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) + (tonumber(m[2]) or 0) + places > capacity then
  -- When the first hold or lease lapses, a place may free by itself.
  local soonest = 0
  for i = 2, 3 do
    local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    if first[2] and (soonest == 0 or tonumber(first[2]) < soonest) then soonest = tonumber(first[2]) end
  end
  return {'full', capacity, audience, soonest}
end
local till = tonumber(ARGV[4])
local set = KEYS[2]
if ARGV[5] ~= 'holds' then
  till = tonumber(ARGV[6])
  set = KEYS[3]
end
redis.call('ZADD', set, till, ARGV[3])
if places == 2 then redis.call('ZADD', set, till, ARGV[3] .. '+') end
local ttl = till - now
for _, k in ipairs(KEYS) do
  if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end
end
return {'held', capacity, audience}
`)

// redeemScript moves a hold from held to pending while Postgres confirms it.
// A hold it does not know that was issued before the mirror was made may
// have been lost with Redis data: "lost" (or "unknown" with no mirror),
// and the single-use record in Postgres decides.
// Both members of a pair move together.
// KEYS: mirror, holds, pending. ARGV: now, member, issued, lease end, places.
var redeemScript = redis.NewScript(`
local pair = ARGV[2] .. '+'
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[2], pair)
  return 'unknown'
end
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
local answer = 'ok'
if not score then
  if redis.call('ZSCORE', KEYS[3], ARGV[2]) then return 'gone' end
  local since = tonumber(redis.call('HGET', KEYS[1], 'since')) or 0
  if tonumber(ARGV[3]) >= since then return 'gone' end
  answer = 'lost'
else
  redis.call('ZREM', KEYS[2], ARGV[2], pair)
  if tonumber(score) <= tonumber(ARGV[1]) then return 'gone' end
end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
if ARGV[5] == '2' then redis.call('ZADD', KEYS[3], ARGV[4], pair) end
local ttl = tonumber(ARGV[4]) - tonumber(ARGV[1])
if redis.call('PTTL', KEYS[3]) < ttl then redis.call('PEXPIRE', KEYS[3], ttl) end
return answer
`)

// unredeemScript puts a hold whose confirmation failed back among the holds.
// KEYS: mirror, holds, pending. ARGV: now, member, expires, places.
var unredeemScript = redis.NewScript(`
local pair = ARGV[2] .. '+'
redis.call('ZREM', KEYS[3], ARGV[2], pair)
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local ttl = tonumber(ARGV[3]) - tonumber(ARGV[1])
if ttl <= 0 then return 'gone' end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
if ARGV[4] == '2' then redis.call('ZADD', KEYS[2], ARGV[3], pair) end
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 'ok'
`)

// syncBody overwrites the mirror only with a newer version: transactions
// commit and report in any order, and a count must never go backwards. An
// equal version is skipped (it is the same count). Answers 1 if written.
// ARGV from first: version, capacity, taken, closes_at, audience, now, ttl.
const syncBody = `
local cur = redis.call('HGET', KEYS[1], 'version')
if cur and tonumber(cur) >= tonumber(ARGV[first]) then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], 'since', ARGV[first+5]) end
redis.call('HSET', KEYS[1], 'version', ARGV[first], 'capacity', ARGV[first+1], 'taken', ARGV[first+2],
  'closes_at', ARGV[first+3], 'audience', ARGV[first+4])
local ttl = tonumber(ARGV[first+6])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`

// syncScript writes fresh counts. KEYS: mirror. ARGV: see syncBody.
var syncScript = redis.NewScript("local first = 1\n" + syncBody)

// settleScript ends a confirmation: the booking leaves pending and the count
// that includes it is written, in one step.
// A pair's second member goes with the first (a single hold has none).
// KEYS: mirror, pending. ARGV: member, then as syncBody.
var settleScript = redis.NewScript("redis.call('ZREM', KEYS[2], ARGV[1], ARGV[1] .. '+')\nlocal first = 2\n" + syncBody)

// pairMember is the member of a pair's second place, as the scripts spell
// it; a single hold's is never in a set (nonces are hex).
func pairMember(member string) string { return member + pairSuffix }

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
	// soonest is when the first hold of a full session lapses (unix ms;
	// 0 when none is held: only a change in Postgres frees a place).
	soonest int64
}

func parseTake(v any) (takeAnswer, bool) {
	a, ok := v.([]any)
	if !ok || (len(a) != 3 && len(a) != 4) {
		return takeAnswer{}, false
	}
	st, ok1 := a[0].(string)
	capacity, ok2 := a[1].(int64)
	aud, ok3 := a[2].(string)
	var soonest int64
	if len(a) == 4 {
		soonest, _ = a[3].(int64)
	}
	return takeAnswer{st, capacity, booking.Audience(aud), soonest}, ok1 && ok2 && ok3
}
