package vdsnc

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/vdsnc/internal/jcs"
)

// The seal types (data.hdr.t).
const (
	// TypeVaccination is a proof of vaccination (PoV, data defined by WHO).
	TypeVaccination = "icao.vacc"
	// TypeTest is a proof of testing (PoT, data defined by CAPSCA),
	// including antibody tests.
	TypeTest = "icao.test"
)

// The signature algorithms (sig.alg): ECDSA with the curve and hash JOSE
// (RFC 7518) names, the signature as raw r‖s.
const (
	ES256 = "ES256" // P-256, SHA-256, 64-byte signature
	ES384 = "ES384" // P-384, SHA-384, 96-byte signature
	ES512 = "ES512" // P-521, SHA-512, 132-byte signature
)

// Version is the only version (data.hdr.v) of both seal types.
const Version = 1

// jsonLimits bound the JSON of a seal.
var jsonLimits = jcs.Limits{MaxBytes: limits.MaxSeal, MaxDepth: limits.MaxSealDepth, MaxItems: limits.MaxSealItems}

// Header is data.hdr.
type Header struct {
	// Type is TypeVaccination or TypeTest (t).
	Type string
	// Version is Version (v).
	Version int
	// IssuingState is the ICAO Doc 9303 three-letter code of the issuing
	// state or organisation (is), such as "AUS"; see Alpha2.
	IssuingState string
}

// Person identifies the holder (pid). Which fields a seal may carry
// depends on its type.
type Person struct {
	// Name is the holder's name as in the visual zone of a travel document
	// (Doc 9303-3), at most 39 characters (n).
	Name string
	// DateOfBirth is dob; it may be unknown in part.
	DateOfBirth healthcert.Date
	// Sex is "F", "M" or "X" (sex; vaccination seals only).
	Sex string
	// DocumentNumber is the travel document number: i in a vaccination
	// seal, dn in a test seal.
	DocumentNumber string
	// AdditionalIdentifier is any other document number (ai; vaccination
	// seals only).
	AdditionalIdentifier string
	// DocumentType is the kind of identity document (dt; test seals only):
	// "P" passport, "A", "C" or "I" identity card, "AC" crew member
	// certificate, "V" visa, "D" driving licence.
	DocumentType string
}

// VaccinationMessage is the data.msg of an icao.vacc seal.
type VaccinationMessage struct {
	// UVCI is the unique vaccination certificate identifier (uvci).
	UVCI   string
	Person Person
	// Events are the vaccines given (ve), each with its doses.
	Events []VaccineEvent
}

// VaccineEvent is one element of ve: one vaccine and its doses.
type VaccineEvent struct {
	// Vaccine is the ICD-11 code of the vaccine or prophylaxis, such as
	// "XM68M6" (des).
	Vaccine string
	// Product is the brand name of the medicinal product, such as
	// "Comirnaty" (nam).
	Product string
	// Disease is the ICD-11 code of the disease or agent targeted, such as
	// "RA01.0"; optional (dis).
	Disease string
	// Doses are the vaccination details (vd).
	Doses []Dose
}

// Dose is one element of vd.
type Dose struct {
	// Date is the date of vaccination (dvc).
	Date healthcert.Date
	// Sequence is the dose number, 1–99 (seq).
	Sequence int
	// Country is the three-letter code of the country of vaccination
	// (ctr).
	Country string
	// Centre is the administering centre (adm).
	Centre string
	// Lot is the vaccine batch number (lot).
	Lot string
	// NextDate is the due date of the next dose; optional (dvn).
	NextDate healthcert.Date
}

// TestMessage is the data.msg of an icao.test seal.
type TestMessage struct {
	// UTCI is the unique test certificate identifier (utci).
	UTCI     string
	Person   Person
	Provider Provider
	// SampleTime is when the specimen was collected (dat.sc) and
	// ReportTime when the report was issued (dat.ri); RFC 3339 in the
	// seal, with the offset kept.
	SampleTime time.Time
	ReportTime time.Time
	Result     TestResult
	// Optional is data at the issuer's discretion (opt).
	Optional string
}

// Provider is the testing facility (sp).
type Provider struct {
	// Name is sp.spn and Country the three-letter code of the country of
	// the test (sp.ctr).
	Name    string
	Country string
	// Phone, Email and Address are the contact details (sp.cd.p, .e, .a).
	Phone   string
	Email   string
	Address string
}

// The test types of TestResult.Type (tr.tc).
const (
	TestPCR            = "molecular(PCR)"
	TestMolecularOther = "molecular(other)"
	TestAntigen        = "antigen"
	TestAntibody       = "antibody"
)

