package verify

import (
	"testing"

	"github.com/ithc/ithc/hc1"
)

// BenchmarkOverheadHuffman measures what Verify does besides the signature
// on a dynamic-Huffman code: decoding, the ITHC form of the DCC, the
// validity and schema checks.
func BenchmarkOverheadHuffman(b *testing.B) {
	c := newBenchCase(b, "ES256", true)
	var s hc1.Scratch
	b.ReportAllocs()
	for b.Loop() {
		code, err := s.Parse(c.text)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := code.DCC.Certificate(); err != nil {
			b.Fatal(err)
		}
		if err := CheckValidity(code, nil, now, 0); err != nil {
			b.Fatal(err)
		}
		if err := CheckSchema(code, c.verifier.opts.ValueSets); err != nil {
			b.Fatal(err)
		}
	}
}
