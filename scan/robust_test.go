package scan

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/scan/internal/corpus"
)

// The robustness corpus (package scan/internal/corpus) in its CI size: 3
// images of each kind. ITHC_SCAN_CORPUS=N generates N of each instead, as
// docs/scanning.md reports (N=30).
func corpusOptions(t testing.TB) corpus.Options {
	opts := corpus.Options{Seed: 1, PerKind: 3}
	if v := os.Getenv("ITHC_SCAN_CORPUS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ITHC_SCAN_CORPUS=%q: want a number of images per kind", v)
		}
		opts.PerKind = n
	}
	return opts
}

// requireTool returns the path of an external program, skipping the test
// when it is absent, or failing it under CI=true, where .ci/run installs it.
func requireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (Debian package %s) is required under CI=true: %v", name, pkg, err)
		}
		t.Skipf("%s is not installed (Debian package %s): skipping", name, pkg)
	}
	return p
}

// zbarTexts runs zbarimg on one file and returns the texts it read.
func zbarTexts(t testing.TB, zbar, file string) []string {
	t.Helper()
	out, err := exec.Command(zbar, "--nodbus", "--raw", "-q", file).Output()
	var ee *exec.ExitError
	// zbarimg exits with 4 when it finds no symbol.
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 4) {
		t.Fatalf("zbarimg %s: %v", file, err)
	}
	var texts []string
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" {
			texts = append(texts, l)
		}
	}
	return texts
}

// tally counts codes read per kind of image.
type tally struct {
	codes, ours, zbar int
}

// TestRobustness reads the robustness corpus and the PNG files of the EU
// test data with package scan and with zbarimg, and requires our decode
// rate (codes read of codes shown) to be at least zbarimg's. Neither reader
// may return a text the image does not show.
func TestRobustness(t *testing.T) {
	zbar := requireTool(t, "zbarimg", "zbar-tools")

	samples, err := corpus.Generate(corpusOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kinds := map[string]*tally{}
	var order []string
	count := func(kind string, want []string, ours, theirs []string, name string) {
		k := kinds[kind]
		if k == nil {
			k = &tally{}
			kinds[kind] = k
			order = append(order, kind)
		}
		for _, w := range want {
			k.codes++
			if slices.Contains(ours, w) {
				k.ours++
			}
			if slices.Contains(theirs, w) {
				k.zbar++
			}
		}
		for _, o := range ours {
			if !slices.Contains(want, o) {
				t.Errorf("%s: scan read %.30q…, which the image does not show", name, o)
			}
		}
		if testing.Verbose() {
			t.Logf("%-16s ours %d/%d zbar %d/%d", name, countIn(ours, want), len(want), countIn(theirs, want), len(want))
		}
	}
	for _, s := range samples {
		file := filepath.Join(dir, s.Name+"."+s.Ext)
		if err := os.WriteFile(file, s.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		codes, err := DecodeAll(bytes.NewReader(s.Data))
		var ours []string
		for _, c := range codes {
			ours = append(ours, c.Text)
		}
		if err != nil && testing.Verbose() {
			t.Logf("%s (%s): %v", s.Name, s.Params, err)
		}
		count(string(s.Kind), s.Texts, ours, zbarTexts(t, zbar, file), s.Name)
	}
	for _, f := range dgcPNGFiles(t) {
		if f.aztec || f.want == "" {
			continue // not a QR code, or no vector to say what it holds
		}
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		var ours []string
		if codes, err := DecodeAll(bytes.NewReader(data)); err == nil {
			for _, c := range codes {
				ours = append(ours, c.Text)
			}
		}
		count("dgc png", []string{f.want}, ours, zbarTexts(t, zbar, f.path), f.rel)
	}
	var total tally
	var report strings.Builder
	fmt.Fprintf(&report, "%-12s %6s %14s %14s\n", "kind", "codes", "scan", "zbarimg")
	for _, name := range order {
		k := kinds[name]
		total.codes += k.codes
		total.ours += k.ours
		total.zbar += k.zbar
		fmt.Fprintf(&report, "%-12s %6d %6d %6.1f%% %6d %6.1f%%\n", name, k.codes, k.ours, pct(k.ours, k.codes), k.zbar, pct(k.zbar, k.codes))
	}
	fmt.Fprintf(&report, "%-12s %6d %6d %6.1f%% %6d %6.1f%%\n", "all", total.codes, total.ours, pct(total.ours, total.codes), total.zbar, pct(total.zbar, total.codes))
	t.Logf("decode rates, %d images of each generated kind:\n%s", corpusOptions(t).PerKind, report.String())
	if total.ours < total.zbar {
		t.Errorf("scan read %d of %d codes, zbarimg %d: want at least zbarimg's rate", total.ours, total.codes, total.zbar)
	}
}

func countIn(got, want []string) int {
	n := 0
	for _, w := range want {
		if slices.Contains(got, w) {
			n++
		}
	}
	return n
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// BenchmarkPhoto2MP times Image on the two-megapixel photos of the corpus
// (paper and phone screens, 1632 × 1224) on one core, and reports the
// median and 90th percentile of the wall time and of the process's CPU
// time per scan (which a busy machine inflates less), the median time to
// decode the JPEG file itself, and the fraction of photos read.
func BenchmarkPhoto2MP(b *testing.B) {
	benchPhotos(b, func(img image.Image, want string) bool {
		text, err := Image(img)
		return err == nil && text == want
	})
}

// BenchmarkPhoto2MPAll is BenchmarkPhoto2MP for ImageAll, which searches
// every level of resolution (what "ithc scan" does).
func BenchmarkPhoto2MPAll(b *testing.B) {
	benchPhotos(b, func(img image.Image, want string) bool {
		codes, err := ImageAll(img)
		return err == nil && len(codes) == 1 && codes[0].Text == want
	})
}

func benchPhotos(b *testing.B, read func(img image.Image, want string) bool) {
	per := 10
	if v := os.Getenv("ITHC_SCAN_CORPUS"); v != "" {
		per = corpusOptions(b).PerKind
	}
	samples, err := corpus.Generate(corpus.Options{Seed: 2, PerKind: per, Kinds: []corpus.Kind{corpus.Photo, corpus.Screen}})
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	images := make([]image.Image, len(samples))
	var decodeTimes []time.Duration
	for i, s := range samples {
		start := time.Now()
		img, err := decodeImage(s.Data)
		decodeTimes = append(decodeTimes, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		images[i] = img
	}
	var wall, cpu []time.Duration
	nread := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(images)
		c0 := cpuTime()
		start := time.Now()
		ok := read(images[k], samples[k].Texts[0])
		wall = append(wall, time.Since(start))
		cpu = append(cpu, cpuTime()-c0)
		if ok {
			nread++
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(quantile(wall, 0.5)), "median-ms")
	b.ReportMetric(ms(quantile(wall, 0.9)), "p90-ms")
	b.ReportMetric(ms(quantile(cpu, 0.5)), "median-cpu-ms")
	b.ReportMetric(ms(quantile(cpu, 0.9)), "p90-cpu-ms")
	b.ReportMetric(ms(quantile(decodeTimes, 0.5)), "jpeg-decode-ms")
	b.ReportMetric(float64(nread)/float64(b.N), "read-fraction")
}

// quantile returns the q-quantile of durations (nearest rank).
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}