// The results of TestResult.Result (tr.r).
const (
	ResultPositive = "positive"
	ResultNegative = "negative"
	ResultNormal   = "normal"
	ResultAbnormal = "abnormal"
)

// TestResult is tr.
type TestResult struct {
	// Type is one of TestPCR, TestMolecularOther, TestAntigen,
	// TestAntibody (tc).
	Type string
	// Result is one of ResultPositive, ResultNegative, ResultNormal,
	// ResultAbnormal (r).
	Result string
	// Method is the sampling method: "nasopharyngeal", "oropharyngeal",
	// "saliva", "blood" or "other"; optional (m).
	Method string
}

// Content is what a seal says: its header and one message, Vaccination
// for an icao.vacc seal, Test for an icao.test seal.
type Content struct {
	Header      Header
	Vaccination *VaccinationMessage
	Test        *TestMessage
}

// Signature is sig.
type Signature struct {
	// Algorithm is ES256, ES384 or ES512 (alg).
	Algorithm string
	// Certificate is the DER of the signer certificate (cer).
	Certificate []byte
	// Value is the raw r‖s signature (sigvl).
	Value []byte
}

// Seal is a parsed seal.
type Seal struct {
	Content
	Signature Signature
	// Signed is the RFC 8785 canonical form of data as received: the
	// bytes the signature covers.
	Signed []byte
}

// envelope is a seal whose message is not decoded yet.
type envelope struct {
	seal *Seal
	msg  *jcs.Value
}

// parseEnvelope reads the JSON of a seal, its header and signature, and
// the canonical form of data. The message is left to decodeMessage.
func parseEnvelope(text []byte) (*envelope, error) {
	root, err := jcs.Parse(text, jsonLimits)
	if err != nil {
		return nil, fail(StatusInvalidEncoding, StageJSON, "%s", strings.TrimPrefix(err.Error(), "jcs: "))
	}
	if root.Kind != jcs.Object {
		return nil, fail(StatusInvalidEncoding, StageJSON, "the seal is a JSON %s, not an object", root.Kind)
	}
	if err := onlyKeys(root, "", "data", "sig"); err != nil {
		return nil, err
	}
	data, sig := root.Get("data"), root.Get("sig")
	switch {
	case data == nil:
		return nil, fail(StatusInvalidSigningFormat, StageSeal, "no data")
	case data.Kind != jcs.Object:
		return nil, fail(StatusInvalidSigningFormat, StageSeal, "data is a %s, not an object", data.Kind)
	case sig == nil:
		return nil, fail(StatusInvalidSigningFormat, StageSeal, "no sig: the seal is not signed")
	case sig.Kind != jcs.Object:
		return nil, fail(StatusInvalidSigningFormat, StageSeal, "sig is a %s, not an object", sig.Kind)
	}
	if err := onlyKeys(data, "data.", "hdr", "msg"); err != nil {
		return nil, err
	}
	s := &Seal{}
	if err := parseHeader(data.Get("hdr"), &s.Header); err != nil {
		return nil, err
	}
	msg := data.Get("msg")
	if msg == nil {
		return nil, fail(StatusInvalidSigningFormat, StageSeal, "no data.msg")
	}
	if err := parseSignature(sig, &s.Signature); err != nil {
		return nil, err
	}
	if s.Signed, err = jcs.AppendCanonical(make([]byte, 0, len(text)), data); err != nil {
		return nil, fail(StatusInvalidEncoding, StageJSON, "data: %v", err)
	}
	return &envelope{seal: s, msg: msg}, nil
}

// onlyKeys fails when object v has a member other than keys.
func onlyKeys(v *jcs.Value, path string, keys ...string) error {
	for _, m := range v.Object {
		known := false
		for _, k := range keys {
			if m.Key == k {
				known = true
				break
			}
		}
		if !known {
			return fail(StatusInvalidSigningFormat, StageSeal, "%s%q: unknown member (want %s)", path, m.Key, strings.Join(keys, ", "))
		}
	}
	return nil
}

