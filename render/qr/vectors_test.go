package qr

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/render/qr/qrtest"
)

// realCode is a QR text of a real deployment from ../shared/testdata.
type realCode struct {
	name, text string
}

// dgcCodes returns the HC1 codes (the PREFIX field) of the EU DCC test files.
func dgcCodes(t testing.TB) []realCode {
	t.Helper()
	var codes []realCode
	for _, f := range shareddata.DGCFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Prefix any `json:"PREFIX"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			continue // files whose JSON is broken on purpose or by accident
		}
		if s, ok := v.Prefix.(string); ok && strings.HasPrefix(s, "HC1:") {
			codes = append(codes, realCode{f, s})
		}
	}
	if len(codes) < 100 {
		t.Fatalf("only %d HC1 codes in the dgc test data", len(codes))
	}
	return codes
}

// shcCodes returns the numeric QR texts of the SMART Health Cards examples.
func shcCodes(t testing.TB) []realCode {
	t.Helper()
	dir := shareddata.Path(t, "shc/examples")
	files, err := filepath.Glob(filepath.Join(dir, "*-f-qr-code-numeric-value-*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no SHC numeric QR texts in %s (%v)", dir, err)
	}
	var codes []realCode
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, realCode{f, strings.TrimSpace(string(b))})
	}
	return codes
}

// vdsncCodes returns the ICAO VDS-NC seals, compacted as a barcode holds them.
func vdsncCodes(t testing.TB) []realCode {
	t.Helper()
	dir := shareddata.Path(t, "vdsnc")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no VDS-NC seals in %s (%v)", dir, err)
	}
	var codes []realCode
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		codes = append(codes, realCode{f, c.String()})
	}
	return codes
}

// TestRealCodes encodes the codes of real deployments (EU DCC test
// codes of many countries, the SMART Health Cards examples, ICAO VDS-NC
// seals) and reads them back with package scan and zbarimg.
func TestRealCodes(t *testing.T) {
	var codes []realCode
	codes = append(codes, dgcCodes(t)...)
	codes = append(codes, shcCodes(t)...)
	codes = append(codes, vdsncCodes(t)...)
	dir := t.TempDir()
	var files, ascii []string
	for i, rc := range codes {
		name := filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(rc.name)))) + "/" + filepath.Base(rc.name)
		level := LevelQ
		c, err := Encode(rc.text, Options{Level: level})
		if err != nil {
			// Codes too long for level Q exist: real issuers used L.
			level = LevelL
			if c, err = Encode(rc.text, Options{Level: level}); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
		}
		checkDecodes(t, c, rc.text, 2)
		if strings.HasPrefix(rc.text, "shc:/") {
			if len(c.Segments) != 2 || c.Segments[0].Mode != ModeByte || c.Segments[1].Mode != ModeNumeric {
				t.Errorf("%s: segments %s, want byte and numeric", name, modes(c.Segments))
			}
		}
		var b bytes.Buffer
		if err := c.WritePNG(&b, ImageOptions{ModulePixels: 3}); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, strconv.Itoa(i)+".png")
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if isASCII(rc.text) {
			files, ascii = append(files, f), append(ascii, rc.text)
		} else if got, err := qrtest.ZbarBytes(t, f); err != nil || string(got) != rc.text {
			t.Errorf("%s: zbarimg read %.40q (%v)", name, got, err)
		}
	}
	got := qrtest.ZbarTexts(t, files)
	for i := range files {
		if got[i] != ascii[i] {
			t.Errorf("zbarimg read %.40q, want %.40q", got[i], ascii[i])
		}
	}
	t.Logf("%d real codes encoded and read back (%d through one zbarimg run)", len(codes), len(files))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// TestSHCExampleVersions checks that each SMART Health Card example
// needs, at level L, the version of the QR code the specification's
// generator drew for it (its SVG is 8 modules wider than the symbol).
func TestSHCExampleVersions(t *testing.T) {
	viewBox := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)
	for _, rc := range shcCodes(t) {
		svgName := strings.Replace(rc.name, "-f-qr-code-numeric-value-", "-g-qr-code-", 1)
		svgName = strings.TrimSuffix(svgName, ".txt") + ".svg"
		b, err := os.ReadFile(svgName)
		if err != nil {
			t.Fatal(err)
		}
		m := viewBox.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s: no viewBox", svgName)
		}
		side, _ := strconv.Atoi(string(m[1]))
		want := (side - 8 - 17) / 4
		c, err := Encode(rc.text, Options{Level: LevelL})
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != want {
			t.Errorf("%s: version %d at level L, the specification's code is version %d", filepath.Base(rc.name), c.Version, want)
		}
	}
}
