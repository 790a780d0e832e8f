// Package ballot is the draw for ballot sessions: a pure, deterministic
// function from a seed, the applications and the places to the people who get
// a place and the order of everyone else. It knows nothing of storage or HTTP,
// so anyone with the seed and the list of applications can rerun it (the
// public page /ballots/how-the-draw-works describes it in plain English; keep
// the two in step).
//
// The draw, for each way of taking part (mode) on its own:
//
//  1. Places are shared among the areas that applied, in proportion to their
//     weights, by largest remainder: each area gets the whole part of its
//     exact share, and the places left over go one each to the areas with the
//     largest fractional parts. An area never gets more places than it has
//     applicants: such an area gets all its applicants, and the places it
//     cannot use are shared again among the other areas in the same way.
//  2. Within an area, applications are sorted by reference and shuffled
//     (Fisher–Yates) with a random stream made from the seed; the first ones
//     in that order get the area's places.
//  3. Everyone else goes on the waiting list, areas taking turns by the
//     Sainte-Laguë rule: the next waiting list position goes to the area with
//     the lowest (places and positions so far × 2 + 1) ÷ weight, its next
//     person in drawn order.
//
// Ties (equal remainders, equal turns) are broken by a random order of the
// areas, also made from the seed.
package ballot

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Application is one person's application as the draw sees it: nothing
// personal, only what the draw needs and anyone may be shown.
type Application struct {
	Reference string `json:"reference"`
	Area      string `json:"area"`
	Mode      string `json:"mode"`
}

// Input is everything the draw depends on. Weights must hold a positive
// weight for every area named by an application; Capacity holds the places
// per mode (a mode with applications and no entry has no places).
type Input struct {
	Seed         string           `json:"seed"`
	Applications []Application    `json:"applications"`
	Capacity     map[string]int   `json:"capacity"`
	Weights      map[string]int64 `json:"weights"`
}

// Result is the outcome of a draw, one entry per mode that had applications or
// places, in mode order.
type Result struct {
	Modes []ModeResult `json:"modes"`
}

// ModeResult is the draw for one mode.
type ModeResult struct {
	Mode     string `json:"mode"`
	Capacity int    `json:"capacity"`
	// Areas shows each area that applied: its weight, how many applied and
	// how many places it got, in area order.
	Areas []AreaResult `json:"areas"`
	// Winners get the places, area by area in area order, each area in drawn
	// order.
	Winners []Application `json:"winners"`
	// Waiting is everyone else, in waiting list order.
	Waiting []Application `json:"waiting"`
}

// AreaResult is one area's part in one mode's draw.
type AreaResult struct {
	Area       string `json:"area"`
	Weight     int64  `json:"weight"`
	Applicants int    `json:"applicants"`
	Places     int    `json:"places"`
}

// Draw runs the draw. It fails only on input that cannot be drawn: an area
// without a positive weight, a reference given twice, a negative capacity.
func Draw(in Input) (Result, error) {
	if err := check(in); err != nil {
		return Result{}, err
	}
	byMode := map[string][]Application{}
	for _, a := range in.Applications {
		byMode[a.Mode] = append(byMode[a.Mode], a)
	}
	modes := make([]string, 0, len(byMode)+len(in.Capacity))
	for m := range byMode {
		modes = append(modes, m)
	}
	for m := range in.Capacity {
		if _, ok := byMode[m]; !ok {
			modes = append(modes, m)
		}
	}
	slices.Sort(modes)
	var res Result
	for _, m := range modes {
		res.Modes = append(res.Modes, drawMode(in.Seed, m, in.Capacity[m], byMode[m], in.Weights))
	}
	return res, nil
}

func check(in Input) error {
	seen := make(map[string]bool, len(in.Applications))
	for _, a := range in.Applications {
		if seen[a.Reference] {
			return fmt.Errorf("ballot: reference %q given twice", a.Reference)
		}
		seen[a.Reference] = true
		if in.Weights[a.Area] <= 0 {
			return fmt.Errorf("ballot: area %q has no positive weight", a.Area)
		}
	}
	for m, c := range in.Capacity {
		if c < 0 {
			return fmt.Errorf("ballot: mode %q has a negative capacity", m)
		}
	}
	return nil
}

// area is one area's state during one mode's draw.
type area struct {
	id      string
	weight  int64
	order   []Application // drawn order
	places  int
	turns   int // places plus waiting list positions given so far
	tieRank int // position in the random order of areas
}

