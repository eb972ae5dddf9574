package qr

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/scan"
)

// byteCapacity is the number of bytes version 40 holds in byte mode at
// each level: any text at most this long must encode.
var byteCapacity = map[Level]int{LevelL: 2953, LevelM: 2331, LevelQ: 1663, LevelH: 1273}

// FuzzEncode: any text either encodes, in the smallest version, to a code
// that scans back to exactly the text, or fails with ErrEmpty (empty text)
// or ErrTooLong (and then it is longer than the byte-mode capacity).
func FuzzEncode(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 9))
	f.Add(hc1Text(r, 600), uint8(2))
	f.Add(shcText(r, 500), uint8(0))
	f.Add(utf8Text(r, 80), uint8(3))
	f.Add("01234567", uint8(1))
	f.Add("", uint8(2))
	// Real codes, when the shared test data is there (the fuzz target
	// must run without it, so it is not required).
	if _, err := shareddata.Find("dgc"); err == nil {
		for i, c := range dgcCodes(f) {
			if i%20 == 0 {
				f.Add(c.text, uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string, l uint8) {
		level := Level(l%4) + LevelL
		c, err := Encode(text, Options{Level: level})
		switch {
		case text == "":
			if !errors.Is(err, ErrEmpty) {
				t.Fatalf("Encode(\"\") error %v, want ErrEmpty", err)
			}
			return
		case err != nil:
			if !errors.Is(err, ErrTooLong) || len(text) <= byteCapacity[level] {
				t.Fatalf("Encode(%d bytes at %s): %v", len(text), level, err)
			}
			return
		}
		if c.Version > 1 {
			if _, err := Encode(text, Options{Level: level, MaxVersion: c.Version - 1}); err == nil {
				t.Fatalf("version %d chosen, but %d fits", c.Version, c.Version-1)
			}
		}
		img, err := c.Image(ImageOptions{ModulePixels: 2})
		if err != nil {
			t.Fatal(err)
		}
		got, err := scan.Image(img)
		if err != nil || got != text {
			t.Fatalf("version %d-%s mask %d segments %s: scan read %q (%v), want %q", c.Version, c.Level, c.Mask, modes(c.Segments), got, err, text)
		}
	})
}
