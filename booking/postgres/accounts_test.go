package postgres_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coventry/workshops/booking"
)

func auditLog(t *testing.T, svc *booking.Service, f booking.AuditFilter) []*booking.AuditEntry {
	t.Helper()
	entries, err := svc.AuditEntries(asAdmin(), f)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func asOrganiser(o *booking.Organiser) context.Context {
	return booking.WithActor(context.Background(), booking.Actor{Kind: booking.ActorOrganiser, Organiser: o})
}

func TestOrganiserAccounts(t *testing.T) {
	svc, _, _ := accountsService(t)
	ctx := asAdmin()

	if _, err := svc.CreateOrganiser(context.Background(), booking.OrganiserInput{Email: "a@coventry.gov.uk", Name: "A", Role: booking.RoleAdmin}); booking.ErrorCode(err) != booking.EUnauthorized {
		t.Errorf("nobody acting: %v, want unauthorized", err)
	}
	admin := addOrganiser(t, svc, "Admin@Coventry.gov.uk", booking.RoleAdmin)
	fac := addOrganiser(t, svc, "fac@coventry.gov.uk", booking.RoleFacilitator)

	_, err := svc.CreateOrganiser(asOrganiser(fac), booking.OrganiserInput{Email: "x@coventry.gov.uk", Name: "X", Role: booking.RoleAdmin})
	wantCode(t, err, booking.EForbidden)
	_, err = svc.CreateOrganiser(asOrganiser(admin), booking.OrganiserInput{Email: "admin@COVENTRY.GOV.UK", Name: "Again", Role: booking.RoleAdmin})
	wantCode(t, err, booking.EDuplicate)
	_, err = svc.CreateOrganiser(ctx, booking.OrganiserInput{Email: "bad\n@x.org", Name: "", Role: "owner"})
	wantCode(t, err, booking.EInvalid)
	if f := booking.ErrorFields(err); f["email"] == "" || f["name"] == "" || f["role"] == "" {
		t.Errorf("fields = %v, want email, name and role named", f)
	}

	// The last active admin can neither be demoted nor disabled.
	_, err = svc.UpdateOrganiser(ctx, admin.ID, booking.OrganiserPatch{Role: ptr(booking.RoleFacilitator)})
	wantCode(t, err, booking.EConflict)
	_, err = svc.UpdateOrganiser(ctx, admin.ID, booking.OrganiserPatch{Disabled: ptr(true)})
	wantCode(t, err, booking.EConflict)
	if _, err := svc.UpdateOrganiser(ctx, fac.ID, booking.OrganiserPatch{Role: ptr(booking.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	got, err := svc.UpdateOrganiser(asOrganiser(admin), admin.ID, booking.OrganiserPatch{Disabled: ptr(true), Name: ptr(" Former admin ")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Active() || got.Name != "Former admin" {
		t.Errorf("after disabling: %+v", got)
	}

	// Every change is in the log, with who made it and the account before and after.
	entries := auditLog(t, svc, booking.AuditFilter{SubjectType: booking.SubjectOrganiser})
	if len(entries) != 4 {
		t.Fatalf("%d entries, want 4 (two creations, one promotion, one disabling)", len(entries))
	}
	last := entries[0]
	if last.Action != booking.AuditOrganiserUpdate || last.Actor != booking.ActorOrganiser || last.OrganiserID != admin.ID ||
		last.OrganiserEmail != admin.Email || last.SubjectID != strconv.FormatInt(admin.ID, 10) {
		t.Errorf("last entry = %+v", last)
	}
	var before, after booking.OrganiserSnapshot
	mustUnmarshal(t, last.Before, &before)
	mustUnmarshal(t, last.After, &after)
	if before.Disabled || !after.Disabled || before.Name != admin.Name || after.Name != "Former admin" {
		t.Errorf("before %+v after %+v", before, after)
	}
	if first := entries[3]; first.Action != booking.AuditOrganiserCreate || first.Before != nil || first.Actor != booking.ActorAPIToken {
		t.Errorf("first entry = %+v", first)
	}
}

func mustUnmarshal(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
}

func TestEnsureAdminIsSafeToRepeat(t *testing.T) {
	svc, db, _ := accountsService(t)
	o, outcome, err := svc.EnsureAdmin(context.Background(), "first.admin@coventry.gov.uk", "")
	if err != nil || outcome != booking.AdminCreated || o.Role != booking.RoleAdmin {
		t.Fatalf("first run: %v %v %+v", outcome, err, o)
	}
	again, outcome, err := svc.EnsureAdmin(context.Background(), "FIRST.admin@coventry.gov.uk", "")
	if err != nil || outcome != booking.AdminUnchanged || again.ID != o.ID {
		t.Fatalf("second run: %v %v %+v", outcome, err, again)
	}
	fac := addOrganiser(t, svc, "fac@coventry.gov.uk", booking.RoleFacilitator)
	promoted, outcome, err := svc.EnsureAdmin(context.Background(), fac.Email, "")
	if err != nil || outcome != booking.AdminPromoted || promoted.Role != booking.RoleAdmin {
		t.Fatalf("promotion: %v %v %+v", outcome, err, promoted)
	}
	// Many at once still make one account.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, _, err := svc.EnsureAdmin(context.Background(), "racing@coventry.gov.uk", "Racing"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM organisers WHERE lower(email) = 'racing@coventry.gov.uk'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d accounts (%v), want 1", n, err)
	}
	entries := auditLog(t, svc, booking.AuditFilter{})
	cli := 0
	for _, e := range entries {
		if e.Actor == booking.ActorCommandLine {
			cli++
		}
	}
	if cli != 3 { // first admin, the promotion, racing; the unchanged runs write nothing
		t.Errorf("%d command-line entries, want 3", cli)
	}
	_, _, err = svc.EnsureAdmin(context.Background(), "not-an-address", "")
	wantCode(t, err, booking.EInvalid)
}

func TestFacilitatorsAndAuthorizeSession(t *testing.T) {
	svc, db, _ := accountsService(t)
	w := addWorkshop(t, db, booking.Public)
	mine := addSession(t, db, w.ID, 48*time.Hour, 10, 10)
	theirs := addSession(t, db, w.ID, 72*time.Hour, 10, 10)
	admin := addOrganiser(t, svc, "admin@coventry.gov.uk", booking.RoleAdmin)
	fac := addOrganiser(t, svc, "fac@coventry.gov.uk", booking.RoleFacilitator)

	_, err := svc.AssignFacilitator(asOrganiser(fac), mine.ID, fac.ID)
	wantCode(t, err, booking.EForbidden)
	added, err := svc.AssignFacilitator(asOrganiser(admin), mine.ID, fac.ID)
	if err != nil || !added {
		t.Fatalf("assign: %v %v", added, err)
	}
	if added, err := svc.AssignFacilitator(asAdmin(), mine.ID, fac.ID); err != nil || added {
		t.Fatalf("assign twice: %v %v", added, err)
	}
	_, err = svc.AssignFacilitator(asAdmin(), 999999, fac.ID)
	wantCode(t, err, booking.ENotFound)
	_, err = svc.AssignFacilitator(asAdmin(), mine.ID, 999999)
	wantCode(t, err, booking.EInvalid)

	facActor := booking.Actor{Kind: booking.ActorOrganiser, Organiser: fac}
	if err := svc.AuthorizeSession(context.Background(), facActor, mine.ID); err != nil {
		t.Errorf("facilitator on their session: %v", err)
	}
	wantCode(t, svc.AuthorizeSession(context.Background(), facActor, theirs.ID), booking.EForbidden)
	wantCode(t, svc.AuthorizeSession(context.Background(), booking.Actor{}, mine.ID), booking.EUnauthorized)
	adminActor := booking.Actor{Kind: booking.ActorOrganiser, Organiser: admin}
	if err := svc.AuthorizeSession(context.Background(), adminActor, theirs.ID); err != nil {
		t.Errorf("admin: %v", err)
	}
	ids, err := db.FacilitatedSessions(context.Background(), fac.ID)
	if err != nil || len(ids) != 1 || ids[0] != mine.ID {
		t.Errorf("facilitated sessions = %v, %v", ids, err)
	}
	list, err := svc.Facilitators(context.Background(), mine.ID)
	if err != nil || len(list) != 1 || list[0].ID != fac.ID {
		t.Errorf("facilitators = %v, %v", list, err)
	}

	if removed, err := svc.UnassignFacilitator(asAdmin(), mine.ID, fac.ID); err != nil || !removed {
		t.Fatalf("unassign: %v %v", removed, err)
	}
	wantCode(t, svc.AuthorizeSession(context.Background(), facActor, mine.ID), booking.EForbidden)

	entries := auditLog(t, svc, booking.AuditFilter{SubjectType: booking.SubjectSession, SubjectID: strconv.FormatInt(mine.ID, 10)})
	if len(entries) != 2 || entries[0].Action != booking.AuditFacilitatorUnassign || entries[1].Action != booking.AuditFacilitatorAssign ||
		entries[1].OrganiserID != admin.ID {
		t.Fatalf("entries = %+v", entries)
	}
}

func TestAuditedSessionChanges(t *testing.T) {
	svc, db, clock := accountsService(t)
	admin := addOrganiser(t, svc, "admin@coventry.gov.uk", booking.RoleAdmin)
	ctx := asOrganiser(admin)

	w := &booking.Workshop{Title: "One Coventry Plan", Audience: booking.Public}
	if err := db.CreateWorkshop(ctx, w, clock.Now()); err != nil {
		t.Fatal(err)
	}
	s := &booking.Session{WorkshopID: w.ID, StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour),
		Venue: booking.Venue{Name: "Council House"}, Places: []booking.Places{{Mode: booking.InPerson, Capacity: 30}}}
	if err := db.CreateSession(ctx, s, clock.Now()); err != nil {
		t.Fatal(err)
	}
	change := func(n int) func(*booking.Session) (booking.Notice, error) {
		return func(s *booking.Session) (booking.Notice, error) {
			s.Places[0].Capacity = n
			return booking.Notice{}, nil
		}
	}
	clock.Advance(time.Hour)
	if _, err := db.UpdateSession(ctx, s.ID, clock.Now(), change(40)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateSession(ctx, s.ID, clock.Now(), change(40)); err != nil { // changes nothing
		t.Fatal(err)
	}
	if _, err := db.UpdateSession(context.Background(), s.ID, clock.Now(), change(41)); err != nil { // nobody acting
		t.Fatal(err)
	}
	if _, err := db.UpdateSession(ctx, s.ID, clock.Now(), func(s *booking.Session) (booking.Notice, error) {
		s.Status, s.CancelReason = booking.Cancelled, "Room unavailable"
		return booking.Notice{}, nil
	}); err != nil {
		t.Fatal(err)
	}

	entries := auditLog(t, svc, booking.AuditFilter{SubjectType: booking.SubjectSession})
	if len(entries) != 3 {
		t.Fatalf("%d session entries, want 3 (create, update, cancel): %+v", len(entries), entries)
	}
	cancel, update, create := entries[0], entries[1], entries[2]
	if create.Action != booking.AuditSessionCreate || create.Before != nil {
		t.Errorf("create = %+v", create)
	}
	if update.Action != booking.AuditSessionUpdate || !update.At.Equal(clock.Now()) || update.OrganiserID != admin.ID {
		t.Errorf("update = %+v", update)
	}
	var before, after booking.SessionSnapshot
	mustUnmarshal(t, update.Before, &before)
	mustUnmarshal(t, update.After, &after)
	if before.Capacity[booking.InPerson] != 30 || after.Capacity[booking.InPerson] != 40 {
		t.Errorf("capacity before %v after %v, want 30 then 40", before.Capacity, after.Capacity)
	}
	mustUnmarshal(t, cancel.Before, &before)
	mustUnmarshal(t, cancel.After, &after)
	if cancel.Action != booking.AuditSessionCancel || before.Capacity[booking.InPerson] != 41 ||
		before.Status != booking.Scheduled || after.Status != booking.Cancelled || after.CancelReason != "Room unavailable" {
		t.Errorf("cancel = %+v, before %+v after %+v", cancel, before, after)
	}
	if ws := auditLog(t, svc, booking.AuditFilter{SubjectType: booking.SubjectWorkshop}); len(ws) != 1 || ws[0].Action != booking.AuditWorkshopCreate {
		t.Errorf("workshop entries = %+v", ws)
	}
	// Only admins read the log, a page at a time.
	_, err := svc.AuditEntries(asOrganiser(&booking.Organiser{ID: 99, Role: booking.RoleFacilitator}), booking.AuditFilter{})
	wantCode(t, err, booking.EForbidden)
	page := auditLog(t, svc, booking.AuditFilter{Limit: 2})
	older := auditLog(t, svc, booking.AuditFilter{Limit: 2, BeforeID: page[1].ID})
	if len(page) != 2 || len(older) != 2 || older[0].ID >= page[1].ID {
		t.Errorf("pages %v then %v", page, older)
	}
	_, err = svc.AuditEntries(asAdmin(), booking.AuditFilter{Limit: 501})
	wantCode(t, err, booking.EInvalid)
}

// An audit entry is written in the transaction of its change: when the
// entry cannot be written, the change does not happen either.
func TestAuditEntryAndChangeCommitTogether(t *testing.T) {
	_, db, clock := accountsService(t)
	// An organiser the log does not know: the entry is refused.
	ctx := booking.WithActor(context.Background(), booking.Actor{Kind: booking.ActorOrganiser, Organiser: &booking.Organiser{ID: 999999}})

	if err := db.CreateWorkshop(ctx, &booking.Workshop{Title: "Refused", Audience: booking.Public}, clock.Now()); err == nil {
		t.Fatal("a workshop was created without its audit entry")
	}
	w := addWorkshop(t, db, booking.Public)
	s := addSession(t, db, w.ID, 48*time.Hour, 30, 0)
	if _, err := db.UpdateSession(ctx, s.ID, clock.Now(), func(s *booking.Session) (booking.Notice, error) {
		s.Places[0].Capacity = 40
		return booking.Notice{}, nil
	}); err == nil {
		t.Fatal("a session was changed without its audit entry")
	}
	b := newBooking(s.ID, booking.InPerson, "ada@example.org")
	if _, err := db.ConfirmBooking(ctx, b, "", clock.Now()); err == nil {
		t.Fatal("a booking was made in an organiser's name without its audit entry")
	}
	var workshops, capacity, bookings int
	if err := db.Pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM workshops), (SELECT capacity FROM session_capacity WHERE session_id = $1 AND mode = 'in_person'),
			(SELECT count(*) FROM bookings)`, s.ID).Scan(&workshops, &capacity, &bookings); err != nil {
		t.Fatal(err)
	}
	if workshops != 1 || capacity != 30 || bookings != 0 {
		t.Errorf("workshops %d, capacity %d, bookings %d: a change stood without its audit entry", workshops, capacity, bookings)
	}
}
