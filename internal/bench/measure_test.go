package bench

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when an operation says it took
// time: the statistics are checked exactly, and nothing is timed.
type fakeClock struct{ t atomic.Int64 }

func (c *fakeClock) now() time.Duration      { return time.Duration(c.t.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.t.Add(int64(d)) }
func (c *fakeClock) meter() *meter           { return &meter{now: c.now} }
func (c *fakeClock) op(d time.Duration) func() error {
	return func() error { c.advance(d); return nil }
}

func TestInterleaveExact(t *testing.T) {
	c := &fakeClock{}
	var order []string
	op := func() error { c.advance(3 * time.Microsecond); order = append(order, "op"); return nil }
	floor := func() error { c.advance(2 * time.Microsecond); order = append(order, "floor"); return nil }
	p, err := c.meter().interleave(op, floor, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if p.op != 3*time.Microsecond || p.floor != 2*time.Microsecond || p.ratio != 1.5 {
		t.Errorf("interleave() = op %v, floor %v, ratio %v; want 3µs, 2µs, 1.5", p.op, p.floor, p.ratio)
	}
	if p.rounds < minRounds {
		t.Errorf("interleave() took %d rounds, want at least %d", p.rounds, minRounds)
	}
	// A batch is about targetBatch long: 333 calls of 3 µs.
	if want := int(math.Round(float64(targetBatch) / float64(3*time.Microsecond))); p.rounds > 0 && countRun(order, "op") < want {
		t.Errorf("op batches of fewer than %d calls", want)
	}
	// Both orders occur: op first in even rounds, floor first in odd ones.
	if !strings.Contains(strings.Join(order, ","), "floor,op") || !strings.Contains(strings.Join(order, ","), "op,floor") {
		t.Error("the rounds do not alternate the order of op and floor")
	}
}

// countRun returns the length of the longest run of s in order.
func countRun(order []string, s string) int {
	best, n := 0, 0
	for _, o := range order {
		if o == s {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// TestInterleaveIgnoresSpikes: a preemption of a whole second in one
// round of many moves neither median nor the ratio.
func TestInterleaveIgnoresSpikes(t *testing.T) {
	c := &fakeClock{}
	calls := 0
	op := func() error {
		calls++
		d := 10 * time.Microsecond
		if calls == 5000 {
			d += time.Second
		}
		c.advance(d)
		return nil
	}
	p, err := c.meter().interleave(op, c.op(5*time.Microsecond), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if calls < 5000 {
		t.Fatalf("only %d calls: the spike was not reached", calls)
	}
	if p.op != 10*time.Microsecond || p.ratio != 2 {
		t.Errorf("interleave() with a spike = op %v, ratio %v; want 10µs, 2", p.op, p.ratio)
	}
}

func TestInterleaveErrors(t *testing.T) {
	c := &fakeClock{}
	boom := errors.New("boom")
	n := 0
	failing := func() error {
		c.advance(time.Microsecond)
		if n++; n > 100 {
			return boom
		}
		return nil
	}
	if _, err := c.meter().interleave(failing, c.op(time.Microsecond), time.Second); !errors.Is(err, boom) || strings.HasPrefix(err.Error(), "floor") {
		t.Errorf("interleave(failing op) error = %v, want boom", err)
	}
	n = 0
	if _, err := c.meter().interleave(c.op(time.Microsecond), failing, time.Second); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "floor: ") {
		t.Errorf("interleave(failing floor) error = %v, want floor: boom", err)
	}
	// A floor that takes no time cannot be a denominator.
	if _, err := c.meter().interleave(c.op(time.Microsecond), func() error { return nil }, time.Millisecond); err == nil {
		t.Error("interleave(instant floor) succeeded")
	}
}

func TestSamples(t *testing.T) {
	c := &fakeClock{}
	durations := []time.Duration{7, 3, 5, 1000, 5, 4, 6}
	i := 0
	d, n, err := c.meter().samples(func() error {
		c.advance(durations[i%len(durations)] * time.Millisecond)
		i++
		return nil
	}, 30*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// The first call warms up; the budget of 30 ms ends after the calls
	// of 3, 5 and 1000 ms plus the minimum of five rounds.
	if n < minRounds {
		t.Errorf("samples() took %d samples, want at least %d", n, minRounds)
	}
	if d != 5*time.Millisecond {
		t.Errorf("samples() = %v, want the median 5ms", d)
	}
}

func TestParallelSpeedupSerialWork(t *testing.T) {
	// With a clock that every call moves, work on all goroutines adds up
	// as if on one core: the speed-up is exactly 1.
	c := &fakeClock{}
	procs := runtime.GOMAXPROCS(0)
	s, err := c.meter().parallelSpeedup(c.op(2*time.Microsecond), c.op(time.Microsecond), 2, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if s.op != 1 || s.floor != 1 || s.rounds < minRounds {
		t.Errorf("parallelSpeedup() = %+v, want 1, 1 over at least %d rounds", s, minRounds)
	}
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS = %d after parallelSpeedup, want %d restored", got, procs)
	}
	boom := errors.New("boom")
	if _, err := c.meter().parallelSpeedup(c.op(time.Microsecond), func() error { c.advance(1); return boom }, 2, time.Millisecond); !errors.Is(err, boom) {
		t.Errorf("parallelSpeedup(failing floor) error = %v", err)
	}
}

func TestThroughput(t *testing.T) {
	c := &fakeClock{}
	rate, rounds, err := c.meter().throughput(c.op(4*time.Millisecond), 2, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rate-250) > 1e-9 || rounds < minRounds {
		t.Errorf("throughput() = %v/s over %d rounds, want 250/s over at least %d", rate, rounds, minRounds)
	}
	boom := errors.New("boom")
	if _, _, err := c.meter().throughput(func() error { return boom }, 2, time.Second); !errors.Is(err, boom) {
		t.Errorf("throughput(failing) error = %v", err)
	}
}

func TestMedian(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2}
	if got := median(d); got != 4 {
		t.Errorf("median(%v) = %v, want 4 (the upper middle)", d, got)
	}
	if d[0] != 5 {
		t.Error("median reordered its argument")
	}
	if median(nil) != 0 || !math.IsNaN(medianFloat(nil)) {
		t.Error("median of nothing is not 0 / NaN")
	}
	if got := medianFloat([]float64{3, 1, 2}); got != 2 {
		t.Errorf("medianFloat = %v, want 2", got)
	}
}
