package hc1

import (
	"bytes"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// seedVectors adds the PREFIX (text) or COSE (hex) field of every DGC
// vector, if the shared test data is present.
func seedVectors(f *testing.F, field string) {
	f.Helper()
	if _, err := shareddata.Find("dgc"); err != nil {
		return // seeding is best effort; TestDGCVectors reports missing data
	}
	for _, v := range dgcVectors(f) {
		switch field {
		case "PREFIX":
			f.Add([]byte(v.Prefix))
		case "COSE":
			if b, ok := hexField(v.COSE); ok {
				f.Add(b)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("HC1:"))
	f.Add([]byte("HC1:6BFOXN%T"))
	seedVectors(f, "PREFIX")
	f.Fuzz(func(t *testing.T, b []byte) {
		code, err := Parse(string(b))
		if (code == nil) == (err == nil) {
			t.Fatalf("Parse() = %v, %v: want exactly one of code and error", code, err)
		}
	})
}

func FuzzParseCOSE(f *testing.F) {
	seedVectors(f, "COSE")
	f.Add([]byte{0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0x40, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		code, err := ParseCOSE(b)
		if err != nil {
			if code != nil {
				t.Fatalf("ParseCOSE() returned a code with error %v", err)
			}
			return
		}
		// The raw parts alias the input exactly.
		if !bytes.Contains(b, code.Payload) || !bytes.Contains(b, code.Signature) || !bytes.Contains(b, code.RawPayload) {
			t.Fatalf("ParseCOSE() parts do not come from the input")
		}
		if code.Native != nil {
			// A native payload that decodes re-encodes to what decodes
			// to the same certificate.
			enc, err := MarshalNative(code.Native)
			if err != nil {
				return
			}
			again, err := UnmarshalNative(enc)
			if err != nil {
				t.Fatalf("UnmarshalNative(MarshalNative(decoded)) = %v", err)
			}
			enc2, _ := MarshalNative(again)
			if !bytes.Equal(enc, enc2) {
				t.Fatalf("native encoding is not stable: %x then %x", enc, enc2)
			}
		}
	})
}

func FuzzCWT(f *testing.F) {
	for _, v := range func() (out [][]byte) {
		if _, err := shareddata.Find("dgc"); err != nil {
			return nil
		}
		for _, v := range dgcVectors(f) {
			if b, ok := hexField(v.COSE); ok {
				if c, err := ParseCOSE(b); err == nil {
					out = append(out, c.Payload)
				}
			}
		}
		return out
	}() {
		f.Add(v)
	}
	if b, err := marshalClaims(SignInput{Native: nativeCert()}); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, kind, raw, err := ParseClaims(b)
		if err != nil {
			if raw != nil || kind != "" {
				t.Fatalf("ParseClaims() returned data with error %v", err)
			}
			return
		}
		if kind != KindDCC && kind != KindNative {
			t.Fatalf("ParseClaims() kind = %q", kind)
		}
		if kind == KindNative {
			if c, err := UnmarshalNative(raw); err == nil {
				if _, err := MarshalNative(c); err != nil {
					t.Logf("decoded native payload does not re-encode: %v", err)
				}
			}
		}
	})
}
