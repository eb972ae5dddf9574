package qr

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/render/qr/qrtest"
)

// Texts of the kinds ITHC prints, generated from a seed.

const base45Set = alphanumericSet

// hc1Text is an HC1 code of n Base45 characters (any characters of the
// set: the encoder does not read Base45).
func hc1Text(r *rand.Rand, n int) string {
	b := []byte("HC1:")
	for range n {
		b = append(b, base45Set[r.IntN(len(base45Set))])
	}
	return string(b)
}

// shcText is a SMART Health Card of n JWS characters, two digits each.
func shcText(r *rand.Rand, n int) string {
	b := []byte("shc:/")
	for range n {
		b = fmt.Appendf(b, "%02d", r.IntN(78))
	}
	return string(b)
}

func randomBytes(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// utf8Text mixes the scripts of holder names with ASCII and digits.
func utf8Text(r *rand.Rand, n int) string {
	parts := []string{"张伟", "Müller", "Jürgen", "Παπαδόπουλος", "Иванов", "José", "Ødegård", "{\"n\":", "12345", " ", "ABC", "/", "佐藤"}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

type textKind struct {
	name string
	gen  func(r *rand.Rand, n int) string
	// max is the largest n generated: the texts span versions 1 to about
	// 25, where the codes ITHC prints live, and a few reach version 40.
	max int
}

var kinds = []textKind{
	{"hc1", hc1Text, 1100},
	{"shc", shcText, 900},
	{"bytes", randomBytes, 700},
	{"utf8", utf8Text, 700},
}

// TestRoundTripScan encodes thousands of texts, every kind at every level,
// draws each as an image and reads it back with package scan.
func TestRoundTripScan(t *testing.T) {
	n := 120
	if testing.Short() {
		n = 20
	}
	for _, k := range kinds {
		for l := LevelL; l <= LevelH; l++ {
			t.Run(fmt.Sprintf("%s-%s", k.name, l), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(uint64(l), uint64(len(k.name))))
				versions := map[int]bool{}
				for i := 0; i < n; i++ {
					text := k.gen(r, 1+r.IntN(k.max))
					c, err := Encode(text, Options{Level: l})
					if err != nil {
						t.Fatalf("Encode(%d bytes): %v", len(text), err)
					}
					versions[c.Version] = true
					checkDecodes(t, c, text, 2+i%3)
				}
				if len(versions) < 5 {
					t.Errorf("%d texts spanned only versions %v", n, versions)
				}
			})
		}
	}
}

// TestEveryVersion fills every version at every level to its capacity
// (the largest text of the version, so that every data codeword is used)
// and reads it back: a wrong entry in the block tables breaks exactly the
// symbols of that version and level.
func TestEveryVersion(t *testing.T) {
	for l := LevelL; l <= LevelH; l++ {
		t.Run(l.String(), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(7, uint64(l)))
			for v := 1; v <= 40; v++ {
				bits := dataCodewords(v, l)*8 - 4 - countBits(ModeByte, versionGroup(v))
				text := randomBytes(r, bits/8)
				c, err := Encode(text, Options{Level: l, MinVersion: v})
				if err != nil {
					t.Fatal(err)
				}
				if c.Version != v {
					t.Fatalf("%d bytes at %s took version %d, want %d", len(text), l, c.Version, v)
				}
				if _, err := Encode(text+"x", Options{Level: l, MaxVersion: v}); err == nil {
					t.Errorf("version %d-%s: one byte more still fits", v, l)
				}
				checkDecodes(t, c, text, 2)
			}
		})
	}
}

// TestRoundTripZbar reads codes of every kind and level with zbarimg: the
// ASCII ones (HC1, SHC) in one run over many files, byte data one file at
// a time in zbar's binary mode.
func TestRoundTripZbar(t *testing.T) {
	qrtest.Tool(t, "zbarimg", "zbar-tools")
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	var files, want []string
	for _, k := range kinds[:2] {
		for l := LevelL; l <= LevelH; l++ {
			for i := 0; i < 60; i++ {
				text := k.gen(r, 1+r.IntN(k.max))
				f := writePNG(t, dir, text, Options{Level: l}, ImageOptions{ModulePixels: 2 + i%3})
				files, want = append(files, f), append(want, text)
			}
		}
	}
	got := qrtest.ZbarTexts(t, files)
	bad := 0
	for i := range files {
		if got[i] != want[i] {
			bad++
			at := 0
			for at < min(len(got[i]), len(want[i])) && got[i][at] == want[i][at] {
				at++
			}
			t.Errorf("%s: zbarimg read %d bytes, want %d; they differ from byte %d: %.40q, want %.40q",
				filepath.Base(files[i]), len(got[i]), len(want[i]), at, got[i][at:], want[i][at:])
		}
	}
	for _, k := range kinds[2:] {
		for l := LevelL; l <= LevelH; l++ {
			for i := 0; i < 8; i++ {
				text := k.gen(r, 1+r.IntN(k.max))
				f := writePNG(t, dir, text, Options{Level: l}, ImageOptions{ModulePixels: 3})
				b, err := qrtest.ZbarBytes(t, f)
				if err != nil || string(b) != text {
					bad++
					t.Errorf("%s %s: zbarimg read %.40q (%v), want %.40q", k.name, l, b, err, text)
				}
			}
		}
	}
	t.Logf("zbarimg read %d codes, %d wrong", len(files)+2*4*8, bad)
}

var fileSeq int

func writePNG(t *testing.T, dir, text string, o Options, io ImageOptions) string {
	t.Helper()
	c, err := Encode(text, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.WritePNG(&b, io); err != nil {
		t.Fatal(err)
	}
	fileSeq++
	f := filepath.Join(dir, fmt.Sprintf("code-%04d-v%d-%s.png", fileSeq, c.Version, c.Level))
	if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}
