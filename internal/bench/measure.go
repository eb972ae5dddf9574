package bench

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// clock reads a monotonic time; the tests replace it with a fake one so
// that the statistics are checked exactly, without timing anything.
type clock func() time.Duration

// realClock is the monotonic clock of the process.
func realClock() clock {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// targetBatch is the time one batch of calls should take: long enough
// that the clock's resolution and the cost of reading it vanish, short
// enough that many rounds fit in a budget and a preemption spoils one
// batch rather than a whole figure.
const targetBatch = time.Millisecond

// maxBatch bounds the calls in one batch, whatever the calibration says
// (a very fast operation on a fast machine).
const maxBatch = 1 << 16

// minRounds is the fewest rounds a figure is taken from, even when one
// round overruns the budget.
const minRounds = 5

// pair is what interleaved rounds of an operation and its floor measured.
type pair struct {
	// op and floor are the medians, over the rounds, of the time per call.
	op, floor time.Duration
	// ratio is the median of the per-round ratios op/floor.
	ratio float64
	// rounds is the number of rounds.
	rounds int
}

// meter runs the measurements of one run.
type meter struct {
	now clock
}

// batchSize returns how many calls of f take about targetBatch, timing
// growing batches (which also warms f up: pools, caches, first-use
// tables).
func (m *meter) batchSize(f func() error) (int, error) {
	n := 1
	for {
		t0 := m.now()
		for range n {
			if err := f(); err != nil {
				return 0, err
			}
		}
		d := m.now() - t0
		if d >= targetBatch/4 || n >= maxBatch {
			if d <= 0 {
				return n, nil
			}
			per := float64(d) / float64(n)
			return int(min(max(math.Round(float64(targetBatch)/per), 1), maxBatch)), nil
		}
		n *= 4
	}
}

// timeBatch returns the time per call of n calls of f.
func (m *meter) timeBatch(f func() error, n int) (time.Duration, error) {
	t0 := m.now()
	for range n {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return (m.now() - t0) / time.Duration(n), nil
}

// interleave measures op against floor in rounds until budget has passed
// (at least minRounds): each round times a batch of op and a batch of
// floor, in alternating order, so that both see the same state of a
// shared, noisy machine. It returns the medians of the per-call times and
// the median of the per-round ratios: a preemption, a frequency change or
// a neighbour's burst inflates one round, which the medians ignore, and a
// slow drift moves both halves of a round alike, which the ratio cancels.
// An error of either function ends the measurement.
func (m *meter) interleave(op, floor func() error, budget time.Duration) (pair, error) {
	nOp, err := m.batchSize(op)
	if err != nil {
		return pair{}, err
	}
	nFloor, err := m.batchSize(floor)
	if err != nil {
		return pair{}, fmt.Errorf("floor: %w", err)
	}
	var ops, floors []time.Duration
	var ratios []float64
	start := m.now()
	for r := 0; r < minRounds || m.now()-start < budget; r++ {
		var to, tf time.Duration
		var errOp, errFloor error
		if r%2 == 0 {
			to, errOp = m.timeBatch(op, nOp)
			if errOp == nil {
				tf, errFloor = m.timeBatch(floor, nFloor)
			}
		} else {
			tf, errFloor = m.timeBatch(floor, nFloor)
			if errFloor == nil {
				to, errOp = m.timeBatch(op, nOp)
			}
		}
		if errOp != nil {
			return pair{}, errOp
		}
		if errFloor != nil {
			return pair{}, fmt.Errorf("floor: %w", errFloor)
		}
		ops = append(ops, to)
		floors = append(floors, tf)
		if tf > 0 {
			ratios = append(ratios, float64(to)/float64(tf))
		}
	}
	if len(ratios) == 0 {
		return pair{}, errors.New("the floor took no measurable time")
	}
	return pair{op: median(ops), floor: median(floors), ratio: medianFloat(ratios), rounds: len(ops)}, nil
}

// samples times single calls of f until budget has passed (at least
// minRounds calls after one warm-up call) and returns their median: for
// operations of milliseconds, where a batch is one call.
func (m *meter) samples(f func() error, budget time.Duration) (time.Duration, int, error) {
	if err := f(); err != nil {
		return 0, 0, err
	}
	var ts []time.Duration
	start := m.now()
	for r := 0; r < minRounds || m.now()-start < budget; r++ {
		t0 := m.now()
		if err := f(); err != nil {
			return 0, 0, err
		}
		ts = append(ts, m.now()-t0)
	}
	return median(ts), len(ts), nil
}

// speedup is what parallelSpeedup measured.
type speedup struct {
	// op and floor are the medians of the per-round speedups.
	op, floor float64
	rounds    int
}

// parallelSpeedup measures how many times more calls per second op (and
// floor, in the same rounds) makes with all procs cores than with one:
// each round times n calls on one goroutine with GOMAXPROCS=1, then procs
// goroutines of n calls each with GOMAXPROCS=procs, for op then floor
// (alternating the order of the two settings between rounds). The per-round
// speedups' medians are returned. GOMAXPROCS is restored.
func (m *meter) parallelSpeedup(op, floor func() error, procs int, budget time.Duration) (speedup, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	// Batches ten times the usual length: each spawns goroutines and
	// changes GOMAXPROCS, which stops the world.
	nOp, err := m.batchSize(op)
	if err != nil {
		return speedup{}, err
	}
	nFloor, err := m.batchSize(floor)
	if err != nil {
		return speedup{}, fmt.Errorf("floor: %w", err)
	}
	nOp, nFloor = min(nOp*10, maxBatch), min(nFloor*10, maxBatch)
	one := func(f func() error, n int) (time.Duration, error) {
		runtime.GOMAXPROCS(1)
		return m.timeBatch(f, n)
	}
	all := func(f func() error, n int) (time.Duration, error) {
		runtime.GOMAXPROCS(procs)
		t0 := m.now()
		if err := parallel(procs, func() error {
			for range n {
				if err := f(); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return 0, err
		}
		return (m.now() - t0) / time.Duration(n*procs), nil
	}
	round := func(f func() error, n int, oneFirst bool) (float64, error) {
		var t1, tn time.Duration
		var err error
		if oneFirst {
			if t1, err = one(f, n); err == nil {
				tn, err = all(f, n)
			}
		} else {
			if tn, err = all(f, n); err == nil {
				t1, err = one(f, n)
			}
		}
		if err != nil || tn <= 0 {
			return 0, err
		}
		return float64(t1) / float64(tn), nil
	}
	var ops, floors []float64
	start := m.now()
	for r := 0; r < minRounds || m.now()-start < budget; r++ {
		so, err := round(op, nOp, r%2 == 0)
		if err != nil {
			return speedup{}, err
		}
		sf, err := round(floor, nFloor, r%2 == 1)
		if err != nil {
			return speedup{}, fmt.Errorf("floor: %w", err)
		}
		if so > 0 && sf > 0 {
			ops = append(ops, so)
			floors = append(floors, sf)
		}
	}
	if len(ops) == 0 {
		return speedup{}, errors.New("no round took measurable time")
	}
	return speedup{op: medianFloat(ops), floor: medianFloat(floors), rounds: len(ops)}, nil
}

// throughput runs f on procs goroutines in rounds of about a tenth of
// budget each (at least minRounds) and returns the median, over the rounds,
// of the calls completed per second by all goroutines together.
func (m *meter) throughput(f func() error, procs int, budget time.Duration) (float64, int, error) {
	if err := f(); err != nil {
		return 0, 0, err
	}
	roundTime := budget / 10
	var rates []float64
	start := m.now()
	for r := 0; r < minRounds || m.now()-start < budget; r++ {
		var calls atomic.Int64
		t0 := m.now()
		err := parallel(procs, func() error {
			for m.now()-t0 < roundTime {
				if err := f(); err != nil {
					return err
				}
				calls.Add(1)
			}
			return nil
		})
		if err != nil {
			return 0, 0, err
		}
		if d := m.now() - t0; d > 0 {
			rates = append(rates, float64(calls.Load())/d.Seconds())
		}
	}
	if len(rates) == 0 {
		return 0, 0, errors.New("no round took measurable time")
	}
	return medianFloat(rates), len(rates), nil
}

// parallel runs f on n goroutines and returns the first error.
func parallel(n int, f func() error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// median returns the median of d (the upper one of an even count),
// without reordering d.
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// medianFloat is median for numbers.
func medianFloat(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
