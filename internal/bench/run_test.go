package bench

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ithc/ithc/scan"
)

var (
	sharedOnce sync.Once
	shared     *fixtures
	sharedErr  error
)

// testFixtures makes the fixtures once for the package's tests (an
// RSA-2048 key takes a while under the race detector).
func testFixtures(t *testing.T) *fixtures {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = newFixtures() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// TestFixturesOperations: each measured operation succeeds on its code
// and fails on a damaged one, so that a figure can never time a
// verification that does not verify.
func TestFixturesOperations(t *testing.T) {
	f := testFixtures(t)
	for _, c := range []struct{ name, text string }{
		{"dcc es256", f.dccES256}, {"dcc ps256", f.dccPS256}, {"native", f.native}, {"card", f.card}, {"seal", f.seal},
	} {
		if err := f.verifyOp(c.text)(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		// Change one character in the middle of the signed content.
		i := len(c.text) / 2
		repl := byte('0')
		if c.text[i] == repl {
			repl = '1'
		}
		damaged := c.text[:i] + string(repl) + c.text[i+1:]
		if err := f.verifyOp(damaged)(); err == nil {
			t.Errorf("%s: a damaged code verified", c.name)
		}
	}
	if !strings.HasPrefix(f.card, "shc:/") || !strings.HasPrefix(f.seal, `{"data":`) {
		t.Errorf("card %.10q, seal %.10q: not a SMART Health Card QR text and a seal", f.card, f.seal)
	}
	if err := signOp(f.nativeIn, f.es256)(); err != nil {
		t.Errorf("issuing the native certificate: %v", err)
	}
	// The floors succeed with their keys.
	es, err := ecdsaVerifyFloor(f.es256.key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := pssVerifyFloor(f.ps256.key.(*rsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	for name, floor := range map[string]func() error{"ecdsa verify": es, "pss verify": ps, "ecdsa sign": ecdsaSignFloor(f.shcKey)} {
		if err := floor(); err != nil {
			t.Errorf("%s floor: %v", name, err)
		}
	}
}

// TestPhotos: the photos are two megapixels and scan reads the code each
// shows, exactly.
func TestPhotos(t *testing.T) {
	f := testFixtures(t)
	for i, p := range photoSet(3) {
		ph, err := makePhoto(f.native, p)
		if err != nil {
			t.Fatal(err)
		}
		if b := ph.img.Bounds(); b.Dx() != photoWidth || b.Dy() != photoHeight || b.Dx()*b.Dy() < 1990000 {
			t.Errorf("photo %d is %v, want %d × %d", i, b, photoWidth, photoHeight)
		}
		text, err := scan.Image(ph.img)
		if err != nil || text != f.native {
			t.Errorf("photo %d (%+v): scan.Image() = %.20q, %v; want the code", i, p, text, err)
		}
	}
	// The set is fixed: the same parameters every time.
	if a, b := photoSet(4), photoSet(4); !slices.Equal(a, b) {
		t.Error("photoSet is not deterministic")
	}
}

// TestRun runs every figure on a tiny budget and a gateway of 20 signers,
// and checks each figure's shape (not its speed).
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a gateway and measures every figure briefly; skipped with -short")
	}
	var log strings.Builder
	r := newRunner(Options{Quick: true, Log: &log, TempDir: t.TempDir()})
	r.scale, r.signers = 0.05, 20
	r.fix = testFixtures(t)
	figures, err := r.run(context.Background())
	if err != nil {
		t.Fatalf("run() error = %v\nlog:\n%s", err, log.String())
	}
	names := make([]string, len(figures))
	for i, f := range figures {
		names[i] = f.Name
	}
	want := r.names()
	if !slices.Equal(names, want) {
		t.Fatalf("run() measured %v, want %v", names, want)
	}
	if !slices.Contains(want, "gateway_trustlist_20") || !slices.Contains(want, "gateway_trustlist_20_304") {
		t.Errorf("names %v lack the gateway figures of 20 signers", want)
	}
	for _, f := range figures {
		if !(f.Value > 0) || math.IsInf(f.Value, 0) {
			t.Errorf("%s: value %v", f.Name, f.Value)
		}
		if (f.Floor == nil) != (f.Ratio == nil) {
			t.Errorf("%s: a floor without a ratio or the reverse", f.Name)
		}
		if f.Floor != nil && (!(*f.Floor > 0) || !(*f.Ratio > 0)) {
			t.Errorf("%s: floor %v, ratio %v", f.Name, *f.Floor, *f.Ratio)
		}
		if (f.Target == "report") != (f.Met == nil) {
			t.Errorf("%s: target %q with met %v", f.Name, f.Target, deref(f.Met))
		}
		if f.Unit == "" {
			t.Errorf("%s: no unit", f.Name)
		}
	}
	for _, step := range []string{"verify_hc1_es256", "scan_photo_2mp", "building a gateway of 20 signers", "gateway_trustlist_20_304"} {
		if !strings.Contains(log.String(), step) {
			t.Errorf("the log does not mention %q:\n%s", step, log.String())
		}
	}
}

func TestRunOnly(t *testing.T) {
	r := newRunner(Options{Only: []string{"verify_hc1_es256", "issue_hc1_es256"}})
	r.scale = 0.02
	r.fix = testFixtures(t)
	figures, err := r.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(figures) != 2 || figures[0].Name != "verify_hc1_es256" || figures[1].Name != "issue_hc1_es256" {
		t.Errorf("run(Only) = %+v, want the two figures asked for", figures)
	}
	if _, err := Run(context.Background(), Options{Only: []string{"rules_eval_21"}}); err == nil || !strings.Contains(err.Error(), `unknown figure "rules_eval_21"`) {
		t.Errorf("Run(unknown figure) error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if figures, err := Run(ctx, Options{}); err == nil || len(figures) != 0 {
		t.Errorf("Run(cancelled) = %d figures, %v; want none and an error", len(figures), err)
	}
}

func TestNames(t *testing.T) {
	full, quick := Names(false), Names(true)
	for _, n := range []string{"verify_hc1_es256", "verify_hc1_ps256", "verify_native_es256", "issue_hc1_es256",
		"verify_parallel_speedup", "scan_photo_2mp", "render_pdf", "gateway_trustlist_10k", "gateway_trustlist_10k_304"} {
		if !slices.Contains(full, n) {
			t.Errorf("Names(false) lacks %s", n)
		}
	}
	if !slices.Contains(quick, "gateway_trustlist_1k") || slices.Contains(quick, "gateway_trustlist_10k") {
		t.Errorf("Names(true) = %v, want the 1k gateway figures", quick)
	}
	if a, b := gatewayNames(1500); a != "gateway_trustlist_1500" || b != "gateway_trustlist_1500_304" {
		t.Errorf("gatewayNames(1500) = %s, %s", a, b)
	}
}

// TestFixedHuffmanZlib: the stream is one fixed-Huffman block that
// compress/zlib reads back exactly, for every byte value and length.
func TestFixedHuffmanZlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	inputs := [][]byte{nil, {0}, {143}, {144}, {255}}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	inputs = append(inputs, all)
	for n := range 64 {
		b := make([]byte, n*37)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		z := fixedHuffmanZlib(in)
		if btype := z[2] >> 1 & 3; btype != 1 || z[2]&1 != 1 {
			t.Fatalf("%d bytes: first block BFINAL %d BTYPE %d, want 1 and 1 (fixed Huffman)", len(in), z[2]&1, btype)
		}
		zr, err := zlib.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatalf("%d bytes: %v", len(in), err)
		}
		out, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("%d bytes: compress/zlib read %d bytes, %v", len(in), len(out), err)
		}
	}
}
