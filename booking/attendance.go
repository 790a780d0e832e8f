package booking

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// AttendanceStore is what the facilitators' side needs of the truth: who is
// booked, who came, and the numbers afterwards. The Postgres store
// implements it next to Store; it is a separate interface so that the
// booking engine's Store stays small.
type AttendanceStore interface {
	// Attendees returns the live bookings of a session (confirmed or
	// waiting for their email check), in the order they were made.
	Attendees(ctx context.Context, sessionID int64) ([]Booking, error)
	// MarkAttendance records whether the person with a live booking came
	// (nil: not yet known), after CheckAttendance allows it at now.
	MarkAttendance(ctx context.Context, reference string, attended *bool, now time.Time) (*Booking, error)
	// MarkNoShows records everyone not ticked in as not attended, once
	// CheckNoShows allows it at now; it returns how many were marked.
	MarkNoShows(ctx context.Context, sessionID int64, now time.Time) (int, error)
	// RegisterWalkIn stores the walk-in b ticked in, with the audit entry,
	// in one transaction: when tryPlace is set it takes a place as a
	// booking does (but after the start too), and when none is left, or
	// tryPlace is not set, it stores b over capacity, taking none. It
	// fills b and returns the fresh mirror of the session's in-person
	// places.
	RegisterWalkIn(ctx context.Context, b *Booking, tryPlace bool, now time.Time) (Mirror, error)
	// WorkshopAttendance counts every session of a workshop, soonest first,
	// cancelled sessions included.
	WorkshopAttendance(ctx context.Context, workshopID int64) (*Workshop, []SessionAttendance, error)
}

// Audit log actions of the facilitators' side and of personal data.
const (
	AuditBookingAttendance = "booking.attendance"
	AuditSessionNoShows    = "session.no_shows"
	AuditPersonExport      = "person.export"
	AuditPersonErase       = "person.erase"
	// SubjectPerson is the subject of exports and erasures. Its id is left
	// empty: the log must not keep the email address it was about.
	SubjectPerson = "person"
)

// AttendanceOpensBefore is how long before a session starts facilitators
// may tick people in: doors often open early, and a sheet ticked a week
// ahead would be a mistake.
const AttendanceOpensBefore = 24 * time.Hour

// CheckAttendance says whether attendance can be recorded for booking b of
// session s at now.
func CheckAttendance(b *Booking, s *Session, now time.Time) error {
	switch {
	case !b.Live():
		return Errorf(EConflict, "This booking has been cancelled, so attendance cannot be recorded for it.")
	case Anonymised(b):
		return Errorf(EConflict, "The personal data of this booking has been removed, so its attendance can no longer change.")
	case s.Status != Scheduled:
		return Errorf(EConflict, "This session was cancelled, so attendance cannot be recorded.")
	case now.Before(s.StartsAt.Add(-AttendanceOpensBefore)):
		return Errorf(EConflict, "Attendance can be recorded from 24 hours before the session starts.")
	}
	return nil
}

// CheckNoShows says whether the people not ticked in at session s can be
// marked as no-shows at now: only once it has ended, so nobody arriving
// late is marked absent.
func CheckNoShows(s *Session, now time.Time) error {
	switch {
	case s.Status != Scheduled:
		return Errorf(EConflict, "This session was cancelled, so nobody can be marked as a no-show.")
	case now.Before(s.EndsAt):
		return Errorf(EConflict, "You can mark no-shows once the session has ended.")
	}
	return nil
}

// Anonymised reports whether the retention job or an erasure has removed
// the personal data of b. A name is required to book, so only an
// anonymised booking has none.
func Anonymised(b *Booking) bool { return b.Name == "" }

// AttendanceCount is the count of one session's live bookings in one mode.
type AttendanceCount struct {
	Mode     Mode `json:"mode"`
	Booked   int  `json:"booked"`
	Attended int  `json:"attended"`
	NoShow   int  `json:"no_show"`
	// Unmarked are bookings nobody has ticked in or marked absent yet.
	Unmarked int `json:"unmarked"`
}

// Add adds the numbers of o to c.
func (c *AttendanceCount) Add(o AttendanceCount) {
	c.Booked += o.Booked
	c.Attended += o.Attended
	c.NoShow += o.NoShow
	c.Unmarked += o.Unmarked
}

// SessionAttendance is the attendance of one session, one count per mode in
// Modes order.
type SessionAttendance struct {
	Session *Session          `json:"-"`
	ByMode  []AttendanceCount `json:"by_mode"`
}

// For returns the count of mode m.
func (a *SessionAttendance) For(m Mode) AttendanceCount {
	for _, c := range a.ByMode {
		if c.Mode == m {
			return c
		}
	}
	return AttendanceCount{Mode: m}
}

