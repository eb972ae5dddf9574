package envelope

import (
	"crypto/ecdh"
	"testing"
	"time"

	"github.com/ithc/ithc/verify"
)

// BenchmarkOpenVerify measures the verification of a native code
// encrypted for three countries (decrypt, then verify) and of the same
// code plain, in one run; the encrypted sub-benchmark also reports the
// ratio of the two, measured in interleaved batches.
//
//	go test ./envelope -run '^$' -bench OpenVerify -benchtime 2s
func BenchmarkOpenVerify(b *testing.B) {
	f, err := BenchSetup()
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, text string) {
		for b.Loop() {
			if r := f.Verifier.Verify(text); r.Status != verify.StatusVerified {
				b.Fatal(r.Status)
			}
		}
	}
	b.Run("plain", func(b *testing.B) { run(b, f.Plain) })
	b.Run("encrypted3", func(b *testing.B) {
		b.ReportMetric(float64(len(f.Encrypted)), "chars")
		run(b, f.Encrypted)
	})
	b.Run("ratio", func(b *testing.B) {
		const batch = 50
		var plain, enc time.Duration
		for b.Loop() {
			start := time.Now()
			for range batch {
				f.Verifier.Verify(f.Plain)
			}
			mid := time.Now()
			for range batch {
				f.Verifier.Verify(f.Encrypted)
			}
			plain += mid.Sub(start)
			enc += time.Since(mid)
		}
		b.ReportMetric(float64(enc)/float64(plain), "encrypted/plain")
	})
}

// BenchmarkSeal measures encrypting a signed code for three countries.
func BenchmarkSeal(b *testing.B) {
	f, err := BenchSetup()
	if err != nil {
		b.Fatal(err)
	}
	inner := f.Plain
	xb, xc, xd := newCountry(b, "XB", ecdh.P256()), newCountry(b, "XC", ecdh.P256()), newCountry(b, "XD", ecdh.P256())
	rs := []Recipient{xb.recipient(), xc.recipient(), xd.recipient()}
	for b.Loop() {
		if _, err := Seal(inner, rs, SealOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchSetup checks the fixture internal/bench uses and the sizes
// docs/format.md §8.5 reports: each P-256 recipient costs 178 or 179 QR
// characters (119 bytes in Base45), each X25519 one 129 (86 bytes).
func TestBenchSetup(t *testing.T) {
	f, err := BenchSetup()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plain %d characters; encrypted for 1, 2, 3 countries: P-256 %v, X25519 %v", len(f.Plain), f.Sizes, f.SizesX25519)
	if len(f.Sizes) != 3 || len(f.SizesX25519) != 3 || f.Sizes[2] != len(f.Encrypted) {
		t.Fatalf("BenchSetup() sizes %v %v, encrypted %d", f.Sizes, f.SizesX25519, len(f.Encrypted))
	}
	for k := 1; k < 3; k++ {
		if d := f.Sizes[k] - f.Sizes[k-1]; d < 178 || d > 179 {
			t.Errorf("a P-256 recipient costs %d characters, want 178 or 179", d)
		}
		if d := f.SizesX25519[k] - f.SizesX25519[k-1]; d != 129 {
			t.Errorf("an X25519 recipient costs %d characters, want 129", d)
		}
	}
	if fixed := f.Sizes[0] - 179 - len(f.Plain); fixed < 60 || fixed > 66 {
		t.Errorf("the fixed cost of encryption is %d characters, want about 63", fixed)
	}
}
