package verifier

import (
	"fmt"
	"testing"
	"time"
)

// TestLimiterBounded: the limiter never tracks more clients than its
// bound; quiet clients are dropped to make room, and when none is quiet
// new clients share one bucket, which is limited too.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(1, 2, 3, func() time.Time { return now })
	for i := range 3 {
		if !l.allow(fmt.Sprint(i)) {
			t.Fatalf("client %d refused on its first request", i)
		}
	}
	// Full, nobody quiet: clients 3 and 4 share the overflow bucket (2).
	got := []bool{l.allow("3"), l.allow("4"), l.allow("3")}
	if fmt.Sprint(got) != "[true true false]" {
		t.Errorf("overflow: %v, want [true true false]", got)
	}
	if n := l.len(); n != 3 {
		t.Errorf("tracking %d clients, want 3", n)
	}
	// After a quiet spell the old buckets are full again and are dropped.
	now = now.Add(10 * time.Second)
	if !l.allow("5") {
		t.Error("new client refused after the others went quiet")
	}
	if n := l.len(); n != 1 {
		t.Errorf("tracking %d clients after the sweep, want 1", n)
	}
	// Refill: one token per second up to the burst.
	l2 := newLimiter(1, 2, 10, func() time.Time { return now })
	seq := []bool{l2.allow("a"), l2.allow("a"), l2.allow("a")}
	now = now.Add(time.Second)
	seq = append(seq, l2.allow("a"), l2.allow("a"))
	if fmt.Sprint(seq) != "[true true false true false]" {
		t.Errorf("refill: %v", seq)
	}
}

func TestRoundAge(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{47 * time.Minute, "47m"}, {49 * time.Hour, "2d1h0m"}, {90 * time.Minute, "1h30m"}, {0, "0m"}} {
		if got := roundAge(tc.d); got != tc.want {
			t.Errorf("roundAge(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
