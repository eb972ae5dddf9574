// Package qr encodes text as a QR code (ISO/IEC 18004:2015, model 2) and
// draws it as a PNG or SVG image. It is the encoder behind ITHC's paper
// certificate and wallet page; package scan reads codes back.
//
// Start with Encode, then write the Code with WritePNG or WriteSVG:
//
//	code, err := qr.Encode("HC1:...", qr.Options{}) // level Q, smallest version
//	err = code.WritePNG(w, qr.ImageOptions{Millimetres: 45, DPI: 300})
//
// # Decisions
//
//   - Segments. Encode chooses the modes itself. A text of the alphanumeric
//     set only (an HC1 code: Base45 is that set plus the "HC1:" prefix) is
//     one alphanumeric segment, as the HCERT specification asks; a text of
//     digits only is one numeric segment; anything else is split into the
//     numeric, alphanumeric and byte segments that take the fewest bits
//     (a shortest path over the characters), which for a SMART Health
//     Card gives exactly the byte segment "shc:/" and one numeric segment
//     the SHC specification asks for. EncodeSegments takes segments as
//     they are. Byte segments carry the bytes of the text with no ECI
//     designator; Kanji mode is not written.
//   - Error correction is Q by default (what HCERT asks), and the version
//     is the smallest, 1 to 40, that holds the data at that level.
//   - The mask is chosen by the four penalty rules of the standard
//     (7.8.3.1); Options can force one. Modules outside the symbol count
//     as light for the finder-like pattern rule, which counts a pattern
//     once however many light sides it has.
//   - Images always have a quiet zone of at least the 4 modules the
//     standard asks for (real verifier apps fail on codes printed closer
//     to an edge), modules are whole pixels, and a requested image size
//     is met exactly by widening the margin. PNGs are 1-bit paletted, SVGs
//     one path, so files stay small.
//
// Reed-Solomon codewords and the BCH codes of the format and version
// information are computed here; the tables of the standard (blocks per
// level, alignment positions) are in tables.go and checked by the tests
// against the standard's capacities. Inputs are bounded by
// limits.MaxQRInput bytes and images by limits.MaxQRImageSide pixels.
package qr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// Errors callers branch on with errors.Is.
var (
	// ErrTooLong means the data does not fit in a QR code at the level
	// asked for (nor in the versions allowed).
	ErrTooLong = errors.New("qr: data too long for a qr code")
	// ErrEmpty means there is no data to encode.
	ErrEmpty = errors.New("qr: empty text")
	// ErrSegment means a segment holds a byte its mode cannot encode.
	ErrSegment = errors.New("qr: invalid segment")
	// ErrOptions means the options are out of range.
	ErrOptions = errors.New("qr: invalid options")
)

// Level is the error correction level. The zero Level stands for LevelQ.
type Level int

// The error correction levels, with the share of codewords each can
// restore.
const (
	LevelL Level = iota + 1 // about 7 %
	LevelM                  // about 15 %
	LevelQ                  // about 25 %, the default
	LevelH                  // about 30 %
)

// index returns 0–3 for L–H, and that of Q for the zero Level.
func (l Level) index() int {
	if l == 0 {
		return int(LevelQ) - 1
	}
	return int(l) - 1
}

func (l Level) String() string {
	if l < 0 || l > LevelH {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return string("QLMQH"[l])
}

// ParseLevel reads "L", "M", "Q" or "H" (any case).
func ParseLevel(s string) (Level, error) {
	switch strings.ToUpper(s) {
	case "L":
		return LevelL, nil
	case "M":
		return LevelM, nil
	case "Q":
		return LevelQ, nil
	case "H":
		return LevelH, nil
	}
	return 0, fmt.Errorf("%w: error correction level %q, want L, M, Q or H", ErrOptions, s)
}

// Options tune Encode. The zero Options encode at level Q in the smallest
// version, with the mask the penalty rules choose.
type Options struct {
	// Level is the error correction level; zero means LevelQ.
	Level Level
	// MinVersion and MaxVersion bound the version (1–40); zero means 1
	// and 40. A larger minimum gives codes of one size for texts of
	// different lengths.
	MinVersion, MaxVersion int
	// FixMask forces mask pattern Mask (0–7) instead of choosing by
	// penalty.
	FixMask bool
	Mask    int
}

func (o Options) check() (minV, maxV int, err error) {
	if o.Level < 0 || o.Level > LevelH {
		return 0, 0, fmt.Errorf("%w: level %d", ErrOptions, int(o.Level))
	}
	minV, maxV = o.MinVersion, o.MaxVersion
	if minV == 0 {
		minV = 1
	}
	if maxV == 0 {
		maxV = 40
	}
	if minV < 1 || maxV > 40 || minV > maxV {
		return 0, 0, fmt.Errorf("%w: versions %d to %d, want within 1 to 40", ErrOptions, minV, maxV)
	}
	if o.FixMask && (o.Mask < 0 || o.Mask > 7) {
		return 0, 0, fmt.Errorf("%w: mask %d, want 0 to 7", ErrOptions, o.Mask)
	}
	return minV, maxV, nil
}

// Code is an encoded QR code symbol, without its quiet zone.
type Code struct {
	// Version is 1–40: the symbol is 17 + 4 × Version modules wide.
	Version int
	// Level is the error correction level used.
	Level Level
	// Mask is the mask pattern used, 0–7.
	Mask int
	// Segments are the segments encoded, in order; their Data alias the
	// text given to Encode.
	Segments []Segment

	size int
	dark []bool
}

// Size returns the number of modules on a side, quiet zone excluded.
func (c *Code) Size() int { return c.size }

// Dark reports whether the module at column x, row y is dark; modules
// outside the symbol (the quiet zone) are light.
func (c *Code) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= c.size || y >= c.size {
		return false
	}
	return c.dark[y*c.size+x]
}

