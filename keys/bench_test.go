package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"path/filepath"
	"testing"
)

func benchmarkSign(b *testing.B, k Key) {
	digest := sha256.Sum256([]byte("health certificate"))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := k.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignES256File is one ES256 signature by a key file: the cost of
// signing a code with a software key.
func BenchmarkSignES256File(b *testing.B) {
	k, err := Generate(filepath.Join(b.TempDir(), "k.key"), AlgES256, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	benchmarkSign(b, k)
}

// BenchmarkOpenEncrypted opens an encrypted key file: dominated by PBKDF2
// with PBKDF2Iterations iterations, paid once per process.
func BenchmarkOpenEncrypted(b *testing.B) {
	path := filepath.Join(b.TempDir(), "k.key")
	pass := Options{Passphrase: passphrase("bench")}
	k, err := Generate(path, AlgES256, pass)
	if err != nil {
		b.Fatal(err)
	}
	k.Close()
	for b.Loop() {
		k, err := Open(path, pass)
		if err != nil {
			b.Fatal(err)
		}
		k.Close()
	}
}
