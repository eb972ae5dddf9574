package qr

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/scan"
)

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for _, f := range strings.Fields(s) {
		var v byte
		if _, err := fmt.Sscanf(f, "%02X", &v); err != nil {
			t.Fatalf("bad hex %q", f)
		}
		b = append(b, v)
	}
	return b
}

// TestCodewordVectors checks whole codeword sequences (data, padding, Reed-
// Solomon) against published examples.
func TestCodewordVectors(t *testing.T) {
	tests := []struct {
		name    string
		seg     Segment
		version int
		level   Level
		want    string
	}{
		{
			// ISO/IEC 18004:2015 annex I: "01234567" as 1-M.
			name: "ISO 18004 annex I 01234567 1-M", seg: Segment{ModeNumeric, []byte("01234567")}, version: 1, level: LevelM,
			want: "10 20 0C 56 61 80 EC 11 EC 11 EC 11 EC 11 EC 11 A5 24 D4 C1 ED 36 C7 87 2C 55",
		},
		{
			// The "HELLO WORLD" 1-M example that QR tutorials work through.
			name: "HELLO WORLD 1-M", seg: Segment{ModeAlphanumeric, []byte("HELLO WORLD")}, version: 1, level: LevelM,
			want: "20 5B 0B 78 D1 72 DC 4D 43 40 EC 11 EC 11 EC 11 C4 23 27 77 EB D7 E7 E2 5D 17",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := interleave(dataStream([]Segment{tt.seg}, tt.version, tt.level), tt.version, tt.level)
			if want := hexBytes(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("codewords = % X\nwant        % X", got, want)
			}
			c, err := EncodeSegments([]Segment{tt.seg}, Options{Level: tt.level})
			if err != nil {
				t.Fatal(err)
			}
			if c.Version != tt.version {
				t.Errorf("EncodeSegments chose version %d, want %d", c.Version, tt.version)
			}
		})
	}
}

// TestInterleaveBlocks checks the block structure on a symbol with short
// and long blocks (5-Q: two blocks of 15 and two of 16 data codewords).
func TestInterleaveBlocks(t *testing.T) {
	data := make([]byte, dataCodewords(5, LevelQ))
	for i := range data {
		data[i] = byte(i)
	}
	if len(data) != 62 {
		t.Fatalf("5-Q holds %d data codewords, want 62", len(data))
	}
	got := interleave(data, 5, LevelQ)
	// Column 0 takes the first codeword of each block: 0, 15, 30, 46.
	if want := []byte{0, 15, 30, 46}; !bytes.Equal(got[:4], want) {
		t.Errorf("first column = %v, want %v", got[:4], want)
	}
	// The 16th data codewords exist only in the long blocks: 45 and 61.
	if want := []byte{45, 61}; !bytes.Equal(got[60:62], want) {
		t.Errorf("last data codewords = %v, want %v", got[60:62], want)
	}
	if len(got) != 134 {
		t.Errorf("%d codewords, want 134", len(got))
	}
	// The first block's error correction codewords follow in column order.
	ec := ecCodewords(data[:15], 18, make([]byte, 18))
	for j := 0; j < 18; j++ {
		if got[62+4*j] != ec[j] {
			t.Fatalf("EC codeword %d of block 0 = %#x, want %#x", j, got[62+4*j], ec[j])
		}
	}
}

func TestFormatAndVersionBits(t *testing.T) {
	// Format information after masking, from the standard's table C.1,
	// for every level and mask.
	format := map[Level][8]string{
		LevelL: {"111011111000100", "111001011110011", "111110110101010", "111100010011101", "110011000101111", "110001100011000", "110110001000001", "110100101110110"},
		LevelM: {"101010000010010", "101000100100101", "101111001111100", "101101101001011", "100010111111001", "100000011001110", "100111110010111", "100101010100000"},
		LevelQ: {"011010101011111", "011000001101000", "011111100110001", "011101000000110", "010010010110100", "010000110000011", "010111011011010", "010101111101101"},
		LevelH: {"001011010001001", "001001110111110", "001110011100111", "001100111010000", "000011101100010", "000001001010101", "000110100001100", "000100000111011"},
	}
	for level, masks := range format {
		for mask, want := range masks {
			if got := fmt.Sprintf("%015b", formatBits(level, mask)); got != want {
				t.Errorf("formatBits(%s, %d) = %s, want %s", level, mask, got, want)
			}
		}
	}
	// Version information from table D.1.
	version := map[int]uint32{7: 0x07C94, 8: 0x085BC, 21: 0x15683, 40: 0x28C69}
	for v, want := range version {
		if got := versionBits(v); got != want {
			t.Errorf("versionBits(%d) = %#05x, want %#05x", v, got, want)
		}
	}
}

