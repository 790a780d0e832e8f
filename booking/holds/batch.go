package holds

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher sends the scripts of concurrent requests to Redis together, in one
// pipeline. What a hold costs is mostly the round trip (a write and a read on
// each side, on loopback and over a network alike), not the script, so in a
// rush a few round trips carry many holds. A lone request goes at once: a
// batch is whatever queued while the previous one was on the wire.
type batcher struct {
	rdb     redis.UniversalClient
	timeout time.Duration
	calls   chan *call
	quit    chan struct{}
	once    sync.Once
	stop    sync.Once
	wg      sync.WaitGroup
}

// call is one script run waiting for its batch.
type call struct {
	sc   *redis.Script
	keys []string
	args []any
	val  any
	err  error
	done chan struct{}
	// state is callWaiting until either the batch answers (callAnswered)
	// or the caller gives up first (callAbandoned); then undo, if set,
	// takes back what the script did for nobody.
	state atomic.Int32
	undo  func(val any)
}

const (
	callWaiting int32 = iota
	callAnswered
	callAbandoned
)

const (
	// batchWorkers is how many batches may be on the wire at once.
	batchWorkers = 4
	// maxBatch bounds one pipeline so a batch never waits long on Redis.
	maxBatch = 64
)

func newBatcher(rdb redis.UniversalClient, timeout time.Duration) *batcher {
	if timeout <= 0 {
		timeout = time.Second
	}
	return &batcher{rdb: rdb, timeout: timeout, calls: make(chan *call), quit: make(chan struct{})}
}

// run queues a script and waits for its answer or for ctx to end. When the
// caller gives up after the script was sent, undo (if not nil) is called
// with its answer once it comes, so a place kept for nobody is given back.
func (b *batcher) run(ctx context.Context, sc *redis.Script, keys []string, args []any, undo func(val any)) (any, error) {
	b.once.Do(b.start)
	c := &call{sc: sc, keys: keys, args: args, done: make(chan struct{}), undo: undo}
	select {
	case b.calls <- c:
	case <-b.quit:
		return nil, redis.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		if c.state.CompareAndSwap(callWaiting, callAbandoned) {
			return nil, ctx.Err()
		}
		<-c.done // answered just now: the answer stands
		return c.val, c.err
	}
}

func (b *batcher) start() {
	for range batchWorkers {
		b.wg.Add(1)
		go b.work()
	}
}

func (b *batcher) work() {
	defer b.wg.Done()
	batch := make([]*call, 0, maxBatch)
	for {
		select {
		case c := <-b.calls:
			batch = append(batch[:0], c)
		case <-b.quit:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case c := <-b.calls:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		b.exec(batch)
	}
}

// exec runs a batch as one pipeline of EVALSHA. A script Redis does not know
// (after a restart or SCRIPT FLUSH) is loaded and run again (reload).
func (b *batcher) exec(batch []*call) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	cmds := make([]*redis.Cmd, len(batch))
	_, _ = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range batch {
			cmds[i] = c.sc.EvalSha(ctx, p, c.keys, c.args...)
		}
		return nil
	})
	var again []int
	for i, c := range batch {
		c.val, c.err = cmds[i].Result()
		if c.err != nil && redis.HasErrorPrefix(c.err, "NOSCRIPT") {
			again = append(again, i)
		}
	}
	if len(again) > 0 {
		b.reload(ctx, batch, again)
	}
	for _, c := range batch {
		if !c.state.CompareAndSwap(callWaiting, callAnswered) && c.undo != nil && c.err == nil {
			c.undo(c.val)
		}
		close(c.done)
	}
}

// reload loads the scripts Redis did not know (a restart, SCRIPT FLUSH, a
// failover to a replica that never ran them), once each, and runs the calls
// at again once more in one pipeline: not one round trip each, which would
// outlast the batch's time in a rush.
func (b *batcher) reload(ctx context.Context, batch []*call, again []int) {
	loaded := map[*redis.Script]error{}
	for _, i := range again {
		c := batch[i]
		if _, done := loaded[c.sc]; !done {
			// On a cluster go-redis loads it on every node, so a node
			// that cannot be reached fails the load: then EVAL, below.
			loaded[c.sc] = c.sc.Load(ctx, b.rdb).Err()
		}
	}
	cmds := make([]*redis.Cmd, len(again))
	_, _ = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for j, i := range again {
			c := batch[i]
			if loaded[c.sc] == nil {
				cmds[j] = c.sc.EvalSha(ctx, p, c.keys, c.args...)
			}
		}
		return nil
	})
	for j, i := range again {
		c := batch[i]
		if loaded[c.sc] == nil {
			c.val, c.err = cmds[j].Result()
		}
		if loaded[c.sc] != nil || redis.HasErrorPrefix(c.err, "NOSCRIPT") {
			c.val, c.err = c.sc.Run(ctx, b.rdb, c.keys, c.args...).Result()
		}
	}
}

// close stops the workers; calls after it fail as if Redis were closed.
func (b *batcher) close() {
	b.stop.Do(func() { close(b.quit) })
	b.wg.Wait()
}
