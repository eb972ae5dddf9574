// Package dcc reads, checks and writes the EU Digital COVID Certificate
// payload: the JSON-schema-defined object (schema releases 1.0.0 to 1.3.3,
// github.com/ehn-dcc-development/eu-dcc-schema) that HCERT carries as CWT
// claim -260, sub-claim 1, and maps it to and from the ITHC model
// (package healthcert).
//
// Start with ParseCBOR (the payload bytes from package hc1), then
// Payload.Check, the schema stage of a verifier, and Payload.Certificate.
// FromEvent and Payload.MarshalCBOR go the other way, for issuance.
//
// Parsing is strict where that is safe (duplicate map keys, trailing bytes,
// wrong types, invalid UTF-8 and oversized items are errors) and lenient
// where real issuers forced it: indefinite-length items, unknown fields
// (later schema versions add some), null for absent groups, dn/sd as
// integral floats, sc wrapped in CBOR tag 0. Strings are kept as issued, so
// dates with offsets such as "+02" or "+0200" and fractional seconds survive
// unchanged; they are parsed leniently only where Certificate converts them.
package dcc

import (
	"errors"
	"fmt"

	"github.com/ithc/ithc/healthcert"
)

// Test types (DCC "tt", LOINC).
const (
	// TestTypeNAAT is a nucleic acid amplification test.
	TestTypeNAAT = "LP6464-4"
	// TestTypeRAT is a rapid antigen test.
	TestTypeRAT = "LP217198-3"
)

// Test results (DCC "tr", SNOMED CT).
const (
	ResultNotDetected = "260415000"
	ResultDetected    = "260373001"
)

// DiseaseCOVID19 is the SNOMED CT code of COVID-19 (DCC "tg").
const DiseaseCOVID19 = "840539006"

// Errors callers branch on.
var (
	// ErrMalformed is wrapped by every error of ParseCBOR, ParseJSON and
	// DecodeGeneric about their input.
	ErrMalformed = errors.New("dcc: malformed payload")
	// ErrNotRepresentable is wrapped when an event or value has no DCC form
	// (antibody tests, inconclusive results, partial event dates).
	ErrNotRepresentable = errors.New("dcc: not representable as a DCC")
	// ErrEntries is wrapped when a payload does not hold exactly one
	// vaccination, test or recovery entry.
	ErrEntries = errors.New("dcc: payload must hold exactly one entry")
)

// Payload is an EU DCC payload (schema 1.0.0–1.3.x): ver, nam, dob and one
// of the v, t, r groups. Strings are kept exactly as issued.
//
// Parsers also record which keys were present and which were null, so that
// Check tells a missing field from an empty one; a Payload built in Go has
// no such record, and Check then treats empty strings and zero doses of
// required fields as missing.
type Payload struct {
	Version      string        `json:"ver" cbor:"ver"`
	Name         Name          `json:"nam" cbor:"nam"`
	DateOfBirth  string        `json:"dob" cbor:"dob"`
	Vaccinations []Vaccination `json:"v,omitempty" cbor:"v,omitempty"`
	Tests        []Test        `json:"t,omitempty" cbor:"t,omitempty"`
	Recoveries   []Recovery    `json:"r,omitempty" cbor:"r,omitempty"`

	seen, null uint32
}

// Name is the holder's name ("nam"): surname and forename as written
// natively, and their ICAO 9303 transliteration (A–Z and '<').
type Name struct {
	Family     string `json:"fn,omitempty" cbor:"fn,omitempty"`
	FamilyICAO string `json:"fnt,omitempty" cbor:"fnt,omitempty"`
	Given      string `json:"gn,omitempty" cbor:"gn,omitempty"`
	GivenICAO  string `json:"gnt,omitempty" cbor:"gnt,omitempty"`

	seen, null uint32
}

// Vaccination is a vaccination entry ("v").
type Vaccination struct {
	Disease      string `json:"tg" cbor:"tg"` // disease or agent targeted
	VaccineType  string `json:"vp" cbor:"vp"` // vaccine or prophylaxis
	Product      string `json:"mp" cbor:"mp"` // medicinal product
	Manufacturer string `json:"ma" cbor:"ma"` // marketing authorisation holder or manufacturer
	DoseNumber   int    `json:"dn" cbor:"dn"`
	TotalDoses   int    `json:"sd" cbor:"sd"`
	Date         string `json:"dt" cbor:"dt"` // date of vaccination
	Country      string `json:"co" cbor:"co"`
	Issuer       string `json:"is" cbor:"is"`
	ID           string `json:"ci" cbor:"ci"` // unique certificate identifier (UVCI)

	seen, null uint32
}

// Test is a test entry ("t").
type Test struct {
	Disease    string `json:"tg" cbor:"tg"`
	Type       string `json:"tt" cbor:"tt"`                     // TestTypeNAAT or TestTypeRAT
	Name       string `json:"nm,omitempty" cbor:"nm,omitempty"` // NAAT name
	Device     string `json:"ma,omitempty" cbor:"ma,omitempty"` // RAT device id (JRC database)
	SampleTime string `json:"sc" cbor:"sc"`                     // date-time of sample collection
	ResultTime string `json:"dr,omitempty" cbor:"dr,omitempty"` // date-time of result, schema < 1.2.0 only
	Result     string `json:"tr" cbor:"tr"`
	Centre     string `json:"tc,omitempty" cbor:"tc,omitempty"` // testing centre
	Country    string `json:"co" cbor:"co"`
	Issuer     string `json:"is" cbor:"is"`
	ID         string `json:"ci" cbor:"ci"`

	seen, null uint32
}

// Recovery is a recovery entry ("r").
type Recovery struct {
	Disease       string `json:"tg" cbor:"tg"`
	FirstPositive string `json:"fr" cbor:"fr"` // date of the first positive NAAT
	Country       string `json:"co" cbor:"co"`
	Issuer        string `json:"is" cbor:"is"`
	ValidFrom     string `json:"df" cbor:"df"`
	ValidUntil    string `json:"du" cbor:"du"`
	ID            string `json:"ci" cbor:"ci"`

	seen, null uint32
}

// Type reports the kind of the payload's single event: a vaccination, a
// recovery, a NucleicAcidTest (tt LP6464-4) or an AntigenTest (tt
// LP217198-3); a test of another tt is an AntigenTest when it names a
// device (ma) and a NucleicAcidTest otherwise. A payload without exactly one entry overall is an error
// wrapping ErrEntries.
func (p *Payload) Type() (healthcert.EventType, error) {
	n := len(p.Vaccinations) + len(p.Tests) + len(p.Recoveries)
	if n != 1 {
		return "", fmt.Errorf("%w: it holds %d", ErrEntries, n)
	}
	switch {
	case len(p.Vaccinations) == 1:
		return healthcert.TypeVaccination, nil
	case len(p.Recoveries) == 1:
		return healthcert.TypeRecovery, nil
	}
	switch t := &p.Tests[0]; {
	case t.Type == TestTypeNAAT:
		return healthcert.TypeNucleicAcidTest, nil
	case t.Type == TestTypeRAT:
		return healthcert.TypeAntigenTest, nil
	case t.Device != "":
		// A test type outside the value set (early issuers wrote free
		// text such as "COVID-19 test"): a test that names a rapid-test
		// device is an antigen test, any other a nucleic-acid test whose
		// Method keeps the text as issued.
		return healthcert.TypeAntigenTest, nil
	default:
		return healthcert.TypeNucleicAcidTest, nil
	}
}