func drawMode(seed, mode string, capacity int, apps []Application, weights map[string]int64) ModeResult {
	byArea := map[string][]Application{}
	for _, a := range apps {
		byArea[a.Area] = append(byArea[a.Area], a)
	}
	ids := make([]string, 0, len(byArea))
	for id := range byArea {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	areas := make([]*area, len(ids))
	for i, id := range ids {
		order := byArea[id]
		slices.SortFunc(order, func(a, b Application) int { return strings.Compare(a.Reference, b.Reference) })
		shuffle(stream(seed, "area", mode, id), order)
		areas[i] = &area{id: id, weight: weights[id], order: order}
	}
	tie := slices.Clone(ids)
	shuffle(stream(seed, "areas", mode), tie)
	for rank, id := range tie {
		areas[slices.Index(ids, id)].tieRank = rank
	}

	apportion(areas, capacity)

	res := ModeResult{Mode: mode, Capacity: capacity}
	for _, a := range areas {
		res.Areas = append(res.Areas, AreaResult{Area: a.id, Weight: a.weight, Applicants: len(a.order), Places: a.places})
		res.Winners = append(res.Winners, a.order[:a.places]...)
		a.turns = a.places
	}
	res.Waiting = waitingList(areas, len(apps)-len(res.Winners))
	return res
}

// apportion shares capacity among the areas by largest remainder, capped by
// each area's applicants, the surplus shared again among the rest.
func apportion(areas []*area, capacity int) {
	total := 0
	for _, a := range areas {
		total += len(a.order)
	}
	if total <= capacity {
		for _, a := range areas {
			a.places = len(a.order)
		}
		return
	}
	open := slices.Clone(areas)
	left := int64(capacity)
	for {
		var sum int64
		for _, a := range open {
			sum += a.weight
		}
		// Exact shares are left*weight/sum; an area whose applicants fit in
		// its share takes them all, and the rest is shared again.
		capped := false
		for i := 0; i < len(open); {
			a := open[i]
			if int64(len(a.order))*sum <= left*a.weight {
				a.places = len(a.order)
				left -= int64(a.places)
				open = slices.Delete(open, i, i+1)
				capped = true
				continue
			}
			i++
		}
		if capped {
			continue
		}
		given := int64(0)
		rem := make(map[*area]int64, len(open))
		for _, a := range open {
			a.places = int(left * a.weight / sum)
			rem[a] = left * a.weight % sum
			given += int64(a.places)
		}
		// Remainders share the denominator sum, so they compare exactly.
		slices.SortFunc(open, func(a, b *area) int {
			if rem[a] != rem[b] {
				if rem[a] > rem[b] {
					return -1
				}
				return 1
			}
			return a.tieRank - b.tieRank
		})
		for i := int64(0); i < left-given; i++ {
			open[i].places++
		}
		return
	}
}

// waitingList orders everyone without a place: areas take turns by the
// Sainte-Laguë rule, lowest (2×turns+1)/weight first, ties by the random order
// of areas.
func waitingList(areas []*area, n int) []Application {
	out := make([]Application, 0, n)
	for len(out) < n {
		var next *area
		for _, a := range areas {
			if a.turns == len(a.order) {
				continue
			}
			if next == nil || before(a, next) {
				next = a
			}
		}
		out = append(out, next.order[next.turns])
		next.turns++
	}
	return out
}

// before reports whether a's turn comes before b's: (2a.turns+1)/a.weight <
// (2b.turns+1)/b.weight, compared without division.
func before(a, b *area) bool {
	l := int64(2*a.turns+1) * b.weight
	r := int64(2*b.turns+1) * a.weight
	if l != r {
		return l < r
	}
	return a.tieRank < b.tieRank
}

// stream returns the random stream for one use: ChaCha8 (as in Go's
// math/rand/v2, the C2SP chacha8rand generator) keyed by the SHA-256 of the
// seed and the labels, each followed by a zero byte.
func stream(seed string, labels ...string) *rand.ChaCha8 {
	h := sha256.New()
	h.Write([]byte(seed))
	h.Write([]byte{0})
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.NewChaCha8(key)
}

// shuffle is Fisher–Yates from the last element down, with below for the
// random index.
func shuffle[T any](r *rand.ChaCha8, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := below(r, uint64(i+1))
		s[i], s[j] = s[j], s[i]
	}
}

// below returns a uniform number in [0, n) by rejection: take the next 64-bit
// number x; if x falls in the last, incomplete run of n (x >= 2^64 - (2^64 mod
// n)), take another; answer x mod n. Spelled out rather than rand.IntN so the
// method is fixed here, not by a library version.
func below(r *rand.ChaCha8, n uint64) uint64 {
	rest := -n % n // 2^64 mod n
	for {
		x := r.Uint64()
		if rest == 0 || x < -rest {
			return x % n
		}
	}
}
