package shc

import (
	"strings"
	"testing"
)

func TestEncodeDecodeQR(t *testing.T) {
	for _, jws := range []string{"a.b.c", "-_.AZaz09", strings.Repeat("z", 1195)} {
		qr, err := EncodeQR(jws)
		if err != nil {
			t.Fatalf("EncodeQR(%.20q): %v", jws, err)
		}
		if !IsQR(qr) || len(qr) != 5+2*len(jws) {
			t.Errorf("EncodeQR(%.20q) = %.30q", jws, qr)
		}
		got, warnings, err := DecodeQR(qr)
		if err != nil || got != jws || len(warnings) != 0 {
			t.Errorf("DecodeQR(EncodeQR(%.20q)) = %.20q, %v, %v", jws, got, warnings, err)
		}
	}
	// '-' is 00 and 'z' is 77.
	if qr, _ := EncodeQR("-z"); qr != "shc:/0077" {
		t.Errorf("EncodeQR(\"-z\") = %q, want shc:/0077", qr)
	}
	for _, bad := range []string{"", "a b", "a=b", strings.Repeat("a", 1196), "é"} {
		if _, err := EncodeQR(bad); err == nil {
			t.Errorf("EncodeQR(%.20q) succeeded", bad)
		}
	}
}

func TestDecodeQRErrors(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		code   string
	}{
		{"nothing", nil, CodeInvalidNumericQR},
		{"no prefix", []string{"shc:5676"}, CodeInvalidQRHeader},
		{"upper-case prefix", []string{"SHC:/5676"}, CodeInvalidQRHeader},
		{"white space", []string{" shc:/5676"}, CodeTrailingCharacters},
		{"newline", []string{"shc:/5676\n"}, CodeTrailingCharacters},
		{"odd digits", []string{"shc:/567"}, CodeInvalidNumericQR},
		{"pair above 77", []string{"shc:/5678"}, CodeInvalidNumericQR},
		{"letter", []string{"shc:/56a6"}, CodeInvalidNumericQR},
		{"empty body", []string{"shc:/"}, CodeInvalidNumericQR},
		{"too long", []string{"shc:/" + strings.Repeat("00", 1196)}, CodeInvalidNumericQR},
		{"chunk of a single", []string{"shc:/1/2/5676"}, CodeMissingQRChunk},
		{"chunks without header", []string{"shc:/5676", "shc:/5676"}, CodeInvalidQRHeader},
		{"chunk count mismatch", []string{"shc:/1/3/5676", "shc:/2/3/5676"}, CodeMissingQRChunk},
		{"index above count", []string{"shc:/3/2/5676", "shc:/1/2/5676"}, CodeInvalidQRHeader},
		{"index zero", []string{"shc:/0/2/5676", "shc:/1/2/5676"}, CodeInvalidQRHeader},
		{"leading zero index", []string{"shc:/01/2/5676", "shc:/2/2/5676"}, CodeInvalidQRHeader},
		{"duplicate", []string{"shc:/1/2/5676", "shc:/1/2/5676"}, CodeInvalidQRHeader},
		{"chunk too long", []string{"shc:/1/2/" + strings.Repeat("00", 1192), "shc:/2/2/00"}, CodeInvalidNumericQR},
		{"too many chunks", make([]string, 33), CodeInvalidNumericQR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jws, _, err := DecodeQR(tt.chunks...)
			e, ok := err.(*Error)
			if !ok || e.Code != tt.code || e.Stage != StageQR || e.Status != StatusInvalidEncoding {
				t.Fatalf("DecodeQR() = %q, %v; want a %s error", jws, err, tt.code)
			}
			if jws != "" {
				t.Errorf("DecodeQR() returned %q with an error", jws)
			}
		})
	}
}

func TestDecodeQRChunks(t *testing.T) {
	// "abcdef" in three chunks, given in any order.
	enc := func(s string) string { q, _ := EncodeQR(s); return q[5:] }
	c1, c2, c3 := "shc:/1/3/"+enc("ab"), "shc:/2/3/"+enc("cd"), "shc:/3/3/"+enc("ef")
	for _, order := range [][]string{{c1, c2, c3}, {c3, c1, c2}, {c2, c3, c1}} {
		jws, warnings, err := DecodeQR(order...)
		if err != nil || jws != "abcdef" {
			t.Fatalf("DecodeQR(%v) = %q, %v", order, jws, err)
		}
		if !hasCode(warnings, CodeQRChunkingDeprecated) || !hasCode(warnings, CodeInvalidQR) {
			t.Errorf("warnings %v: want deprecated and unnecessary chunking", warnings)
		}
		if hasCode(warnings, CodeUnbalancedQRChunks) {
			t.Errorf("balanced chunks reported unbalanced: %v", warnings)
		}
	}
	_, warnings, err := DecodeQR("shc:/1/2/"+enc("abcdefgh"), "shc:/2/2/"+enc("ij"))
	if err != nil || !hasCode(warnings, CodeUnbalancedQRChunks) {
		t.Errorf("unbalanced chunks: %v, %v", warnings, err)
	}
	// A single code written as chunk 1 of 1 reads, with warnings.
	jws, warnings, err := DecodeQR("shc:/1/1/" + enc("abc"))
	if err != nil || jws != "abc" || !hasCode(warnings, CodeInvalidQRHeader) || !hasCode(warnings, CodeQRChunkingDeprecated) {
		t.Errorf("shc:/1/1/: %q, %v, %v", jws, warnings, err)
	}
}