// Total adds up every mode.
func (a *SessionAttendance) Total() AttendanceCount {
	var t AttendanceCount
	for _, c := range a.ByMode {
		t.Add(c)
	}
	return t
}

// CountAttendance counts bookings by mode, one entry per mode in Modes
// order; cancelled bookings are left out.
func CountAttendance(bookings []Booking) []AttendanceCount {
	out := make([]AttendanceCount, len(Modes))
	for i, m := range Modes {
		out[i].Mode = m
	}
	for i := range bookings {
		b := &bookings[i]
		if !b.Live() {
			continue
		}
		for j := range out {
			if out[j].Mode != b.Mode {
				continue
			}
			out[j].Booked++
			switch {
			case b.Attended == nil:
				out[j].Unmarked++
			case *b.Attended:
				out[j].Attended++
			default:
				out[j].NoShow++
			}
		}
	}
	return out
}

// Surname is the part of a name a sign-in sheet is sorted by: the last
// word, as people in Britain are most often filed. The name itself is
// never changed.
func Surname(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// SortBySurname sorts bookings by surname, then whole name, comparing as a
// British reader would (ignoring case and accents: "Zoë" sits with "Zoe"),
// then by reference so the order never changes between prints. Bookings
// whose personal data has been removed come last.
func SortBySurname(bookings []Booking) {
	// A Collator is not safe for concurrent use, so each sort has its own;
	// sorting on precomputed keys keeps a list of thousands fast.
	c := collate.New(language.BritishEnglish, collate.Loose)
	var buf collate.Buffer
	type keyed struct {
		surname, name []byte
		b             Booking
	}
	ks := make([]keyed, len(bookings))
	for i, b := range bookings {
		ks[i] = keyed{
			surname: bytes.Clone(c.KeyFromString(&buf, Surname(b.Name))),
			name:    bytes.Clone(c.KeyFromString(&buf, b.Name)),
			b:       b,
		}
		buf.Reset()
	}
	slices.SortFunc(ks, func(x, y keyed) int {
		if ax, ay := Anonymised(&x.b), Anonymised(&y.b); ax != ay {
			if ax {
				return 1
			}
			return -1
		}
		if n := bytes.Compare(x.surname, y.surname); n != 0 {
			return n
		}
		if n := bytes.Compare(x.name, y.name); n != 0 {
			return n
		}
		if n := strings.Compare(x.b.Name, y.b.Name); n != 0 {
			return n
		}
		return strings.Compare(x.b.Reference, y.b.Reference)
	})
	for i := range ks {
		bookings[i] = ks[i].b
	}
}

// AttendanceList is what a sign-in sheet shows: the session, its people
// sorted by surname, and the counts.
type AttendanceList struct {
	Session   *Session
	Attendees []Booking
	Counts    []AttendanceCount
}

// InMode returns the attendees taking part in mode m, in list order.
func (l *AttendanceList) InMode(m Mode) []Booking {
	var out []Booking
	for _, b := range l.Attendees {
		if b.Mode == m {
			out = append(out, b)
		}
	}
	return out
}

// Attendees returns the live bookings of a session sorted by surname, with
// names exactly as people typed them.
func (s *Service) Attendees(ctx context.Context, sessionID int64) ([]Booking, error) {
	l, err := s.AttendanceList(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return l.Attendees, nil
}

// AttendanceList reads a session with its attendees and counts.
func (s *Service) AttendanceList(ctx context.Context, sessionID int64) (*AttendanceList, error) {
	sess, err := s.Store.Session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	people, err := s.Attendance.Attendees(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	SortBySurname(people)
	return &AttendanceList{Session: sess, Attendees: people, Counts: CountAttendance(people)}, nil
}

// MarkAttendance records whether the person booked under reference came;
// nil clears a tick made by mistake.
func (s *Service) MarkAttendance(ctx context.Context, reference string, attended *bool) (*Booking, error) {
	return s.Attendance.MarkAttendance(ctx, reference, attended, s.now())
}

// MarkNoShows marks everyone not ticked in at a session that has ended as
// not attended, and returns how many that was.
func (s *Service) MarkNoShows(ctx context.Context, sessionID int64) (int, error) {
	return s.Attendance.MarkNoShows(ctx, sessionID, s.now())
}

// WorkshopAttendance counts every session of a workshop by mode.
func (s *Service) WorkshopAttendance(ctx context.Context, workshopID int64) (*Workshop, []SessionAttendance, error) {
	return s.Attendance.WorkshopAttendance(ctx, workshopID)
}
