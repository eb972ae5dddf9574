package hc1

import (
	"bytes"
	"compress/zlib"
	"testing"
)

// TestCompressionSize encodes the COSE message of every EU conformance
// vector and checks that the code round-trips, that no code is larger than
// its stored form, and that the total stays within 3% of zlib's best
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
	t.Logf("%d codes: zlib bytes %d (BestCompression %d, +%.2f%%), stored %d",
		n, ours, best, 100*float64(ours-best)/float64(best), stored)
	if ours*100 > best*103 {
		t.Errorf("codes total %d bytes of zlib, more than 103%% of BestCompression's %d", ours, best)
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
	if len(z)*100 > best*105 {
		t.Errorf("native code has %d bytes of zlib, more than 105%% of BestCompression's %d", len(z), best)
	}
}

// TestAppendStored checks the stored zlib stream against the standard
// reader, across the 65535-byte block boundary.
func TestAppendStored(t *testing.T) {
	for _, n := range []int{0, 1, 100, maxStored - 1, maxStored, maxStored + 1, 2*maxStored + 7} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 7)
		}
		z := appendStored(nil, data)
		if len(z) != storedLen(n) {
			t.Errorf("appendStored(%d bytes) = %d bytes, want storedLen %d", n, len(z), storedLen(n))
		}
		zr, err := zlib.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatalf("zlib.NewReader(appendStored(%d bytes)) error = %v", n, err)
		}
		var out bytes.Buffer
		if _, err := out.ReadFrom(zr); err != nil {
			t.Fatalf("reading appendStored(%d bytes): %v", n, err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Errorf("appendStored(%d bytes) does not round-trip", n)
		}
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
