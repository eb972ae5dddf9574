package verify

import (
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
)

// BenchmarkVerifyLargeInput measures the refusal of inputs of the largest
// size Verify reads that are not HC1 codes, one of each detected kind:
// what any input of that size may cost.
//
//	go test -run '^$' -bench LargeInput -benchtime 5x ./verify/
func BenchmarkVerifyLargeInput(b *testing.B) {
	m := newMulti(b, Options{Now: now})
	n := limits.MaxVerifyInput - 64
	for _, c := range []struct{ name, text string }{
		{"json-members", "{" + strings.Repeat(`"a":1,`, n/6) + `"b":1}`},
		{"json-deep", `{"x":` + strings.Repeat("[", n)},
		{"json-string", `{"x":"` + strings.Repeat("a", n) + `"}`},
		{"chunks", "shc:/" + strings.Repeat("1 ", n/2)},
		{"jws", "eyJ" + strings.Repeat("a", n/2) + "." + strings.Repeat("b", n/2) + ".c"},
		{"seal", `{"data":"` + strings.Repeat("a", n) + `"}`},
		{"card-file", `{"verifiableCredential":["` + strings.Repeat("a", n) + `"]}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if r := m.v.Verify(c.text); r.Status != StatusInvalidEncoding {
					b.Fatalf("Verify() = %s at %s", r.Status, r.Stage)
				}
			}
		})
	}
}
