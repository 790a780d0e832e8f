package booking

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coventry/workshops/booking/ballot"
)

// Ballot sessions (issue 12): instead of first come, first served, people
// apply until applications close; then an organiser runs the draw once,
// with a seed published beforehand, and the draw (booking/ballot) shares
// the places fairly across the areas of the city. Winners are booked as any
// booking is; everyone else joins the waiting list in drawn order. Until
// the draw the session takes no holds, bookings or waiting-list entries;
// after it, any places left are booked first come, first served.

// Allocation is how a session's places are given out.
type Allocation string

const (
	FirstCome Allocation = "first_come"
	Balloted  Allocation = "ballot"
)

// Valid reports whether a is a known allocation.
func (a Allocation) Valid() bool { return a == FirstCome || a == Balloted }

// IsBallot reports whether s gives its places by a ballot.
func (s *Session) IsBallot() bool { return s.Allocation == Balloted }

// AwaitsDraw reports whether s is a ballot not drawn yet: it takes
// applications (until they close) and nothing else.
func (s *Session) AwaitsDraw() bool { return s.IsBallot() && s.DrawnAt == nil }

// ApplyingAt reports whether s takes ballot applications at now.
func (s *Session) ApplyingAt(now time.Time) bool {
	return s.AwaitsDraw() && s.OpenAt(now) && s.ApplicationsCloseAt != nil && now.Before(*s.ApplicationsCloseAt)
}

// ErrAwaitsDraw refuses a hold, booking or waiting-list entry on a ballot
// session before its draw.
func ErrAwaitsDraw() error {
	return Errorf(EConflict, "Places at this session are given out by a ballot. Apply for a place instead.")
}

