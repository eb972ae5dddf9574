package shc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// The verifiable credential types of the SMART Health Cards vocabulary.
const (
	TypeHealthCard   = "https://smarthealth.cards#health-card"
	TypeImmunization = "https://smarthealth.cards#immunization"
	TypeLaboratory   = "https://smarthealth.cards#laboratory"
	TypeCovid19      = "https://smarthealth.cards#covid19"
	// TypeVerifiableCredential may be listed; it only costs space.
	TypeVerifiableCredential = "VerifiableCredential"
)

// maxSaneSeconds bounds a NumericDate in seconds: 1e11 seconds is the
// year 5138. A larger value is a date written in milliseconds by mistake.
const maxSaneSeconds = 1e11

// NumericDate is a JWT NumericDate (RFC 7519): seconds since 1970 in
// UTC, fractional seconds allowed (the SMART examples write
// 1687450764.656).
type NumericDate float64

// Time returns the instant, to the microsecond.
func (d NumericDate) Time() time.Time {
	sec, frac := math.Modf(float64(d))
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
}

// Payload is the JWS payload of a SMART Health Card.
type Payload struct {
	// Iss is the issuer's URL; its keys are at Iss + "/.well-known/jwks.json".
	Iss string
	// NBF is the issuance time.
	NBF NumericDate
	// EXP is the expiration time, zero when absent.
	EXP NumericDate
	// Types are vc.type: the credential types.
	Types []string
	// FHIRVersion is vc.credentialSubject.fhirVersion, such as "4.0.1".
	FHIRVersion string
	// Bundle is vc.credentialSubject.fhirBundle as received.
	Bundle json.RawMessage
	// Rid is vc.rid, the revocation identifier, when present.
	Rid string
	// bundle is the parsed tree of Bundle.
	bundle map[string]any
}

// bundlePath is the path of the FHIR bundle in the payload.
var bundlePath = []string{"vc", "credentialSubject", "fhirBundle"}

// ParsePayload reads and checks the JSON of a card's payload: iss a
// string, nbf a number (fractional allowed), exp absent or a number after
// nbf, vc an object whose type array holds
// "https://smarthealth.cards#health-card", and a FHIR bundle object at
// vc.credentialSubject.fhirBundle. It does not check iss's form or the
// times against a clock (Verify does), nor the bundle (ParseBundle does).
//
// Warnings: vc.type holding a type the bundle contradicts (immunization
// without an immunization, covid19 without COVID-19 content),
// VerifiableCredential, or a type outside the vocabulary; a vc
// "@context"; an exp that looks like milliseconds; a missing fhirVersion.
func ParsePayload(data []byte) (*Payload, []Finding, error) {
	var warnings []Finding
	if bytes.HasPrefix(data, []byte("\ufeff")) {
		return nil, nil, fail(StatusInvalidSigningFormat, StagePayload, CodeTrailingCharacters, "the payload starts with a byte order mark, which JSON forbids (RFC 8259 section 8.1)")
	}
	if len(bytes.TrimSpace(data)) != len(data) {
		warnings = append(warnings, warn(CodeTrailingCharacters, "the payload has leading or trailing white space"))
	}
	tree, bundleRaw, err := parseJSONSpan(data, bundlePath)
	if err != nil {
		return nil, nil, fail(StatusInvalidSigningFormat, StagePayload, CodeJSONParse, "the payload is not json: %v", err)
	}
	top, ok := tree.(map[string]any)
	if !ok {
		return nil, nil, fail(StatusInvalidSigningFormat, StagePayload, CodeJSONParse, "the payload is %s, not an object", jsonType(tree))
	}
	bad := func(code, format string, args ...any) (*Payload, []Finding, error) {
		return nil, nil, fail(StatusInvalidSigningFormat, StagePayload, code, format, args...)
	}
	p := &Payload{}
	iss, ok := top["iss"].(string)
	if !ok {
		return bad(CodeSchema, "payload \"iss\" is %s, not a string", jsonType(top["iss"]))
	}
	p.Iss = iss
	nbf, err := numericDate(top, "nbf", true)
	if err != nil {
		return bad(CodeSchema, "%v", err)
	}
	if nbf > maxSaneSeconds {
		return bad(CodeNotYetValid, "payload \"nbf\" %s is not seconds since 1970 (milliseconds?): the card would be valid from %s",
			strconv.FormatFloat(float64(nbf), 'f', -1, 64), NumericDate(float64(nbf)/1000).Time().Format(time.RFC3339))
	}
	p.NBF = nbf
	exp, err := numericDate(top, "exp", false)
	if err != nil {
		return bad(CodeSchema, "%v", err)
	}
	if _, has := top["exp"]; has {
		if exp <= nbf {
			return bad(CodeExpiration, "payload \"exp\" %s is not after \"nbf\" %s: the card expires before it is issued",
				strconv.FormatFloat(float64(exp), 'f', -1, 64), strconv.FormatFloat(float64(nbf), 'f', -1, 64))
		}
		if exp > maxSaneSeconds {
			warnings = append(warnings, warn(CodeExpiration, "payload \"exp\" %s is not seconds since 1970 (milliseconds?)", strconv.FormatFloat(float64(exp), 'f', -1, 64)))
		}
		p.EXP = exp
	}
	vc, ok := top["vc"].(map[string]any)
	if !ok {
		return bad(CodeSchema, "payload \"vc\" is %s, not an object", jsonType(top["vc"]))
	}
	if _, ok := vc["@context"]; ok {
		warnings = append(warnings, warn(CodeSchema, "vc has an \"@context\", which SMART Health Cards leave out"))
	}
	types, ok := vc["type"].([]any)
	if !ok {
		return bad(CodeSchema, "vc \"type\" is %s, not an array", jsonType(vc["type"]))
	}
	for i, t := range types {
		s, ok := t.(string)
		if !ok {
			return bad(CodeSchema, "vc.type[%d] is %s, not a string", i, jsonType(t))
		}
		p.Types = append(p.Types, s)
	}
	if !slices.Contains(p.Types, TypeHealthCard) {
		return bad(CodeSchema, "vc.type does not hold %q", TypeHealthCard)
	}
	if rid, has := vc["rid"]; has {
		s, ok := rid.(string)
		if !ok {
			return bad(CodeRevocation, "vc \"rid\" is %s, not a string", jsonType(rid))
		}
		if err := checkRid(s); err != nil {
			return bad(CodeRevocation, "vc.rid: %v", err)
		}
		p.Rid = s
	}
	subject, ok := vc["credentialSubject"].(map[string]any)
	if !ok {
		return bad(CodeSchema, "vc \"credentialSubject\" is %s, not an object", jsonType(vc["credentialSubject"]))
	}
	switch v := subject["fhirVersion"].(type) {
	case string:
		p.FHIRVersion = v
	case nil:
		if _, has := subject["fhirVersion"]; has {
			return bad(CodeSchema, "vc.credentialSubject \"fhirVersion\" is null, not a string")
		}
		warnings = append(warnings, warn(CodeSchema, "vc.credentialSubject has no \"fhirVersion\""))
	default:
		return bad(CodeSchema, "vc.credentialSubject \"fhirVersion\" is %s, not a string", jsonType(v))
	}
	bundle, ok := subject["fhirBundle"].(map[string]any)
	if !ok {
		return bad(CodeSchema, "vc.credentialSubject \"fhirBundle\" is %s, not an object", jsonType(subject["fhirBundle"]))
	}
	p.Bundle = append(json.RawMessage(nil), bundleRaw...)
	p.bundle = bundle
	warnings = append(warnings, typeAdvice(p.Types, bundle)...)
	return p, warnings, nil
}