// TestRawCodewords checks the module count against table 1 of the
// standard (total codewords per version).
func TestRawCodewords(t *testing.T) {
	want := map[int]int{1: 26, 2: 44, 3: 70, 4: 100, 5: 134, 6: 172, 7: 196, 8: 242, 9: 292, 10: 346, 40: 3706}
	for v, n := range want {
		if got := rawCodewords(v); got != n {
			t.Errorf("rawCodewords(%d) = %d, want %d", v, got, n)
		}
	}
	// Every version: the blocks split evenly enough (long blocks one
	// codeword longer) and leave data codewords.
	for v := 1; v <= 40; v++ {
		m := newMatrix(v)
		free := 0
		for _, f := range m.fn {
			if !f {
				free++
			}
		}
		if free/8 != rawCodewords(v) {
			t.Errorf("version %d: the drawn function patterns leave %d modules (%d codewords), rawCodewords says %d", v, free, free/8, rawCodewords(v))
		}
		for l := LevelL; l <= LevelH; l++ {
			i := l.index()
			if d := dataCodewords(v, l); d <= 0 || ecPerBlock[i][v] > 30 || ecPerBlock[i][v] < 7 {
				t.Errorf("version %d-%s: %d data codewords, %d EC per block", v, l, d, ecPerBlock[i][v])
			}
		}
	}
}

func TestAlignmentTable(t *testing.T) {
	for v := 2; v <= 40; v++ {
		pos := alignment[v]
		if len(pos) != v/7+2 {
			t.Errorf("version %d: %d alignment coordinates, want %d", v, len(pos), v/7+2)
		}
		if pos[0] != 6 || pos[len(pos)-1] != symbolSize(v)-7 {
			t.Errorf("version %d: coordinates %v must run from 6 to %d", v, pos, symbolSize(v)-7)
		}
		// Equal even steps after the first, which may be shorter.
		for i := 2; i < len(pos)-1; i++ {
			if pos[i+1]-pos[i] != pos[i]-pos[i-1] || (pos[i]-pos[i-1])%2 != 0 {
				t.Errorf("version %d: uneven steps %v", v, pos)
			}
		}
	}
}

// TestCapacity checks the largest text each mode fits in a version at a
// level against table 7 of the standard.
func TestCapacity(t *testing.T) {
	tests := []struct {
		version             int
		level               Level
		numeric, alnum, byt int
	}{
		{1, LevelL, 41, 25, 17}, {1, LevelM, 34, 20, 14}, {1, LevelQ, 27, 16, 11}, {1, LevelH, 17, 10, 7},
		{2, LevelL, 77, 47, 32},
		{10, LevelL, 652, 395, 271}, {10, LevelM, 513, 311, 213}, {10, LevelQ, 364, 221, 151}, {10, LevelH, 288, 174, 119},
		{40, LevelL, 7089, 4296, 2953}, {40, LevelM, 5596, 3391, 2331}, {40, LevelQ, 3993, 2420, 1663}, {40, LevelH, 3057, 1852, 1273},
	}
	for _, tt := range tests {
		for _, m := range []struct {
			mode Mode
			n    int
			ch   byte
		}{{ModeNumeric, tt.numeric, '7'}, {ModeAlphanumeric, tt.alnum, 'A'}, {ModeByte, tt.byt, 'a'}} {
			opts := Options{Level: tt.level, MinVersion: tt.version, MaxVersion: tt.version}
			fits := func(n int) bool {
				_, err := EncodeSegments([]Segment{{m.mode, bytes.Repeat([]byte{m.ch}, n)}}, opts)
				if err != nil && !errors.Is(err, ErrTooLong) {
					t.Fatalf("%d-%s %s %d: %v", tt.version, tt.level, m.mode, n, err)
				}
				return err == nil
			}
			if m.n+1 > limits.MaxQRInput {
				if !fits(m.n) {
					t.Errorf("%d-%s: %d %s characters do not fit", tt.version, tt.level, m.n, m.mode)
				}
				continue
			}
			if !fits(m.n) || fits(m.n+1) {
				t.Errorf("%d-%s: %s capacity is not %d", tt.version, tt.level, m.mode, m.n)
			}
		}
	}
}

