package hc1

import (
	"bytes"
	"compress/zlib"
	"math/rand/v2"
	"testing"
)

// stdInflate inflates with compress/zlib alone, as Inflate did before its
// fast path.
func stdInflate(z []byte) ([]byte, error) {
	return inflateStd(nil, z, new(inflater))
}

func zlibAt(tb testing.TB, data []byte, level int) []byte {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// checkAgrees fails when the fast path accepts z and compress/zlib does
// not, or when they decode it differently; it reports whether the fast
// path accepted z.
func checkAgrees(t *testing.T, z []byte) bool {
	t.Helper()
	got, ok := fastInflate(nil, z, new(inflateState))
	want, err := stdInflate(z)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fastInflate(%x) accepted a stream compress/zlib rejects: %v", z, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("fastInflate(%x) = %x, compress/zlib %x", z, got, want)
	}
	return true
}

// TestFastInflateConformance inflates every zlib stream of the EU
// conformance data, written by the issuers' own libraries, with both paths.
func TestFastInflateConformance(t *testing.T) {
	n, fast := 0, 0
	for _, v := range dgcVectors(t) {
		z, ok := hexField(v.Compressed)
		if !ok {
			continue
		}
		n++
		if _, err := stdInflate(z); err != nil {
			checkAgrees(t, z)
			continue
		}
		if checkAgrees(t, z) {
			fast++
		} else {
			t.Errorf("%s: the fast path declines a valid stream", v.Name)
		}
	}
	t.Logf("%d streams, %d inflated by the fast path", n, fast)
}

// TestFastInflateLevels compresses texts of several kinds at every level,
// and checks both paths agree on them and on corrupted copies.
func TestFastInflateLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := [][]byte{nil, {0}, []byte("a"), bytes.Repeat([]byte("abc"), 1000), make([]byte, 70000)}
	for _, n := range []int{10, 300, 400, 5000, 40000} {
		text := make([]byte, n)
		for i := range text {
			text[i] = "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B ABCDEFG"[rng.IntN(57)]
		}
		random := make([]byte, n)
		for i := range random {
			random[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, text, random)
	}
	for _, data := range inputs {
		for level := zlib.HuffmanOnly; level <= zlib.BestCompression; level++ {
			z := zlibAt(t, data, level)
			if len(data) <= 60000 && !checkAgrees(t, z) {
				t.Errorf("fast path declines %d bytes at level %d", len(data), level)
			}
			for range 20 {
				c := bytes.Clone(z)
				c[rng.IntN(len(c))] ^= byte(1 + rng.IntN(255))
				checkAgrees(t, c)
				checkAgrees(t, c[:rng.IntN(len(c))])
			}
		}
	}
}

// skewed returns n bytes whose byte frequencies fall off geometrically,
// so that deflate gives the rare bytes literal codes of up to 15 bits:
// longer than tableBits, decoded by huffman.decodeLong.
func skewed(n int) []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	out := make([]byte, n)
	for i := range out {
		b := byte(0)
		for b < 255 && rng.IntN(3) != 0 {
			b++
		}
		out[i] = b
	}
	return out
}

// TestFastInflateLongCodes checks that the fast path decodes streams with
// codes longer than its direct table, and agrees with compress/zlib on
// them and on corrupted copies.
func TestFastInflateLongCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{300, 3000, 30000} {
		data := skewed(n)
		for _, level := range []int{zlib.HuffmanOnly, zlib.BestSpeed, zlib.DefaultCompression, zlib.BestCompression} {
			z := zlibAt(t, data, level)
			var st inflateState
			if got, ok := fastInflate(nil, z, &st); !ok || !bytes.Equal(got, data) {
				t.Fatalf("fastInflate(%d skewed bytes, level %d) ok = %v, want the input back", n, level, ok)
			}
			if n >= 3000 && st.lit.count[tableBits+1]+st.lit.count[tableBits+2] == 0 {
				t.Errorf("%d skewed bytes at level %d: no literal code longer than %d bits, the long path is not tested", n, level, tableBits)
			}
			checkAgrees(t, z)
			for range 50 {
				c := bytes.Clone(z)
				c[rng.IntN(len(c))] ^= byte(1 + rng.IntN(255))
				checkAgrees(t, c)
			}
		}
	}
}

// FuzzInflateAgrees checks that the fast path of Inflate only accepts
// what compress/zlib accepts, with the same output: on the fuzzed bytes as
// a zlib stream, and on their compression with one byte changed.
func FuzzInflateAgrees(f *testing.F) {
	f.Add([]byte("HC1 payload HC1 payload HC1"), uint8(9), uint16(0))
	f.Add([]byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}, uint8(1), uint16(0x0103))
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4}, 100), uint8(6), uint16(0x2007))
	// Codes longer than the direct table, plain and with a flipped bit.
	f.Add(skewed(2000), uint8(10), uint16(0))
	f.Add(skewed(2000), uint8(0), uint16(0x0411))
	f.Add(skewed(500), uint8(7), uint16(0x8023))
	f.Fuzz(func(t *testing.T, data []byte, level uint8, flip uint16) {
		checkAgrees(t, data)
		z := zlibAt(t, data, int(level%11)-1)
		if flip != 0 {
			z[int(flip)%len(z)] ^= byte(flip >> 8)
		}
		checkAgrees(t, z)
	})
}
