package hc1

import (
	"bytes"
	"compress/zlib"
	"testing"
)

// TestCompressionSize encodes the COSE message of every EU conformance
// vector and checks that the code round-trips, that no code is larger than
// its stored form, and that the total is no larger than zlib's at best
// compression.
func TestCompressionSize(t *testing.T) {
	var best, ours, stored, n int
	for _, v := range dgcVectors(t) {
		cose, ok := hexField(v.COSE)
		if !ok || len(cose) == 0 {
			continue
		}
		n++
		best += bestCompressedLen(t, cose)
		text, err := EncodeCOSE(cose)
		if err != nil {
			t.Fatalf("%s: EncodeCOSE() error = %v", v.Name, err)
		}
		b45, err := Unprefix(text)
		if err != nil {
			t.Fatalf("%s: Unprefix() error = %v", v.Name, err)
		}
		z, err := DecodeBase45(b45)
		if err != nil {
			t.Fatalf("%s: DecodeBase45() error = %v", v.Name, err)
		}
		got, err := Inflate(z)
		if err != nil {
			t.Fatalf("%s: Inflate() error = %v", v.Name, err)
		}
		if !bytes.Equal(got, cose) {
			t.Errorf("%s: EncodeCOSE() does not round-trip", v.Name)
		}
		if len(z) > storedLen(len(cose)) {
			t.Errorf("%s: zlib of %d bytes, more than the stored %d", v.Name, len(z), storedLen(len(cose)))
		}
		ours += len(z)
		stored += storedLen(len(cose))
	}
	if n == 0 {
		t.Skip("no vector has a COSE message")
	}
	t.Logf("%d codes: zlib bytes %d (BestCompression %d, %+.2f%%), stored %d",
		n, ours, best, 100*float64(ours-best)/float64(best), stored)
	if ours > best {
		t.Errorf("codes total %d bytes of zlib, more than BestCompression's %d", ours, best)
	}
}

// TestCompressionSizeNative compares the code of a native payload, which
// repeats more text than a DCC, with zlib's best compression.
func TestCompressionSizeNative(t *testing.T) {
	k := testKeys(t)["ES256"]
	cose, err := SignCOSE(SignInput{Native: nativeCert()}, k.signer, SignOptions{Certificate: k.cert})
	if err != nil {
		t.Fatal(err)
	}
	best := bestCompressedLen(t, cose)
	text, err := EncodeCOSE(cose)
	if err != nil {
		t.Fatalf("EncodeCOSE() error = %v", err)
	}
	b45, _ := Unprefix(text)
	z, err := DecodeBase45(b45)
	if err != nil {
		t.Fatalf("DecodeBase45() error = %v", err)
	}
	t.Logf("native COSE %d bytes: zlib %d (BestCompression %d, stored %d)", len(cose), len(z), best, storedLen(len(cose)))
	if len(z) > best {
		t.Errorf("native code has %d bytes of zlib, more than BestCompression's %d", len(z), best)
	}
}

// bestCompressedLen returns the size of b under zlib at best compression,
// the yardstick of the encoder's size.
func bestCompressedLen(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}
