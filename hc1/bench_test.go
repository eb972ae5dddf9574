package hc1

import (
	"testing"
	"time"

	"github.com/ithc/ithc/internal/testca"
)

func benchCode(b *testing.B) string {
	k := testKeys(b)["ES256"]
	text, err := Sign(SignInput{Issuer: "AT", IssuedAt: time.Unix(1620000000, 0), ExpiresAt: time.Unix(1650000000, 0), DCC: testca.SampleDCC()},
		k.signer, SignOptions{Certificate: k.cert})
	if err != nil {
		b.Fatal(err)
	}
	return text
}

// BenchmarkParse measures the whole decode path of a DCC vaccination code
// (prefix, Base45, zlib, COSE, CWT, DCC payload), without the signature.
func BenchmarkParse(b *testing.B) {
	text := benchCode(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStages(b *testing.B) {
	text := benchCode(b)
	b45, _ := Unprefix(text)
	z, _ := DecodeBase45(b45)
	cose, _ := Inflate(z)
	code, _ := ParseCOSE(cose)
	b.Run("base45", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = DecodeBase45(b45)
		}
	})
	b.Run("zlib", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = Inflate(z)
		}
	})
	b.Run("cose+cwt+payload", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = ParseCOSE(cose)
		}
	})
	b.Run("sigstructure", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bp := sigBuffers.Get().(*[]byte)
			*bp = appendSigStructure((*bp)[:0], code.Protected, code.Payload)
			sigBuffers.Put(bp)
		}
	})
}

// BenchmarkInflateHuffman inflates a DCC code compressed as most issuers
// do, in one dynamic-Huffman block (Sign writes a DCC mostly in a stored
// block, which BenchmarkStages/zlib measures).
func BenchmarkInflateHuffman(b *testing.B) {
	k := testKeys(b)["ES256"]
	in := SignInput{Issuer: "AT", IssuedAt: time.Unix(1620000000, 0), ExpiresAt: time.Unix(1650000000, 0), DCC: testca.SampleDCC()}
	z := testca.HuffmanZlib(b, func() ([]byte, error) {
		return SignCOSE(in, k.signer, SignOptions{Certificate: k.cert})
	})
	var dst []byte
	var err error
	b.ReportAllocs()
	for b.Loop() {
		if dst, err = inflateInto(dst, z); err != nil {
			b.Fatal(err)
		}
	}
}
