package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/coventry/workshops/booking"
	"github.com/coventry/workshops/booking/postgres"
)

// demoWorkshop is a workshop of the One Coventry Plan consultation, with
// sessions placed relative to the day the demo is seeded.
type demoWorkshop struct {
	in       booking.WorkshopInput
	sessions []demoSession
}

type demoSession struct {
	daysAhead      int
	hour, duration int // London time, hours
	venue          booking.Venue
	link           string
	inPerson       int
	online         int
}

var (
	councilHouse = booking.Venue{Name: "Council House, Diamond Room 1", Address: "Earl Street, Coventry CV1 5RR"}
	library      = booking.Venue{Name: "Central Library, Learning Room", Address: "Smithford Way, Coventry CV1 1FY"}
	foleshill    = booking.Venue{Name: "Foleshill Community Centre", Address: "Broad Street, Coventry CV6 5BG"}
	teamsDemo    = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_demo-one-coventry-plan%40thread.v2/0"
)

var demo = []demoWorkshop{
	{
		in: booking.WorkshopInput{
			Title: "One Coventry Plan: have your say",
			Summary: "We are refreshing our plan for the decade ahead, and it is more than a council plan. " +
				"Come and hear our priorities and tell us what matters to you, your family and your neighbourhood. " +
				"Numbers are limited, so sessions take place face to face and on Microsoft Teams.",
			Audience: booking.Public,
		},
		sessions: []demoSession{
			{daysAhead: 7, hour: 10, duration: 2, venue: councilHouse, link: teamsDemo, inPerson: 30, online: 20},
			{daysAhead: 9, hour: 18, duration: 2, venue: foleshill, inPerson: 25},
			{daysAhead: 14, hour: 13, duration: 1, link: teamsDemo, online: 50},
		},
	},
	{
		in: booking.WorkshopInput{
			Title: "Local organisations and the One Coventry Plan",
			Summary: "For voluntary groups, community organisations and local businesses: how can we work together " +
				"with our partners to improve the city and people's lives?",
			Audience: booking.Public,
		},
		sessions: []demoSession{
			{daysAhead: 10, hour: 14, duration: 2, venue: library, link: teamsDemo, inPerson: 20, online: 15},
		},
	},
	{
		in: booking.WorkshopInput{
			Title: "One Coventry Plan: workforce workshop",
			Summary: "For people who work for Coventry City Council. Help shape the One Coventry approach: " +
				"the way we work together with our communities and partners.",
			Audience: booking.Workforce,
		},
		sessions: []demoSession{
			{daysAhead: 8, hour: 11, duration: 1, venue: councilHouse, link: teamsDemo, inPerson: 15, online: 40},
			{daysAhead: 15, hour: 15, duration: 1, link: teamsDemo, online: 60},
		},
	},
}

// seedDemo adds the demo workshops that are not there yet.
func seedDemo(ctx context.Context, svc *booking.Service, db *postgres.DB, now time.Time) error {
	london := booking.London
	day := now.In(london)
	for _, d := range demo {
		var exists bool
		if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workshops WHERE title = $1)`, d.in.Title).Scan(&exists); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if exists {
			continue
		}
		w, err := svc.CreateWorkshop(ctx, d.in)
		if err != nil {
			return fmt.Errorf("seed %q: %w", d.in.Title, err)
		}
		for _, s := range d.sessions {
			start := time.Date(day.Year(), day.Month(), day.Day()+s.daysAhead, s.hour, 0, 0, 0, london)
			end := start.Add(time.Duration(s.duration) * time.Hour)
			in, online := s.inPerson, s.online
			venue, link := s.venue, s.link
			p := booking.SessionPatch{StartsAt: &start, EndsAt: &end, Venue: &venue, OnlineURL: &link,
				Capacity: &booking.CapacityPatch{InPerson: &in, Online: &online}}
			if _, err := svc.CreateSession(ctx, booking.NewSession(w.ID, p)); err != nil {
				return fmt.Errorf("seed %q: %w", d.in.Title, err)
			}
		}
		slog.Info("demo workshop added", "workshop_id", w.ID, "sessions", len(d.sessions))
	}
	return nil
}
