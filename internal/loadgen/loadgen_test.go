package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestRun runs a very short load: every answer is checked by the client,
// so the test asserts that the service verified every request and that the
// report is complete, not how fast it was.
func TestRun(t *testing.T) {
	rep, err := Run(context.Background(), Options{Duration: 400 * time.Millisecond, Connections: 2, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rounds != 1 || rep.Requests == 0 || rep.LibraryRate <= 0 || rep.Sustained <= 0 || rep.Ratio <= 0 || rep.P99 < rep.P50 || rep.P50 <= 0 {
		t.Errorf("report %+v", rep)
	}
	if s := rep.String(); !strings.Contains(s, "ratio") || !strings.Contains(s, "p99") {
		t.Errorf("String() = %q", s)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	if got := percentile(d, 0.99); got != 99 {
		t.Errorf("p99 = %d, want 99", got)
	}
	if got := percentile(d, 0.5); got != 50 {
		t.Errorf("p50 = %d, want 50", got)
	}
	if got := median([]float64{3, 1, 2, 10}); got != 2.5 {
		t.Errorf("median = %v", got)
	}
}
