package healthcert

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// Checksummed UVCIs of the EU DCC conformance vectors (dgc-testdata, AT,
// DK, FR, HU and SI).
var uvciVectors = []string{
	"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
	"URN:UVCI:01:AT:B5921A35D6A0D696421B3E2462178297#I",
	"URN:UVCI:01:DK:0EF88044F7935DF2B4A938A38C14C97C#C",
	"URN:UVCI:01:FR:P4LU2647E8HN#/",
	"URN:UVCI:01:FR:Y4996KBJ4Q3Q#:",
	"URN:UVCI:01:HU:242100001023540659V1T20210614180542#S",
	"URN:UVCI:01:SI:C5E8734F3DF8B66CE053#F",
}

func TestParseUVCIVectors(t *testing.T) {
	for _, s := range uvciVectors {
		u, err := ParseUVCI(s)
		if err != nil {
			t.Errorf("ParseUVCI(%q) error = %v", s, err)
			continue
		}
		if u.String() != s {
			t.Errorf("ParseUVCI(%q).String() = %q", s, u.String())
		}
	}
	u, err := ParseUVCI("URN:UVCI:01:FR:P4LU2647E8HN#/")
	want := UVCI{Version: "01", Country: "FR", Opaque: "P4LU2647E8HN", Checksum: '/'}
	if err != nil || u != want {
		t.Errorf("ParseUVCI() = %+v, %v, want %+v", u, err, want)
	}
}

