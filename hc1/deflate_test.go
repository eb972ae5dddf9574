package hc1

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/testca"
)

// zlibDecode reads a zlib stream with the standard library, the reference
// the streams of appendZlib must satisfy.
func zlibDecode(t testing.TB, z []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("zlib.NewReader() error = %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("compress/zlib cannot read the stream: %v", err)
	}
	return out
}

// checkDeflate compresses data and checks that compress/zlib and the fast
// path of Inflate both read it back, and that the stream is no larger than
// stored blocks. It returns the stream.
func checkDeflate(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	z, err := appendZlib(nil, data)
	if err != nil {
		t.Fatalf("%s: appendZlib() error = %v", name, err)
	}
	if got := zlibDecode(t, z); !bytes.Equal(got, data) {
		t.Fatalf("%s: compress/zlib reads back %d bytes that differ from the %d written", name, len(got), len(data))
	}
	var st inflateState
	got, ok := fastInflate(nil, z, &st)
	if !ok || !bytes.Equal(got, data) {
		t.Fatalf("%s: the fast inflate path does not accept our own stream (ok=%t)", name, ok)
	}
	if len(z) > storedLen(len(data)) {
		t.Fatalf("%s: %d bytes of zlib, more than the %d of stored blocks", name, len(z), storedLen(len(data)))
	}
	return z
}

// blockType returns BTYPE of the first deflate block of a zlib stream.
func blockType(z []byte) byte { return z[2] >> 1 & 3 }

func TestDeflateRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var text []byte
	for i := range 200 {
		text = fmt.Appendf(text, `{"seq":%d,"nam":{"fn":"Traveller %d","fnt":"TRAVELLER<%d"},"dob":"19%02d-%02d-%02d"}`, i, i*7, i*7, i%100, i%12+1, i%28+1)
	}
	long := make([]byte, 0, limits.MaxCOSE)
	for len(long) < limits.MaxCOSE {
		long = append(long, random(40000)...) // repeats further back than 32 KiB
		long = append(long, long[:min(len(long), limits.MaxCOSE-len(long))]...)
	}
	long = long[:limits.MaxCOSE]
	cases := []struct {
		name  string
		data  []byte
		btype byte // 0 stored, 1 fixed, 2 dynamic; 255 any
	}{
		{"empty", nil, 1},
		{"one byte", []byte{'x'}, 1},
		{"one byte repeated", bytes.Repeat([]byte{0}, 1000), 255},
		{"random", random(400), 0},
		{"saves under 1/16", append(random(360), bytes.Repeat([]byte("0123"), 6)...), 0},
		{"random 64 KiB", random(limits.MaxCOSE), 0},
		{"text", text, 2},
		{"runs up to the maximum length", bytes.Repeat([]byte("abc"), 3000), 255},
		{"repeats beyond the window", long, 255},
		{"two symbols", bytes.Repeat([]byte("ab"), 1), 255},
	}
	for _, c := range cases {
		z := checkDeflate(t, c.name, c.data)
		if c.btype != 255 && blockType(z) != c.btype {
			t.Errorf("%s: block type %d, want %d", c.name, blockType(z), c.btype)
		}
	}
}

func TestDeflateTooLarge(t *testing.T) {
	_, err := appendZlib(nil, make([]byte, limits.MaxCOSE+1))
	if !errors.Is(err, errDeflateTooLarge) {
		t.Fatalf("appendZlib(MaxCOSE+1 bytes) error = %v, want errDeflateTooLarge", err)
	}
	if _, err := EncodeCOSE(make([]byte, limits.MaxCOSE+1)); err == nil {
		t.Fatal("EncodeCOSE() of a message larger than a verifier inflates: no error")
	}
}

