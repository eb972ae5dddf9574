package corpus

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestGenerate checks that the corpus is deterministic and that every
// sample is a decodable image of the size it claims.
func TestGenerate(t *testing.T) {
	opts := Options{Seed: 1, PerKind: 1}
	a, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(Kinds) {
		t.Fatalf("Generate() = %d samples, want %d", len(a), len(Kinds))
	}
	b, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for i, s := range a {
		if !bytes.Equal(s.Data, b[i].Data) {
			t.Errorf("%s: two runs with one seed differ", s.Name)
		}
		if names[s.Name] {
			t.Errorf("duplicate name %s", s.Name)
		}
		names[s.Name] = true
		cfg, format, err := image.DecodeConfig(bytes.NewReader(s.Data))
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if cfg.Width != s.Width || cfg.Height != s.Height {
			t.Errorf("%s: %d×%d image, sample says %d×%d", s.Name, cfg.Width, cfg.Height, s.Width, s.Height)
		}
		if want := map[string]string{"png": "png", "jpg": "jpeg"}[s.Ext]; format != want {
			t.Errorf("%s: format %s, extension %s", s.Name, format, s.Ext)
		}
		if len(s.Texts) == 0 || (s.Kind == Multi) != (len(s.Texts) > 1) {
			t.Errorf("%s: %d texts", s.Name, len(s.Texts))
		}
	}
}

// TestWrite writes a corpus to the directory named by the environment
// variable ITHC_SCAN_CORPUS_DIR, to look at or to feed other readers, with
// ITHC_SCAN_CORPUS images of each kind (3 if unset), the corpus of package
// scan's TestRobustness:
//
//	ITHC_SCAN_CORPUS_DIR=/tmp/corpus ITHC_SCAN_CORPUS=30 go test -run TestWrite ./scan/internal/corpus
func TestWrite(t *testing.T) {
	dir := os.Getenv("ITHC_SCAN_CORPUS_DIR")
	if dir == "" {
		t.Skip("set ITHC_SCAN_CORPUS_DIR to write the corpus there")
	}
	per := 3
	if v := os.Getenv("ITHC_SCAN_CORPUS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ITHC_SCAN_CORPUS=%q: want a number of images per kind", v)
		}
		per = n
	}
	samples, err := Generate(Options{Seed: 1, PerKind: per})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if err := os.WriteFile(filepath.Join(dir, s.Name+"."+s.Ext), s.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s.%s: %s", s.Name, s.Ext, s.Params)
	}
}
