package jcs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// FuzzCanonicalize checks, for any input: no panic; a value exactly when
// there is no error; canonicalising the output again gives it unchanged
// (idempotence); the output parses back to a value equal to the input's.
func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte(`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`))
	f.Add([]byte(`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Dalet","1":"One","\ud83d\ude00":"Emoji","\u0080":"Control","\u00f6":"o"}`))
	f.Add([]byte(`[-0, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, "\ud800"]`))
	if dir, err := shareddata.Find("vdsnc"); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	lim := Limits{MaxBytes: 1 << 16, MaxDepth: 16, MaxItems: 256}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := Parse(in, lim)
		if (v == nil) == (err == nil) {
			t.Fatalf("Parse() = %v, %v: want exactly one of value and error", v, err)
		}
		if err != nil {
			return
		}
		out, err := AppendCanonical(nil, v)
		if err != nil {
			t.Fatalf("AppendCanonical() of a parsed value: %v", err)
		}
		// The canonical form may be longer than the input (escapes such as
		// \u0000 for a control written as \b are not; numbers are at most
		// 24 bytes), so parse it with room.
		back, err := Parse(out, Limits{MaxBytes: 1 << 20, MaxDepth: lim.MaxDepth, MaxItems: lim.MaxItems})
		if err != nil {
			t.Fatalf("canonical output %q does not parse: %v", out, err)
		}
		if !Equal(v, back) {
			t.Fatalf("canonical output %q parses to another value", out)
		}
		again, err := AppendCanonical(nil, back)
		if err != nil || string(again) != string(out) {
			t.Fatalf("canonicalising %q again gave %q, %v", out, again, err)
		}
	})
}