// Application is a person's application for a place in a ballot session.
type Application struct {
	ID        int64     `json:"-"`
	Reference string    `json:"reference"`
	SessionID int64     `json:"session_id"`
	Mode      Mode      `json:"mode"`
	Area      string    `json:"area"`
	Details   Details   `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// ApplicationInput is what a person sends to apply.
type ApplicationInput struct {
	Mode Mode   `json:"mode"`
	Area string `json:"area"`
	Details
}

// Draw is a ballot drawn: its seed, exactly what went in (references, areas,
// modes, places and weights) and what came out. Nothing in it is personal,
// so anyone may be shown it and rerun the draw.
type Draw struct {
	SessionID int64         `json:"session_id"`
	Seed      string        `json:"seed"`
	DrawnAt   time.Time     `json:"drawn_at"`
	Input     ballot.Input  `json:"inputs"`
	Result    ballot.Result `json:"result"`
}

// BallotStore keeps applications and draws.
type BallotStore interface {
	// Apply stores a: EConflict when the session is not a ballot taking
	// applications at now, EDuplicate when the address has applied already,
	// EInvalid when the session does not offer a.Mode. It fills a.ID,
	// a.Reference and a.CreatedAt.
	Apply(ctx context.Context, a *Application, now time.Time) error
	// DrawBallot runs the draw of a session once, in one transaction under
	// the session's lock: draw is given the applications and the places
	// left per mode and returns the draw; the winners are booked, with
	// their confirmations, taking the places as bookings do; everyone else
	// joins the waiting list in drawn order with an email saying so.
	// EConflict when the session is not a ballot, not closed by now, or
	// drawn already. It returns the draw and the fresh mirrors.
	DrawBallot(ctx context.Context, sessionID int64, now time.Time,
		draw func(apps []ballot.Application, places map[string]int) (ballot.Input, ballot.Result, error),
		newToken func() (string, []byte, error)) (*Draw, []Mirror, error)
	// BallotDraw reads the draw of a session: ENotFound before it.
	BallotDraw(ctx context.Context, sessionID int64) (*Draw, error)
	// ApplicationCounts counts the applications of a ballot not drawn
	// yet, by way of taking part.
	ApplicationCounts(ctx context.Context, sessionID int64) (map[Mode]int, error)
}

// ApplicationCounts counts the applications of a ballot not drawn yet, by
// way of taking part: what the organisers' draw page shows before the draw.
func (s *Service) ApplicationCounts(ctx context.Context, sessionID int64) (map[Mode]int, error) {
	return s.Ballots.ApplicationCounts(ctx, sessionID)
}

// BallotDraw returns the draw of a ballot session.
func (s *Service) BallotDraw(ctx context.Context, sessionID int64) (*Draw, error) {
	return s.Ballots.BallotDraw(ctx, sessionID)
}

// checkAllocation checks how a new session gives out its places: a ballot
// closes its applications in the future, before the session starts, and is
// for a public workshop (the staff route's email checks are not built for
// applications).
func checkAllocation(sess *Session, w *Workshop, now time.Time) error {
	if sess.Allocation == "" {
		sess.Allocation = FirstCome
	}
	f := map[string]string{}
	switch {
	case !sess.Allocation.Valid():
		f["allocation"] = "Choose first_come or ballot"
	case sess.Allocation == FirstCome && sess.ApplicationsCloseAt != nil:
		f["applications_close_at"] = "Only a ballot takes applications: leave this out, or set allocation to ballot"
	case sess.Allocation == FirstCome:
	case w.Audience != Public:
		f["allocation"] = "Ballots are for public workshops only"
	case sess.ApplicationsCloseAt == nil:
		f["applications_close_at"] = "Enter when applications close"
	case !sess.ApplicationsCloseAt.After(now):
		f["applications_close_at"] = "Applications must close in the future"
	case !sess.ApplicationsCloseAt.Before(sess.StartsAt):
		f["applications_close_at"] = "Applications must close before the session starts"
	}
	if len(f) > 0 {
		return FieldErrors(f)
	}
	return nil
}

// Apply takes an application for a place in a ballot session.
func (s *Service) Apply(ctx context.Context, sessionID int64, in ApplicationInput) (*Application, error) {
	in.Normalize()
	// One person per application: a companion comes with a booking only.
	err := withModeError(checkPlaces(in.Validate(), 1, &in.Details, companionOneOnly), in.Mode)
	fields := ErrorFields(err)
	if fields == nil {
		fields = map[string]string{}
	}
	checkArea(fields, "area", in.Area, true)
	if len(fields) > 0 {
		return nil, FieldErrors(fields)
	}
	a := &Application{SessionID: sessionID, Mode: in.Mode, Area: in.Area, Details: in.Details}
	if err := s.Ballots.Apply(ctx, a, s.now()); err != nil {
		return nil, err
	}
	return a, nil
}

// Draw runs the draw of a ballot session with seed, the value the organiser
// published beforehand.
func (s *Service) Draw(ctx context.Context, sessionID int64, seed string) (*Draw, error) {
	seed = strings.TrimSpace(seed)
	f := map[string]string{}
	checkLine(f, "seed", "the seed", seed, maxSeed, true)
	if len(f) > 0 {
		return nil, FieldErrors(f)
	}
	weights := s.AreaWeights
	if weights == nil {
		weights = EqualAreaWeights()
	}
	// A draw books and queues for every application in one transaction:
	// longer than a request may take, and all or nothing, so once started
	// it finishes even if the organiser's browser gives up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drawTimeout)
	defer cancel()
	d, mirrors, err := s.Ballots.DrawBallot(ctx, sessionID, s.now(),
		func(apps []ballot.Application, places map[string]int) (ballot.Input, ballot.Result, error) {
			in := ballot.Input{Seed: seed, Applications: apps, Capacity: places, Weights: map[string]int64{}}
			// Only the weights of the areas that applied: what the draw used.
			for _, a := range apps {
				in.Weights[a.Area] = weights[a.Area]
			}
			res, err := ballot.Draw(in)
			return in, res, err
		}, NewToken)
	if err != nil {
		return nil, err
	}
	s.Holds.Sync(ctx, mirrors...)
	s.queued()
	return d, nil
}

// drawTimeout bounds a draw, past the request timeout (Draw).
const drawTimeout = 5 * time.Minute

// maxSeed bounds the seed: a published number or a short sentence.
const maxSeed = 200

// AreaWeights are the population weights of the areas for the draw
// (AREA_WEIGHTS): the draw shares places across the areas that applied in
// proportion to them.
type AreaWeights map[string]int64

// maxAreaWeight bounds a weight so the draw's arithmetic stays exact in 64
// bits: a ward's population is well under it.
const maxAreaWeight = 1_000_000_000

// EqualAreaWeights gives every area the same weight: the default.
func EqualAreaWeights() AreaWeights {
	w := AreaWeights{}
	for _, a := range areas {
		w[a.ID] = 1
	}
	return w
}

// ParseAreaWeights reads AREA_WEIGHTS: "id=weight" pairs separated by commas,
// one for every ward (GET /api/v1/areas lists the ids), whole numbers from 1
// to 1,000,000,000, such as each ward's population. "Outside Coventry" and
// "Prefer not to say" may be given too; otherwise each weighs as much as
// the average ward, so neither is crowded out nor counts for more than a
// ward. Empty is EqualAreaWeights.
func ParseAreaWeights(s string) (AreaWeights, error) {
	if strings.TrimSpace(s) == "" {
		return EqualAreaWeights(), nil
	}
	w := AreaWeights{}
	for _, pair := range strings.Split(s, ",") {
		id, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return nil, fmt.Errorf("%q is not id=weight", pair)
		}
		id = strings.TrimSpace(id)
		if _, known := areaByID[id]; !known {
			return nil, fmt.Errorf("%q is not an area (GET /api/v1/areas lists them)", id)
		}
		if _, twice := w[id]; twice {
			return nil, fmt.Errorf("%q is given twice", id)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1 || n > maxAreaWeight {
			return nil, fmt.Errorf("the weight of %q must be a whole number from 1 to %d", id, maxAreaWeight)
		}
		w[id] = n
	}
	var sum, wards int64
	var missing []string
	for _, a := range areas {
		if !a.Ward {
			continue
		}
		if n, ok := w[a.ID]; ok {
			sum += n
			wards++
		} else {
			missing = append(missing, a.ID)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no weight for %s", strings.Join(missing, ", "))
	}
	for _, a := range areas {
		if _, ok := w[a.ID]; !ok {
			w[a.ID] = max(1, (sum+wards/2)/wards)
		}
	}
	return w, nil
}
