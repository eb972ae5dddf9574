package conformance

import "testing"

// FuzzParseSegments: the QR data bit stream of an image never panics the
// segment parser, and the segments it returns fit in the data.
func FuzzParseSegments(f *testing.F) {
	f.Add([]byte{0x40, 0x57, 0x36, 0x86, 0x33, 0xa2, 0xf1, 0x00, 0x97, 0x00}, 1)
	f.Add([]byte{0x70, 0xff, 0xff, 0xff}, 30)
	f.Fuzz(func(t *testing.T, data []byte, version int) {
		if version < 1 || version > 40 {
			return
		}
		segs, err := parseSegments(data, version)
		if err != nil {
			return
		}
		for _, s := range segs {
			if s.count < 0 || s.count > 8*len(data) {
				t.Fatalf("segment %+v in %d bytes", s, len(data))
			}
		}
	})
}

// FuzzParseExpected: no panic on any expectation text.
func FuzzParseExpected(f *testing.F) {
	f.Add("[[INVALID_ISSUER_URL].concat(OPENSSL_AVAILABLE ? [INVALID_KEY_X5C] : [])]")
	f.Add("[SCHEMA_ERROR_ARRAY, [JWS_TOO_LONG]]")
	f.Add("[0, 5 ]")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseExpected(s)
		if err == nil && (e.Errors.Count < len(e.Errors.Codes) || e.Errors.Count < 0 || e.Warnings.Count < 0) {
			t.Fatalf("parseExpected(%q) = %+v", s, e)
		}
	})
}
