// Package bench measures ITHC's performance figures (issue 10), each next
// to its physical floor measured in the same process and the same run, for
// "ithc bench": verification and issuance of codes against the bare
// signature primitive, the parallel speed-up of verification, the scan of
// a two-megapixel photo, paper certificates per second, and the gateway
// serving a trust list of 10,000 signers against a bare HTTPS server.
//
// Start with Run; WriteTable and WriteJSON print its figures.
// docs/performance.md lists the figures, what limits each, and one full
// run on the reference machine.
//
// # Decisions
//
// A figure and its floor are measured in interleaved rounds: each round
// times a batch of the operation (about a millisecond of calls) and a
// batch of the floor, in alternating order, and the figure reports the
// median time per call of each and the median of the per-round ratios.
// The machine is shared and noisy: a preemption or a neighbour's burst
// spoils a round, which the medians ignore, and a slow drift (frequency,
// a neighbour on the other core) moves both halves of a round alike, which
// the per-round ratio cancels. The ratio is therefore not exactly
// value/floor of the two medians, but agrees with it within the noise.
//
// Floors are the bare primitive in its cheapest form: ecdsa.VerifyASN1
// (what package hc1 calls; crypto/ecdsa.Verify, which the issue names,
// costs about 1% more) and rsa.VerifyPSS on a digest already computed,
// ecdsa.SignASN1 for issuance, all with the same key as the code; for the gateway, a bare net/http
// server on the same loopback with the same certificate sending the same
// bytes. A ratio close to 1 means ITHC adds little to what cannot be
// avoided.
//
// Targets are those of issue 10; figures the issue only asks to report
// have the target "report" and met null. rules_eval_20 is the 20 rules of
// rules.BenchSet over one native certificate (data context included),
// next to a raw ECDSA verification; verify_encrypted_es256 a code
// encrypted for three countries next to the same code plain;
// revocation_lookup_10m and revocation_bytes_10m the median lookup of an
// absent entry and the heap bytes per entry of an index of 10 million
// (revocation.BenchLookup, which also checks for false positives). A
// missed target is a result, not an error; Run
// fails only when a measurement cannot be made (a code that does not
// verify, a photo not read, a gateway that does not start).
//
// Options.Quick runs every figure on a short budget, and the gateway with
// 1,000 signers instead of 10,000 (named gateway_trustlist_1k), within 45
// seconds on a shared two-core machine, for CI and spot checks, with a
// revocation index of 1 million entries (revocation_lookup_1m). The full
// run takes a few minutes, most of it building the 10,000 signers and the
// 10 million revocation entries.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// Options configure Run. The zero value runs every figure in full.
type Options struct {
	// Quick runs the short version (see the package documentation).
	Quick bool
	// Only restricts the run to the figures named (see Names); empty
	// means every figure. An unknown name is an error.
	Only []string
	// Log receives one progress line per step; nil means none.
	Log io.Writer
	// TempDir is where the gateway's database and the batch's files are
	// written (and removed); empty means os.TempDir().
	TempDir string
}

// Names returns the names of the figures Run measures, in order; with
// quick, the gateway figures are those of 1,000 signers.
func Names(quick bool) []string {
	return (&runner{opts: Options{Quick: quick}}).names()
}

// names returns the names of the figures of r, in order.
func (r *runner) names() []string {
	full, nm := gatewayNames(r.gatewaySigners())
	lookup, bytes := revocationNames(r.revocationEntries())
	return []string{
		"verify_hc1_es256", "verify_hc1_ps256", "verify_native_es256", "verify_shc_es256", "verify_vdsnc_es256",
		"issue_hc1_es256", "issue_native_es256", "verify_parallel_speedup",
		"rules_eval_20", "verify_encrypted_es256", lookup, bytes,
		"scan_photo_2mp", "render_pdf", "issue_batch_pdf", full, nm,
	}
}

// budget is the time a measurement samples for, quick and full.
type budget struct{ quick, full time.Duration }

// The budgets of the verification figures: each pair, and the speed-up.
var (
	pairBudget    = budget{quick: 500 * time.Millisecond, full: 4 * time.Second}
	speedupBudget = budget{quick: 1500 * time.Millisecond, full: 8 * time.Second}
)

// runner is one run of the figures.
type runner struct {
	opts    Options
	meter   *meter
	procs   int
	tempDir string
	// scale multiplies every budget and the batch size, and signers, when
	// not zero, replaces the gateway's number of signers: 1 and 0 in a
	// run, less in the package's tests.
	scale   float64
	signers int

	fix    *fixtures
	fixErr error
}

// budget returns the sampling time of b for this run.
func (r *runner) budget(b budget) time.Duration {
	d := b.full
	if r.opts.Quick {
		d = b.quick
	}
	return time.Duration(float64(d) * r.scale)
}

// selected reports whether the figure name is to be measured.
func (r *runner) selected(name string) bool {
	return len(r.opts.Only) == 0 || slices.Contains(r.opts.Only, name)
}

// logf writes a progress line.
func (r *runner) logf(format string, args ...any) {
	if r.opts.Log != nil {
		fmt.Fprintf(r.opts.Log, "bench: "+format+"\n", args...)
	}
}

// fixtures returns the run's keys and codes, made on first use.
func (r *runner) fixtures() (*fixtures, error) {
	if r.fix == nil && r.fixErr == nil {
		r.logf("making keys, certificates and codes")
		r.fix, r.fixErr = newFixtures()
	}
	return r.fix, r.fixErr
}

// Run measures the figures opts selects, in the order of Names, and
// returns those measured. A measurement that fails does not stop the
// others: Run returns every figure it could measure and an error naming
// each that failed. Cancelling ctx stops the run between figures.
func Run(ctx context.Context, opts Options) ([]Figure, error) {
	return newRunner(opts).run(ctx)
}

func newRunner(opts Options) *runner {
	r := &runner{opts: opts, meter: &meter{now: realClock()}, procs: runtime.GOMAXPROCS(0), tempDir: opts.TempDir, scale: 1}
	if r.tempDir == "" {
		r.tempDir = os.TempDir()
	}
	return r
}

func (r *runner) run(ctx context.Context) ([]Figure, error) {
	names := r.names()
	for _, n := range r.opts.Only {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("bench: unknown figure %q (the figures are %v)", n, names)
		}
	}
	steps := []func() ([]Figure, error){
		r.verifyFigures,
		r.capabilityFigures,
		r.scanFigure,
		r.pdfFigures,
		func() ([]Figure, error) { return r.gatewayFigures(ctx) },
	}
	var figures []Figure
	var errs []error
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		fs, err := step()
		figures = append(figures, fs...)
		if err != nil && !slices.Contains(errs, err) { // a fixtures error once
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return figures, fmt.Errorf("bench: %w", err)
	}
	return figures, nil
}

// Machine describes the machine a run measures: the cores Run uses
// (GOMAXPROCS), the processor model from /proc/cpuinfo where there is
// one, the Go version and platform, such as "2 cores, AMD EPYC, go1.26.8
// linux/amd64".
func Machine() string {
	s := fmt.Sprintf("%d cores", runtime.GOMAXPROCS(0))
	if m := cpuModel("/proc/cpuinfo"); m != "" {
		s += ", " + m
	}
	return s + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// cpuModel returns the first "model name" of a cpuinfo file, or "".
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, limits.MaxCPUInfo))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
