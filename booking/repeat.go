package booking

import (
	"context"
	"math/rand/v2"
	"time"
)

// repeat runs step now and then about every d (give or take a tenth, so
// instances started together drift apart) until ctx is cancelled. The
// background work of every instance runs this way.
func repeat(ctx context.Context, d time.Duration, step func(context.Context)) {
	for {
		step(ctx)
		t := time.NewTimer(d + time.Duration(rand.Int64N(int64(d)/5+1)) - d/10)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
