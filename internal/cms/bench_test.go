package cms

import (
	"testing"
)

// go test -run '^$' -bench . ./internal/cms
func BenchmarkSign(b *testing.B) {
	content := readVector(b, "content.der")
	for _, s := range signers(b) {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Sign(content, s.cert, s.key, s.opts()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseVerify(b *testing.B) {
	content := readVector(b, "content.der")
	for _, s := range signers(b) {
		der, err := Sign(content, s.cert, s.key, s.opts())
		if err != nil {
			b.Fatal(err)
		}
		for name, msg := range map[string][]byte{s.name: der, s.name + "-BER": berLikeBouncyCastle(b, der)} {
			if s.name != "ES256" && name != s.name {
				continue // BER costs the same for every algorithm; measure it once
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(msg)))
				for b.Loop() {
					sd, err := Parse(msg)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := sd.Verify(VerifyOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkParse(b *testing.B) {
	content := make([]byte, 1<<20) // a large JSON batch
	s := es256(b)
	der, err := Sign(content, s.cert, s.key, nil)
	if err != nil {
		b.Fatal(err)
	}
	for name, msg := range map[string][]byte{"DER-1MiB": der, "BER-1MiB": berLikeBouncyCastle(b, der)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := Parse(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