func modes(segs []Segment) string {
	var s []string
	for _, g := range segs {
		s = append(s, fmt.Sprintf("%s:%q", g.Mode, g.Data))
	}
	return strings.Join(s, " ")
}

func TestSegmentation(t *testing.T) {
	hc1 := "HC1:6BF+70790T9WJWG.FKY*4GO0.O1CV2 O5 N2FBBRW1*70HS8WY04AC*WIFN0AHCD8KD97TK0F90KECTHGWJC0FDC:5AIA%G7X+AQB9746HS80:54IBQF60R6$A80X6S1BTYACG6M+9XG8KIAWNA91AY%67092L4WJCT3EHS8XJC$+DXJCCWENF6OF63W5NW6WF6%JC QE/IAYJC5LEW34U3ET7DXC9 QE-ED8%E.JCBECB1A-:8$96646AL60A60S6Q$D.UDRYA 96NF6L/5QW6307KQEPD09WEQDD+Q6TW6FA7C466KCN9E%961A6DL6FA7D46JPCT3E5JDLA7$Q6E464W5TG6..DX%DZJC6/DTZ9 QE5$CB$DA/D JC1/D3Z8WED1ECW.CCWE.Y92OAGY8MY9L+9MPCG/D5 C5IA5N9$PC5$CWW5V8HLH8IY7MA/UG-J5P6JQ6P6JC+THYV3JRDN5FIS7%3XE0HUBD0TUC99NXY7F34TG1KA0BN9XL9L/5JZDFUSR6M2HMKZ3"
	shcDigits := "56762909524320603460292437404460312229595326546034602925407728043360287028647167452228092861333145643765314159064022030645045908564355034142454136403706366541713724123638030437562204673740753232392543344332605736010645293153127074242839503869221276670052"
	tests := []struct {
		text string
		want []Segment
	}{
		// HCERT: one alphanumeric segment, digit runs included.
		{hc1, []Segment{{ModeAlphanumeric, []byte(hc1)}}},
		{"0123456789", []Segment{{ModeNumeric, []byte("0123456789")}}},
		// SMART Health Cards: the byte segment "shc:/" and one numeric one.
		{"shc:/" + shcDigits, []Segment{{ModeByte, []byte("shc:/")}, {ModeNumeric, []byte(shcDigits)}}},
		{"hello", []Segment{{ModeByte, []byte("hello")}}},
		// A long digit run inside bytes is worth its own segment.
		{"id=12345678901234567890123456789", []Segment{{ModeByte, []byte("id=")}, {ModeNumeric, []byte("12345678901234567890123456789")}}},
	}
	for _, tt := range tests {
		c, err := Encode(tt.text, Options{})
		if err != nil {
			t.Fatalf("Encode(%.20q): %v", tt.text, err)
		}
		if got, want := modes(c.Segments), modes(tt.want); got != want {
			t.Errorf("Encode(%.20q) segments\n%.120s, want\n%.120s", tt.text, got, want)
		}
		checkDecodes(t, c, tt.text, 3)
	}
}

// TestOptimalSegments compares the shortest-path segmentation with an
// exhaustive search over every way to cut short texts into segments.
func TestOptimalSegments(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const chars = "0123456789AZ:/ az-é"
	for k := 0; k < 400; k++ {
		n := 1 + r.IntN(9)
		b := make([]byte, 0, n)
		for len(b) < n {
			b = append(b, chars[r.IntN(len(chars))])
		}
		for g := 0; g < 3; g++ {
			segs := optimalSegments(b, g)
			got, ok := segmentsBits(segs, g)
			if !ok || !bytes.Equal(bytes.Join(func() [][]byte {
				var d [][]byte
				for _, s := range segs {
					d = append(d, s.Data)
				}
				return d
			}(), nil), b) {
				t.Fatalf("optimalSegments(%q) = %s does not cover the text", b, modes(segs))
			}
			for i, s := range segs {
				if err := checkSegment(i, s); err != nil {
					t.Fatalf("optimalSegments(%q): %v", b, err)
				}
			}
			if want := bruteForce(b, g); got != want {
				t.Errorf("optimalSegments(%q, group %d) = %s, %d bits; the best is %d", b, g, modes(segs), got, want)
			}
		}
	}
}

