package loadgen

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain makes the test binary the client process of
// TestRunClientProcess when ITHC_LOADGEN_CLIENT is set.
func TestMain(m *testing.M) {
	if os.Getenv("ITHC_LOADGEN_CLIENT") == "1" {
		if err := ServeClient(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRun runs a very short load: every answer is checked by the client,
// so the test asserts that the service verified every request and that the
// report is complete, not how fast it was.
func TestRun(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
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
	if rep.ClientProcess || rep.Procs != 2*rep.Cores || runtime.GOMAXPROCS(0) != procs {
		t.Errorf("in-process run: client process %v, procs %d for %d cores, GOMAXPROCS after %d (before %d)",
			rep.ClientProcess, rep.Procs, rep.Cores, runtime.GOMAXPROCS(0), procs)
	}
}

// TestRunClientProcess runs the client in a process of its own (this test
// binary, see TestMain): every answer is still checked there, and its CPU
// time is counted.
func TestRunClientProcess(t *testing.T) {
	rep, err := Run(context.Background(), Options{Duration: 400 * time.Millisecond, Connections: 2, Pipeline: 4, Logf: t.Logf,
		Client: func() *exec.Cmd {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "ITHC_LOADGEN_CLIENT=1")
			cmd.Stderr = os.Stderr
			return cmd
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.ClientProcess || rep.Procs != rep.Cores || rep.Requests == 0 || rep.Sustained <= 0 || rep.P99 <= 0 || rep.Unpipelined <= 0 {
		t.Errorf("report %+v", rep)
	}
	if rep.HTTPCPU > 0 && rep.HTTPCPU < rep.LibraryCPU {
		t.Errorf("HTTP CPU %v per verification, less than the library's %v: the client process's CPU was not counted", rep.HTTPCPU, rep.LibraryCPU)
	}
}

// TestServeClientErrors: a phase the client cannot run is an error line,
// and input that is not a phase stops it.
func TestServeClientErrors(t *testing.T) {
	var out strings.Builder
	err := ServeClient(strings.NewReader(`{"addr": "127.0.0.1:1", "text": "x", "conns": 1, "depth": 1, "duration": 1000}`+"\n"), &out)
	if err != nil || !strings.Contains(out.String(), `"error"`) {
		t.Errorf("unreachable address: %v, %q", err, out.String())
	}
	if err := ServeClient(strings.NewReader("not json\n"), &out); err == nil {
		t.Error("a line that is not a phase was accepted")
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
