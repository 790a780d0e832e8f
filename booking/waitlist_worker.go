package booking

import (
	"context"
	"log/slog"
	"time"
)

// waitlistBatch is how many offers or places one step of the worker looks
// at; it goes on while steps come back full.
const waitlistBatch = 100

// LapseOffers ends the offers nobody took up in time and offers each place
// to the next person waiting. It returns how many offers lapsed.
func (s *Service) LapseOffers(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		mirrors, err := s.Waitlist.LapseOffers(ctx, s.now(), waitlistBatch)
		if err != nil {
			return total, err
		}
		s.Holds.Sync(ctx, mirrors...)
		total += len(mirrors)
		if len(mirrors) > 0 {
			s.queued()
		}
		if len(mirrors) < waitlistBatch {
			break
		}
	}
	return total, ctx.Err()
}

// OfferUnheldPlaces offers to the people waiting the places Postgres has
// free: places that were only held by someone who then did not book (a
// hold that lapses in Redis is no event in Postgres, so no offer followed
// it). Each place is first taken through the holds, like anyone's, so an
// offer never takes a place someone is typing their details for; when
// Redis has lost its holds or cannot be asked, the place waits until they
// have lapsed (TakeUnheld). It returns how many offers it made.
func (s *Service) OfferUnheldPlaces(ctx context.Context) (int, error) {
	now := s.now()
	free, err := s.Waitlist.UnofferedPlaces(ctx, now, waitlistBatch)
	if err != nil {
		return 0, err
	}
	made := 0
	for _, p := range free {
		for i := 0; i < p.Left() && ctx.Err() == nil; i++ {
			h, err := s.Holds.TakeUnheld(ctx, p.SessionID, p.Mode, now)
			if err != nil {
				break // the free places are held, or the session closed
			}
			m, offered, err := s.Waitlist.OfferPlace(ctx, p.SessionID, p.Mode, now)
			if err != nil {
				s.Holds.Settle(ctx, h)
				return made, err
			}
			s.Holds.Settle(ctx, h, m)
			if !offered {
				break
			}
			made++
			s.queued()
		}
	}
	return made, nil
}

// WaitlistWorker runs the waiting list's background work: lapsing offers
// on time and offering places only held. Every instance may run one; the
// store's row locks keep them from doing the same work twice.
type WaitlistWorker struct {
	Service *Service
	// Every is how often it looks; default 30 s, with jitter so instances
	// started together drift apart.
	Every time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Run works until ctx is cancelled.
func (w *WaitlistWorker) Run(ctx context.Context) {
	every := w.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	repeat(ctx, every, w.Step)
}

// Step does one round of the work, logging failures (without personal data).
func (w *WaitlistWorker) Step(ctx context.Context) {
	log := w.Logger
	if log == nil {
		log = slog.Default()
	}
	if n, err := w.Service.LapseOffers(ctx); err != nil && ctx.Err() == nil {
		log.Error("waiting list: lapse offers", "err", err)
	} else if n > 0 {
		log.Info("waiting list: offers lapsed", "count", n)
	}
	if n, err := w.Service.OfferUnheldPlaces(ctx); err != nil && ctx.Err() == nil {
		log.Error("waiting list: offer free places", "err", err)
	} else if n > 0 {
		log.Info("waiting list: free places offered", "count", n)
	}
}