// TestParseUVCISharedTestdata checks every checksummed UVCI of the shared
// EU DCC vectors from countries known to follow the guideline's checksum.
func TestParseUVCISharedTestdata(t *testing.T) {
	dir := shareddata.Path(t, "dgc")
	re := regexp.MustCompile(`URN:UVCI:01:(AT|DK|FR|HU|NL|SI):[A-Z0-9/]+#[A-Z0-9/:]`)
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAll(b, -1) {
			seen[string(m)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 10 {
		t.Fatalf("found %d checksummed UVCIs in %s, want at least 10", len(seen), dir)
	}
	for s := range seen {
		if _, err := ParseUVCI(s); err != nil {
			t.Errorf("ParseUVCI(%q) error = %v", s, err)
		}
	}
	t.Logf("%d checksummed UVCIs of the EU test data parse", len(seen))
}

func TestParseUVCIErrors(t *testing.T) {
	bad := []string{
		"",
		"URN:UVCI:",
		"URN:UVCI:01:CN:",
		"URN:UVCI:02:CN:ABC",
		"URN:UVCI:1:CN:ABC",
		"URN:UVCI:01:CHN:ABC",
		"URN:UVCI:01:cn:ABC",
		"URN:UVCI:01:C1:ABC",
		"urn:uvci:01:CN:ABC",
		"UVCI:01:CN:ABC",
		"01:CN:ABC",
		"URN:UVCI:01:CN:abc",
		"URN:UVCI:01:CN:AB C",
		"URN:UVCI:01:CN:AB-C",
		"URN:UVCI:01:CN:/ABC",
		"URN:UVCI:01:CN:ABC/",
		"URN:UVCI:01:CN:AB//C",
		"URN:UVCI:01:CN:AB:C",
		"URN:UVCI:01:CN:ABC#",
		"URN:UVCI:01:CN:ABC#AB",
		"URN:UVCI:01:CN:A#B#C",
		"URN:UVCI:01:CN:ABC##",
		"URN:UVCI:01:CN:ABC\x00",
		"URN:UVCI:01:CN:ÄBC",
		"URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W",   // not the guideline layout
		"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#C", // wrong check character
		"URN:UVCI:01:CN:" + strings.Repeat("A", 58),         // 73 characters
	}
	for _, s := range bad {
		u, err := ParseUVCI(s)
		if err == nil {
			t.Errorf("ParseUVCI(%q) = %+v, want error", s, u)
			continue
		}
		if !errors.Is(err, ErrInvalidUVCI) {
			t.Errorf("ParseUVCI(%q) error = %v, want ErrInvalidUVCI", s, err)
		}
		if u != (UVCI{}) {
			t.Errorf("ParseUVCI(%q) = %+v on error, want zero", s, u)
		}
	}
	if _, err := ParseUVCI("URN:UVCI:01:CN:" + strings.Repeat("A", 57)); err != nil {
		t.Errorf("ParseUVCI(72 characters) error = %v", err)
	}
}

func TestNewUVCI(t *testing.T) {
	zero := bytes.NewReader(make([]byte, 16))
	got, err := NewUVCI("CN", "", zero, false)
	if want := "URN:UVCI:01:CN:" + strings.Repeat("A", 26); err != nil || got != want {
		t.Errorf("NewUVCI(zero bits) = %q, %v, want %q", got, err, want)
	}
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		for _, tc := range []struct {
			issuer string
			sum    bool
		}{{"", false}, {"", true}, {"NHC", true}, {"NHC/BJ01", true}, {"NHC", false}} {
			s, err := NewUVCI("CN", tc.issuer, nil, tc.sum)
			if err != nil {
				t.Fatalf("NewUVCI(%q, %v) error = %v", tc.issuer, tc.sum, err)
			}
			if seen[s] {
				t.Fatalf("NewUVCI() repeated %q", s)
			}
			seen[s] = true
			u, err := ParseUVCI(s)
			if err != nil {
				t.Fatalf("ParseUVCI(NewUVCI() = %q) error = %v", s, err)
			}
			if (u.Checksum != 0) != tc.sum || u.Country != "CN" {
				t.Errorf("ParseUVCI(%q) = %+v", s, u)
			}
			prefix := "URN:UVCI:01:CN:"
			if tc.issuer != "" {
				prefix += tc.issuer + "/"
			}
			unique := strings.TrimPrefix(s, prefix)
			if unique == s || len(strings.Split(unique, "#")[0]) != 26 {
				t.Errorf("NewUVCI(%q) = %q, want %q + 26 characters", tc.issuer, s, prefix)
			}
			if tc.sum && i < 20 {
				flipEveryCharacter(t, s)
			}
		}
	}
}

// flipEveryCharacter checks that changing any one character of a
// checksummed UVCI makes it fail to parse. The '#' itself is left alone:
// replacing it leaves a well-formed UVCI without a checksum, which the
// guideline allows.
func flipEveryCharacter(t *testing.T, s string) {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:#a "
	for i := 0; i < len(s); i++ {
		if s[i] == '#' {
			continue
		}
		for j := 0; j < len(alphabet); j++ {
			if alphabet[j] == s[i] {
				continue
			}
			m := s[:i] + string(alphabet[j]) + s[i+1:]
			if _, err := ParseUVCI(m); err == nil {
				t.Errorf("ParseUVCI(%q) (from %q, offset %d changed) succeeded, want error", m, s, i)
			}
		}
	}
}

func TestNewUVCIErrors(t *testing.T) {
	tests := []struct{ country, issuer string }{
		{"", ""},
		{"cn", ""},
		{"CHN", ""},
		{"CN", "nhc"},
		{"CN", "/NHC"},
		{"CN", "NHC/"},
		{"CN", "N:HC"},
		{"CN", "N#HC"},
		{"CN", strings.Repeat("A", 29)}, // 73 characters with the checksum
	}
	for _, tt := range tests {
		if s, err := NewUVCI(tt.country, tt.issuer, nil, true); err == nil || !errors.Is(err, ErrInvalidUVCI) {
			t.Errorf("NewUVCI(%q, %q) = %q, %v, want ErrInvalidUVCI", tt.country, tt.issuer, s, err)
		}
	}
	if _, err := NewUVCI("CN", strings.Repeat("A", 28), nil, true); err != nil {
		t.Errorf("NewUVCI(72 characters) error = %v", err)
	}
	if _, err := NewUVCI("CN", "", bytes.NewReader(make([]byte, 15)), true); err == nil {
		t.Errorf("NewUVCI(short random) succeeded, want error")
	}
}

func FuzzParseUVCI(f *testing.F) {
	for _, s := range uvciVectors {
		f.Add(s)
	}
	f.Add("URN:UVCI:01:CN:ABC")
	f.Add("URN:UVCI:01:CN:NHC/ABC#:")
	f.Add("URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUVCI(s)
		if err != nil {
			if u != (UVCI{}) {
				t.Fatalf("ParseUVCI(%q) = %+v with error", s, u)
			}
			return
		}
		if u.String() != s {
			t.Fatalf("ParseUVCI(%q).String() = %q", s, u.String())
		}
	})
}