// numericDate reads a NumericDate claim.
func numericDate(m map[string]any, key string, required bool) (NumericDate, error) {
	v, has := m[key]
	if !has {
		if required {
			return 0, fmt.Errorf("payload has no %q", key)
		}
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("payload %q is %s, not a number", key, jsonType(v))
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("payload %q %s is not a non-negative number of seconds", key, n)
	}
	return NumericDate(f), nil
}

// typeAdvice compares vc.type with the bundle and the vocabulary
// (https://spec.smarthealth.cards/vocabulary/).
func typeAdvice(types []string, bundle map[string]any) []Finding {
	var out []Finding
	hasImm, hasCovidImm, hasCovidObs := false, false, false
	entries, _ := bundle["entry"].([]any)
	for _, e := range entries {
		em, _ := e.(map[string]any)
		r, _ := em["resource"].(map[string]any)
		switch r["resourceType"] {
		case "Immunization":
			hasImm = true
			if _, ok := covidCVX[firstCode(r["vaccineCode"])]; ok {
				hasCovidImm = true
			}
		case "Observation":
			if _, ok := covidLOINC[firstCode(r["code"])]; ok {
				hasCovidObs = true
			}
		}
	}
	has := func(t string) bool { return slices.Contains(types, t) }
	// The specification's current examples carry the health-card type
	// alone, so a missing type is no finding; a type the content
	// contradicts is.
	if !hasImm && has(TypeImmunization) {
		out = append(out, warn(CodeSchema, "vc.type holds %q but the bundle has no immunization", TypeImmunization))
	}
	if !hasCovidImm && !hasCovidObs && has(TypeCovid19) {
		out = append(out, warn(CodeSchema, "vc.type holds %q but the bundle has no covid-19 immunization or test we recognise", TypeCovid19))
	}
	for _, t := range types {
		switch t {
		case TypeHealthCard, TypeImmunization, TypeLaboratory, TypeCovid19:
		case TypeVerifiableCredential:
			out = append(out, warn(CodeSchema, "vc.type %q is not required and may be left out to save space", t))
		default:
			out = append(out, warn(CodeSchema, "vc.type %q is not in the SMART Health Cards vocabulary", t))
		}
	}
	return out
}

// firstCode returns the code of the first coding of a CodeableConcept.
func firstCode(cc any) string {
	m, _ := cc.(map[string]any)
	codings, _ := m["coding"].([]any)
	if len(codings) == 0 {
		return ""
	}
	c, _ := codings[0].(map[string]any)
	s, _ := c["code"].(string)
	return s
}