// TestBuildLengths checks the code lengths: never above the limit, and
// always a complete code (Kraft sum exactly 1), also when Huffman's
// algorithm alone would go deeper (Fibonacci frequencies).
func TestBuildLengths(t *testing.T) {
	fib := make([]uint32, 30)
	fib[0], fib[1] = 1, 1
	for i := 2; i < len(fib); i++ {
		fib[i] = fib[i-1] + fib[i-2]
	}
	cases := []struct {
		name    string
		freq    []uint32
		maxBits int
	}{
		{"fibonacci, limit 15", fib, 15},
		{"fibonacci, limit 7", fib[:19], 7},
		{"equal", []uint32{5, 5, 5, 5, 5}, 15},
		{"one used", []uint32{0, 0, 9}, 15},
		{"one used, symbol 0", []uint32{9, 0, 0}, 15},
		{"none used", []uint32{0, 0, 0}, 15},
		{"skewed", []uint32{1000000, 1, 1, 1, 1, 1, 1, 1, 1}, 7},
	}
	var h huffScratch
	for _, c := range cases {
		lengths := make([]uint8, len(c.freq))
		buildLengths(c.freq, lengths, c.maxBits, &h)
		kraft, used := 0.0, 0
		for s, l := range lengths {
			if int(l) > c.maxBits {
				t.Errorf("%s: symbol %d has length %d > %d", c.name, s, l, c.maxBits)
			}
			if c.freq[s] != 0 && l == 0 {
				t.Errorf("%s: used symbol %d has no code", c.name, s)
			}
			if l != 0 {
				kraft += 1 / float64(uint(1)<<l)
				used++
			}
		}
		if kraft != 1 || used < 2 {
			t.Errorf("%s: lengths %v: Kraft sum %v with %d codes, want a complete code of at least 2", c.name, lengths, kraft, used)
		}
		// More frequent symbols never get longer codes.
		for a := range c.freq {
			for b := range c.freq {
				if c.freq[a] > c.freq[b] && c.freq[b] > 0 && lengths[a] > lengths[b] {
					t.Errorf("%s: symbol %d (freq %d) has length %d > symbol %d (freq %d) length %d",
						c.name, a, c.freq[a], lengths[a], b, c.freq[b], lengths[b])
				}
			}
		}
	}
}

func TestDistSym(t *testing.T) {
	for d := 1; d <= maxDist; d++ {
		s := distSym(d)
		if d < int(distBase[s]) || d >= int(distBase[s])+1<<distExtra[s] {
			t.Fatalf("distSym(%d) = %d, whose range is %d+%d bits", d, s, distBase[s], distExtra[s])
		}
	}
	for l := minMatch; l <= maxMatch; l++ {
		s := lengthSym[l]
		if l < int(lengthBase[s]) || l >= int(lengthBase[s])+1<<lengthExtra[s] {
			t.Fatalf("lengthSym[%d] = %d, whose range is %d+%d bits", l, s, lengthBase[s], lengthExtra[s])
		}
	}
	if lengthSym[maxMatch] != 28 {
		t.Fatalf("length 258 has code %d, want 28 (symbol 285)", 257+int(lengthSym[maxMatch]))
	}
}

// FuzzDeflate checks that every stream written is read back exactly by
// compress/zlib and by the fast inflate path.
func FuzzDeflate(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("HC1:HC1:HC1:HC1:"))
	f.Add(bytes.Repeat([]byte{0xd2, 0x84, 0x43}, 100))
	for _, v := range dgcVectors(f) {
		if cose, ok := hexField(v.COSE); ok && len(cose) > 0 {
			f.Add(cose)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > limits.MaxCOSE {
			return
		}
		checkDeflate(t, "fuzz", data)
	})
}

// BenchmarkDeflate compresses the COSE message of a DCC, as EncodeCOSE
// does at every issuance, and, for comparison in the same run,
// compress/zlib at its fastest and best levels with a reused writer.
func BenchmarkDeflate(b *testing.B) {
	k := testKeys(b)["ES256"]
	cose, err := SignCOSE(SignInput{Issuer: "AT", DCC: testca.SampleDCC()}, k.signer, SignOptions{Certificate: k.cert})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ours", func(b *testing.B) {
		var z []byte
		b.ReportAllocs()
		for b.Loop() {
			if z, err = appendZlib(z[:0], cose); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(z)), "bytes")
	})
	for _, level := range []int{zlib.BestSpeed, zlib.BestCompression} {
		b.Run(fmt.Sprintf("compress-zlib-level-%d", level), func(b *testing.B) {
			var buf bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&buf, level)
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				zw.Reset(&buf)
				if _, err := zw.Write(cose); err != nil {
					b.Fatal(err)
				}
				if err := zw.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}
