package base45

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRFC9285Examples(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
		{"", ""},
		{"\x00", "00"},
		{"\xff", "U5"},
		{"\xff\xff", "FGW"},
	} {
		if got := Encode([]byte(tc.in)); got != tc.out {
			t.Errorf("Encode(%q) = %q, want %q", tc.in, got, tc.out)
		}
		got, err := Decode(tc.out)
		if err != nil || string(got) != tc.in {
			t.Errorf("Decode(%q) = %q, %v, want %q", tc.out, got, err, tc.in)
		}
	}
}

func TestDecodeHostile(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
		reason string
	}{
		{"A", 0, "trailing single character"},
		{"BB8A", 3, "trailing single character"},
		{"GGW", 0, "exceeds 65535"}, // 16+16*45+32*2025 = 65536
		{":::", 0, "exceeds 65535"},
		{"BB8:::", 3, "exceeds 65535"},
		{"V5", 0, "exceeds 255"}, // 31+5*45 = 256
		{"::", 0, "exceeds 255"},
		{"a", 0, "trailing single character"},
		{"ab", 0, "invalid character 'a'"},
		{"QEDab", 3, "invalid character 'a'"},
		{"BB8 d8", 4, "invalid character 'd'"},
		{"QE\x00", 2, "invalid character"},
		{"Q\xffD", 1, "invalid character"},
		{"QED8WEX0\n", 8, "invalid character"},
		{"BB8BB,", 5, "invalid character ','"},
	} {
		got, err := Decode(tc.in)
		var ce *CorruptInputError
		if !errors.As(err, &ce) {
			t.Errorf("Decode(%q) = %q, %v, want *CorruptInputError", tc.in, got, err)
			continue
		}
		if got != nil {
			t.Errorf("Decode(%q) returned %q with an error", tc.in, got)
		}
		if ce.Offset != tc.offset || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("Decode(%q) error = %v (offset %d), want %q at offset %d", tc.in, err, ce.Offset, tc.reason, tc.offset)
		}
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "base45: ") {
			t.Errorf("Decode(%q) error %v does not wrap ErrInvalid with the package prefix", tc.in, err)
		}
	}
}

func TestAllPairsRoundTrip(t *testing.T) {
	buf := make([]byte, 2)
	for v := 0; v <= 0xffff; v++ {
		buf[0], buf[1] = byte(v>>8), byte(v)
		s := Encode(buf)
		got, err := Decode(s)
		if err != nil || !bytes.Equal(got, buf) {
			t.Fatalf("Decode(Encode(%x)) = %x, %v", buf, got, err)
		}
	}
}

func TestDecodeIntoAppends(t *testing.T) {
	dst := []byte("x")
	got, err := DecodeInto(dst, "BB8")
	if err != nil || string(got) != "xAB" {
		t.Errorf("DecodeInto(%q, %q) = %q, %v, want %q", "x", "BB8", got, err, "xAB")
	}
	if got := AppendEncode([]byte("y"), []byte("AB")); string(got) != "yBB8" {
		t.Errorf("AppendEncode = %q, want %q", got, "yBB8")
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "BB8", "%69 VD92EX0", "UJCLQE7W581", "GGW", "A", "::", "FGW", "U5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Round trip from bytes: the fuzzer's string is also data.
		if got, err := Decode(Encode([]byte(s))); err != nil || string(got) != s {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", s, got, err)
		}
		b, err := Decode(s)
		if err != nil {
			if b != nil {
				t.Fatalf("Decode(%q) returned data with error %v", s, err)
			}
			return
		}
		// The encoding is canonical: every accepted string is the encoding
		// of what it decodes to.
		if e := Encode(b); e != s {
			t.Fatalf("Encode(Decode(%q)) = %q: non-canonical input accepted", s, e)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	src := bytes.Repeat([]byte{0x78, 0xda, 0xbb, 0xd4, 0xe2, 0xbb, 0x88, 0xc5}, 40)
	s := Encode(src)
	dst := make([]byte, 0, len(src))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		var err error
		if dst, err = DecodeInto(dst[:0], s); err != nil {
			b.Fatal(err)
		}
	}
}
