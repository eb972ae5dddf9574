package vdsnc

import (
	"testing"

	"golang.org/x/text/language"

	"github.com/ithc/ithc/valueset"
)

// TestCountryTable checks the alpha-3 table against the ISO 3166-1 data of
// golang.org/x/text (CLDR) for every country of the value sets.
func TestCountryTable(t *testing.T) {
	codes := valueset.Default().Codes(valueset.CountryCodes)
	if len(codes) < 249 {
		t.Fatalf("only %d country codes in the value sets", len(codes))
	}
	for _, a2 := range codes {
		a3, ok := Alpha3(a2)
		if !ok {
			t.Errorf("Alpha3(%s): no code", a2)
			continue
		}
		if back, ok := Alpha2(a3); !ok || back != a2 {
			t.Errorf("Alpha2(Alpha3(%s) = %s) = %s, %v", a2, a3, back, ok)
		}
		if a2 == "XK" {
			continue // ICAO's RKS, not CLDR's XKK
		}
		r, err := language.ParseRegion(a2)
		if err != nil {
			t.Errorf("x/text does not know %s: %v", a2, err)
			continue
		}
		if r.ISO3() != a3 {
			t.Errorf("Alpha3(%s) = %s, ISO 3166-1 says %s", a2, a3, r.ISO3())
		}
	}
}