func parseHeader(h *jcs.Value, out *Header) error {
	switch {
	case h == nil:
		return fail(StatusInvalidSigningFormat, StageSeal, "no data.hdr")
	case h.Kind != jcs.Object:
		return fail(StatusInvalidSigningFormat, StageSeal, "data.hdr is a %s, not an object", h.Kind)
	}
	if err := onlyKeys(h, "data.hdr.", "t", "v", "is"); err != nil {
		return err
	}
	t, v, is := h.Get("t"), h.Get("v"), h.Get("is")
	switch {
	case t == nil || t.Kind != jcs.String:
		return fail(StatusInvalidSigningFormat, StageSeal, "data.hdr.t: %s", want(t, "a string"))
	case t.String != TypeVaccination && t.String != TypeTest:
		return fail(StatusInvalidSigningFormat, StageSeal, "data.hdr.t: unknown seal type %q (want %s or %s)", t.String, TypeVaccination, TypeTest)
	case v == nil || v.Kind != jcs.Number:
		return fail(StatusInvalidSigningFormat, StageSeal, "data.hdr.v: %s", want(v, "a number"))
	case v.Number != Version:
		return fail(StatusInvalidSigningFormat, StageSeal, "data.hdr.v: unsupported version %v (want %d)", v.Number, Version)
	case is == nil || is.Kind != jcs.String:
		return fail(StatusInvalidSigningFormat, StageSeal, "data.hdr.is: %s", want(is, "a string"))
	case !isStateCode(is.String):
		return fail(StatusInvalidSigningFormat, StageSeal, "data.hdr.is: %q is not a Doc 9303 three-letter code", is.String)
	}
	*out = Header{Type: t.String, Version: Version, IssuingState: is.String}
	return nil
}

// isStateCode reports whether s has the shape of a Doc 9303 state code:
// three letters A–Z, or Germany's "D".
func isStateCode(s string) bool {
	if s == "D" {
		return true
	}
	return len(s) == 3 && isUpper(s)
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// want describes what a missing or mistyped field should have been.
func want(v *jcs.Value, what string) string {
	if v == nil {
		return "missing"
	}
	return fmt.Sprintf("a %s, want %s", v.Kind, what)
}

func parseSignature(sig *jcs.Value, out *Signature) error {
	if err := onlyKeys(sig, "sig.", "alg", "cer", "sigvl"); err != nil {
		return err
	}
	alg, cer, val := sig.Get("alg"), sig.Get("cer"), sig.Get("sigvl")
	switch {
	case alg == nil || alg.Kind != jcs.String:
		return fail(StatusInvalidSigningFormat, StageSeal, "sig.alg: %s", want(alg, "a string"))
	case alg.String != ES256 && alg.String != ES384 && alg.String != ES512:
		return fail(StatusInvalidSigningFormat, StageSeal, "sig.alg: unsupported algorithm %q (want ES256, ES384 or ES512)", alg.String)
	case cer == nil || cer.Kind == jcs.String && cer.String == "":
		return fail(StatusKIDNotIncluded, StageSeal, "sig.cer: no signer certificate")
	case cer.Kind != jcs.String:
		return fail(StatusInvalidSigningFormat, StageSeal, "sig.cer: %s", want(cer, "a string"))
	case val == nil || val.Kind != jcs.String:
		return fail(StatusInvalidSigningFormat, StageSeal, "sig.sigvl: %s", want(val, "a string"))
	}
	der, err := decodeBase64URL(cer.String)
	if err != nil {
		return fail(StatusInvalidSigningFormat, StageSeal, "sig.cer: %v", err)
	}
	raw, err := decodeBase64URL(val.String)
	if err != nil {
		return fail(StatusInvalidSigningFormat, StageSeal, "sig.sigvl: %v", err)
	}
	*out = Signature{Algorithm: alg.String, Certificate: der, Value: raw}
	return nil
}

// decodeBase64URL decodes base64url (RFC 4648 section 5) with or without
// its padding: issuers write both. Padding, when present, must be right;
// the standard alphabet ('+', '/') and non-zero trailing bits are errors.
func decodeBase64URL(s string) ([]byte, error) {
	raw := strings.TrimRight(s, "=")
	if pad := len(s) - len(raw); pad > 0 && (pad > 2 || len(s)%4 != 0) {
		return nil, fmt.Errorf("wrong base64url padding (%d '=' after %d characters)", pad, len(raw))
	}
	if i := strings.IndexAny(raw, "+/"); i >= 0 {
		return nil, fmt.Errorf("character %q at offset %d is standard base64, not base64url", raw[i], i)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("not base64url: %v", err)
	}
	return b, nil
}

// ParseSeal reads a seal: its JSON, header, signature fields and message,
// checking their form and content (the schema stage of Verify). It does
// not check the signature or the signer: use Verify for that. Errors are
// *Error.
func ParseSeal(text []byte) (*Seal, error) {
	env, err := parseEnvelope(text)
	if err != nil {
		return nil, err
	}
	if err := decodeMessage(env.msg, &env.seal.Content); err != nil {
		return nil, err
	}
	return env.seal, nil
}
