package healthcert

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// ErrInvalidICAOName is wrapped by every error about a malformed ICAO 9303
// name component.
var ErrInvalidICAOName = errors.New("healthcert: invalid icao name")

// CheckICAOName reports why s is not a valid ICAO 9303 name component:
// 1–limits.MaxICAOName characters of A–Z and '<', neither starting nor
// ending with '<' and without "<<" (which separates family and given names
// in the MRZ). Package icao derives such names from native script.
func CheckICAOName(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case len(s) > limits.MaxICAOName:
		return fmt.Errorf("%d characters, more than %d", len(s), limits.MaxICAOName)
	case s[0] == '<' || s[len(s)-1] == '<':
		return errors.New("starts or ends with '<'")
	case strings.Contains(s, "<<"):
		return errors.New("contains \"<<\"")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && c != '<' {
			return fmt.Errorf("invalid character %q at offset %d, want A–Z or '<'", rune(c), i)
		}
	}
	return nil
}

// MRZ returns the name as in the name field of a machine-readable zone,
// without trailing fillers: "ZHANG<<WEI". A name with only one ICAO
// component returns that component alone.
func (n Name) MRZ() string {
	switch {
	case n.FamilyICAO == "":
		return n.GivenICAO
	case n.GivenICAO == "":
		return n.FamilyICAO
	}
	return n.FamilyICAO + "<<" + n.GivenICAO
}
