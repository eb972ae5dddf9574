package pdf

import (
	"testing"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/qr/qrtest"
)

// benchInput is the demo's certificate: a nucleic-acid test, an IgM
// antibody test and a vaccination, with its signed code.
func benchInput(b *testing.B) (*healthcert.Certificate, string) {
	c := qrtest.Certificate(qrtest.Names[0], healthcert.TypeNucleicAcidTest, healthcert.TypeAntibodyTest, healthcert.TypeVaccination)
	code := qrtest.NewSigner(b).Sign(b, c)
	if _, err := DefaultFonts(); err != nil {
		b.Fatal(err)
	}
	return c, code
}

// BenchmarkRender prints one certificate at a time on one goroutine.
func BenchmarkRender(b *testing.B) {
	c, code := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bytes(c, code, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderParallel prints certificates on every core, as batch
// issuance does; pdfs/s is the throughput of the whole machine.
func BenchmarkRenderParallel(b *testing.B) {
	c, code := benchInput(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Bytes(c, code, Options{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pdfs/s")
}

// BenchmarkParseFonts is the one-time cost that DefaultFonts saves every
// later document.
func BenchmarkParseFonts(b *testing.B) {
	for b.Loop() {
		if _, err := ParseFonts(dejaVuSans, droidSansFallback); err != nil {
			b.Fatal(err)
		}
	}
}
