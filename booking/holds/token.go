package holds

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/coventry/workshops/booking"
)

// A hold id is a signed token, so that it can be checked without Redis (when
// Redis is down every hold is one) and cannot be forged or edited to point at
// another session. Layout, before base64url without padding:
//
//	[0]      format version
//	[1]      flags (bit 0: stateless, bit 1: two places, for a person and
//	         their companion)
//	[2]      mode (1 in person, 2 online)
//	[3:11]   session id, big-endian
//	[11:19]  issued at, unix ms
//	[19:27]  expires at, unix ms
//	[27:43]  random nonce: the member of the Redis sorted set
//	[43:59]  HMAC-SHA256 of bytes [0:43], truncated to 16 bytes
//
// The issue time lets Redeem tell a hold that Redis lost (flush, failover)
// from one that was released: see the redeem script.
const (
	tokenVersion  = 1
	flagStateless = 1
	flagPair      = 2

	nonceLen   = 16
	macLen     = 16
	macAt      = 27 + nonceLen
	tokenLen   = macAt + macLen
	tokenChars = (tokenLen*8 + 5) / 6
)

// b64 is strict so every hold has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// macContext separates hold ids from anything else the same secret signs.
const macContext = "coventry/workshops: hold id v1"

type token struct {
	session   int64
	mode      booking.Mode
	stateless bool
	// places is 1, or 2 for a person and their companion: both are kept,
	// redeemed and released together.
	places  int
	issued  int64 // unix ms
	expires int64 // unix ms
	nonce   [nonceLen]byte
}

func newToken(session int64, mode booking.Mode, places int, now time.Time, ttl time.Duration) token {
	t := token{session: session, mode: mode, places: places, issued: now.UnixMilli()}
	t.expires = t.issued + ttl.Milliseconds()
	_, _ = rand.Read(t.nonce[:]) // never fails since Go 1.24
	return t
}

// member is the nonce as stored in the holds sorted set: hex, so that
// redis-cli shows it readably.
func (t token) member() string { return hex.EncodeToString(t.nonce[:]) }

// pairSuffix makes the member of a pair's second place: the scripts add it
// to the member of the first (pairMember in scripts.go).
const pairSuffix = "+"

func (t token) hold(id string) booking.Hold {
	return booking.Hold{
		ID: id, SessionID: t.session, Mode: t.mode,
		ExpiresAt: time.UnixMilli(t.expires), Stateless: t.stateless, Places: t.places,
	}
}

type signer struct{ key []byte }

func newSigner(secret []byte) signer {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(macContext))
	return signer{key: m.Sum(nil)}
}

func (s signer) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}

func (s signer) encode(t token) string {
	var raw [tokenLen]byte
	raw[0] = tokenVersion
	if t.stateless {
		raw[1] |= flagStateless
	}
	if t.places == 2 {
		raw[1] |= flagPair
	}
	raw[2] = modeByte(t.mode)
	binary.BigEndian.PutUint64(raw[3:11], uint64(t.session))
	binary.BigEndian.PutUint64(raw[11:19], uint64(t.issued))
	binary.BigEndian.PutUint64(raw[19:27], uint64(t.expires))
	copy(raw[27:macAt], t.nonce[:])
	copy(raw[macAt:], s.mac(raw[:macAt]))
	return b64.EncodeToString(raw[:])
}

// parse checks the signature in constant time before it trusts any field.
func (s signer) parse(id string) (token, bool) {
	if len(id) != tokenChars {
		return token{}, false
	}
	var raw [tokenLen]byte
	n, err := b64.Decode(raw[:], []byte(id))
	if err != nil || n != tokenLen || raw[0] != tokenVersion {
		return token{}, false
	}
	if !hmac.Equal(raw[macAt:], s.mac(raw[:macAt])) {
		return token{}, false
	}
	t := token{
		stateless: raw[1]&flagStateless != 0,
		places:    1,
		mode:      modeOf(raw[2]),
		session:   int64(binary.BigEndian.Uint64(raw[3:11])),
		issued:    int64(binary.BigEndian.Uint64(raw[11:19])),
		expires:   int64(binary.BigEndian.Uint64(raw[19:27])),
	}
	copy(t.nonce[:], raw[27:macAt])
	if raw[1]&flagPair != 0 {
		t.places = 2
	}
	if raw[1]&^(flagStateless|flagPair) != 0 || t.mode == "" || t.session <= 0 {
		return token{}, false
	}
	return t, true
}

func modeByte(m booking.Mode) byte {
	switch m {
	case booking.InPerson:
		return 1
	case booking.Online:
		return 2
	}
	return 0
}

func modeOf(b byte) booking.Mode {
	switch b {
	case 1:
		return booking.InPerson
	case 2:
		return booking.Online
	}
	return ""
}