func bruteForce(b []byte, g int) int {
	if len(b) == 0 {
		return 0
	}
	best := -1
	for end := 1; end <= len(b); end++ {
		rest := bruteForce(b[end:], g)
		for _, m := range []Mode{ModeNumeric, ModeAlphanumeric, ModeByte} {
			s := Segment{m, b[:end]}
			if checkSegment(0, s) != nil {
				continue
			}
			bits, _ := segmentsBits([]Segment{s}, g)
			if best < 0 || bits+rest < best {
				best = bits + rest
			}
		}
	}
	return best
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		do   func() error
		is   error
		msg  string
	}{
		{"empty", func() error { _, err := Encode("", Options{}); return err }, ErrEmpty, "qr: empty text"},
		{"too long for Q", func() error { _, err := Encode(strings.Repeat("A", 2421), Options{}); return err }, ErrTooLong, "2421 bytes take 13333 bits; version 40 at level Q holds 13328 (at level L 23648)"},
		{"too long for version 5", func() error { _, err := Encode(strings.Repeat("A", 200), Options{MaxVersion: 5}); return err }, ErrTooLong, "version 5 at level Q"},
		{"over the input cap", func() error { _, err := Encode(strings.Repeat("1", limits.MaxQRInput+1), Options{}); return err }, ErrTooLong, "7090 bytes"},
		{"level", func() error { _, err := Encode("A", Options{Level: 9}); return err }, ErrOptions, "level 9"},
		{"versions", func() error { _, err := Encode("A", Options{MinVersion: 5, MaxVersion: 4}); return err }, ErrOptions, "versions 5 to 4"},
		{"mask", func() error { _, err := Encode("A", Options{FixMask: true, Mask: 8}); return err }, ErrOptions, "mask 8"},
		{"numeric segment", func() error {
			_, err := EncodeSegments([]Segment{{ModeByte, []byte("x")}, {ModeNumeric, []byte("12a")}}, Options{})
			return err
		}, ErrSegment, "segment 1 (numeric): byte 2 is 'a'"},
		{"alphanumeric segment", func() error {
			_, err := EncodeSegments([]Segment{{ModeAlphanumeric, []byte("hc1")}}, Options{})
			return err
		}, ErrSegment, "byte 0 is 'h'"},
		{"mode", func() error { _, err := EncodeSegments([]Segment{{Mode: 8, Data: []byte("x")}}, Options{}); return err }, ErrSegment, "unknown mode 8"},
		{"level name", func() error { _, err := ParseLevel("X"); return err }, ErrOptions, `level "X"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, tt.is) || !strings.Contains(fmt.Sprint(err), tt.msg) {
				t.Errorf("error %v, want %v containing %q", err, tt.is, tt.msg)
			}
		})
	}
}

func TestFixedMask(t *testing.T) {
	seen := map[string]bool{}
	for p := 0; p < 8; p++ {
		c, err := Encode("HC1:TEST", Options{FixMask: true, Mask: p})
		if err != nil {
			t.Fatal(err)
		}
		if c.Mask != p {
			t.Errorf("mask %d used, want %d", c.Mask, p)
		}
		seen[fmt.Sprint(c.dark)] = true
		checkDecodes(t, c, "HC1:TEST", 3)
	}
	if len(seen) != 8 {
		t.Errorf("8 masks gave %d different symbols", len(seen))
	}
}

func TestLevelString(t *testing.T) {
	for _, s := range []string{"L", "m", "Q", "h"} {
		l, err := ParseLevel(s)
		if err != nil || l.String() != strings.ToUpper(s) {
			t.Errorf("ParseLevel(%q) = %v, %v", s, l, err)
		}
	}
	if Level(0).String() != "Q" {
		t.Errorf("the zero Level is %s, want Q", Level(0))
	}
}

// checkDecodes draws c at scale pixels per module and reads it back with
// package scan.
func checkDecodes(t testing.TB, c *Code, want string, scale int) {
	t.Helper()
	img, err := c.Image(ImageOptions{ModulePixels: scale})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scan.Image(img)
	if err != nil {
		t.Fatalf("version %d-%s mask %d (%d bytes): scan: %v", c.Version, c.Level, c.Mask, len(want), err)
	}
	if got != want {
		t.Fatalf("version %d-%s mask %d: scan read %.60q…, want %.60q…", c.Version, c.Level, c.Mask, got, want)
	}
}
