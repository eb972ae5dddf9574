package valueset

import (
	"errors"
	"fmt"
	"strings"
)

// WHOListedVaccines holds the vaccine products with a WHO Emergency Use
// Listing (data/ithc.tsv), by the codes of VaccineProducts; the display
// names the product and the date of listing.
const WHOListedVaccines = "ithc-who-eul-vaccines"

// ErrUnknownCode is wrapped by the errors of Check.
var ErrUnknownCode = errors.New("valueset: unknown code")

// UnknownCodeError reports a code that is not a member of a value set.
type UnknownCodeError struct {
	SetID, Code string
	// Defined is false when the set itself is unknown.
	Defined bool
}

func (e *UnknownCodeError) Error() string {
	if !e.Defined {
		return fmt.Sprintf("valueset: unknown value set %q (code %q)", e.SetID, e.Code)
	}
	return fmt.Sprintf("valueset: %q is not a code of %s", e.Code, e.SetID)
}

func (e *UnknownCodeError) Is(target error) bool { return target == ErrUnknownCode }

// Check returns nil when code is a member of setID and otherwise an
// *UnknownCodeError saying what is unknown: the code or the set.
func (s *Sets) Check(setID, code string) error {
	if s.Has(setID, code) {
		return nil
	}
	return &UnknownCodeError{SetID: setID, Code: code, Defined: s.Defines(setID)}
}

// VaccineListing is what the value sets say about a vaccine product.
type VaccineListing struct {
	// Known is true when the product is a code of VaccineProducts or
	// ExtraVaccineProducts.
	Known bool
	// Name is its display name ("" when unknown).
	Name string
	// WHOListed is true when it has a WHO Emergency Use Listing; Listing
	// is then the WHOListedVaccines display (product and date).
	WHOListed bool
	Listing   string
}

// Vaccine looks up a vaccine product code. An unknown code gives a
// listing with Known false (and is never a panic).
func (s *Sets) Vaccine(product string) VaccineListing {
	var l VaccineListing
	for _, id := range []string{VaccineProducts, ExtraVaccineProducts} {
		if d, ok := s.Display(id, product); ok {
			l.Known, l.Name = true, d
			break
		}
	}
	if d, ok := s.Display(WHOListedVaccines, product); ok {
		l.WHOListed, l.Listing = true, d
		if !l.Known {
			l.Known, l.Name = true, strings.TrimSpace(strings.SplitN(d, ",", 2)[0])
		}
	}
	return l
}

// Merge returns the union of sets: a later *Sets replaces, for each set id
// it defines, the whole set of an earlier one (an updated value set from
// the gateway replaces the embedded default of the same id). Nil sets are
// skipped. The inputs are not modified.
func Merge(sets ...*Sets) *Sets {
	out := &Sets{sets: make(map[string]map[string]Entry)}
	for _, s := range sets {
		if s == nil {
			continue
		}
		for id, set := range s.sets {
			out.sets[id] = set
		}
	}
	return out
}
