//go:build cgo

package keys

import "testing"

// BenchmarkSignES256SoftHSM is one ES256 signature by a key in a SoftHSM
// token, through crypto11: what batch issuance pays per code with an HSM
// (a real HSM is faster or slower than SoftHSM, and adds network latency
// when it is remote).
func BenchmarkSignES256SoftHSM(b *testing.B) {
	h := NewSoftHSM(b)
	h.InitToken("bench")
	k, err := Generate(h.Ref("bench", "k"), AlgES256, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	benchmarkSign(b, k)
}

// BenchmarkSignES256SoftHSMParallel signs from several goroutines at once,
// as an issuing service does; crypto11 keeps a pool of sessions.
func BenchmarkSignES256SoftHSMParallel(b *testing.B) {
	h := NewSoftHSM(b)
	h.InitToken("bench")
	k, err := Generate(h.Ref("bench", "k"), AlgES256, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	digest := make([]byte, 32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Sign(nil, digest, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