// Encode encodes text (any bytes; UTF-8 text goes in a byte segment as it
// is) in the smallest version that holds it at the level of opts. A text
// too long for a QR code is an error wrapping ErrTooLong that says how
// many bits it needs and how many the largest version holds.
func Encode(text string, opts Options) (*Code, error) {
	minV, maxV, err := opts.check()
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, ErrEmpty
	}
	if len(text) > limits.MaxQRInput {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d digits the largest code holds", ErrTooLong, len(text), limits.MaxQRInput)
	}
	data := []byte(text)
	level := opts.Level
	if level == 0 {
		level = LevelQ
	}
	needed := 0
	for g := versionGroup(minV); g <= versionGroup(maxV); g++ {
		segs := autoSegments(data, g)
		bits, ok := segmentsBits(segs, g)
		if !ok {
			continue
		}
		needed = bits
		for v := max(minV, groupVersions[g][0]); v <= min(maxV, groupVersions[g][1]); v++ {
			if bits <= dataCodewords(v, level)*8 {
				return build(segs, v, level, opts), nil
			}
		}
	}
	return nil, tooLong(len(text), needed, maxV, level)
}

// EncodeSegments encodes segs as they are, in the smallest version allowed
// by opts that holds them.
func EncodeSegments(segs []Segment, opts Options) (*Code, error) {
	minV, maxV, err := opts.check()
	if err != nil {
		return nil, err
	}
	total := 0
	for i, s := range segs {
		if err := checkSegment(i, s); err != nil {
			return nil, err
		}
		total += len(s.Data)
	}
	if total == 0 {
		return nil, ErrEmpty
	}
	if total > limits.MaxQRInput {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d digits the largest code holds", ErrTooLong, total, limits.MaxQRInput)
	}
	level := opts.Level
	if level == 0 {
		level = LevelQ
	}
	needed := 0
	for v := minV; v <= maxV; v++ {
		bits, ok := segmentsBits(segs, versionGroup(v))
		if !ok {
			continue
		}
		needed = bits
		if bits <= dataCodewords(v, level)*8 {
			return build(segs, v, level, opts), nil
		}
	}
	return nil, tooLong(total, needed, maxV, level)
}

func tooLong(n, bits, maxV int, level Level) error {
	hint := ""
	if level != LevelL {
		hint = fmt.Sprintf(" (at level L %d)", dataCodewords(maxV, LevelL)*8)
	}
	return fmt.Errorf("%w: %d bytes take %d bits; version %d at level %s holds %d%s", ErrTooLong, n, bits, maxV, level, dataCodewords(maxV, level)*8, hint)
}

// build lays out segs in a version v symbol at level l.
func build(segs []Segment, v int, l Level, opts Options) *Code {
	codewords := interleave(dataStream(segs, v, l), v, l)
	m := newMatrix(v)
	m.place(codewords)
	mask := opts.Mask
	if !opts.FixMask {
		best := -1
		s := newScorer(m)
		for p := 0; p < 8; p++ {
			if score := s.score(p, l); best < 0 || score < best {
				best, mask = score, p
			}
		}
	}
	m.applyMask(mask)
	m.drawFormat(formatBits(l, mask))
	return &Code{Version: v, Level: l, Mask: mask, Segments: segs, size: m.size, dark: m.dark}
}

// dataStream returns the data codewords of a version v symbol at level l:
// the segments, the terminator, zero bits to a byte boundary and the pad
// codewords 11101100 and 00010001 in turn (7.4.9, 7.4.10).
func dataStream(segs []Segment, v int, l Level) []byte {
	capacity := dataCodewords(v, l)
	g := versionGroup(v)
	b := bitWriter{buf: make([]byte, 0, capacity)}
	for _, s := range segs {
		b.writeSegment(s, g)
	}
	b.write(0, min(4, capacity*8-b.n))
	if r := b.n % 8; r != 0 {
		b.write(0, 8-r)
	}
	for pad := byte(0xEC); len(b.buf) < capacity; pad ^= 0xEC ^ 0x11 {
		b.buf = append(b.buf, pad)
	}
	return b.buf
}

// interleave splits data into the blocks of version v at level l, computes
// each block's error correction codewords and returns the final sequence:
// the data codewords column by column across the blocks, then the error
// correction codewords likewise (7.6). Short blocks come first and hold
// one data codeword less than the long ones.
func interleave(data []byte, v int, l Level) []byte {
	i := l.index()
	nBlocks, ecLen := blocks[i][v], ecPerBlock[i][v]
	raw := rawCodewords(v)
	nShort := nBlocks - raw%nBlocks
	shortData := raw/nBlocks - ecLen
	out := make([]byte, 0, raw)
	ec := make([]byte, nBlocks*ecLen)
	starts := make([]int, nBlocks+1)
	for b := 0; b < nBlocks; b++ {
		n := shortData
		if b >= nShort {
			n++
		}
		starts[b+1] = starts[b] + n
		ecCodewords(data[starts[b]:starts[b+1]], ecLen, ec[b*ecLen:])
	}
	for j := 0; j <= shortData; j++ {
		for b := 0; b < nBlocks; b++ {
			if k := starts[b] + j; k < starts[b+1] {
				out = append(out, data[k])
			}
		}
	}
	for j := 0; j < ecLen; j++ {
		for b := 0; b < nBlocks; b++ {
			out = append(out, ec[b*ecLen+j])
		}
	}
	return out
}
