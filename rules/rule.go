package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/jsonw"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/rules/certlogic"
)

// Rule types (Type).
const (
	TypeAcceptance   = "Acceptance"
	TypeInvalidation = "Invalidation"
)

// Certificate types (CertificateType). A General rule applies to every
// certificate; the others to a certificate that holds an event of their
// kind (antibody, antigen and nucleic-acid tests are all tests).
const (
	CertGeneral     = "General"
	CertTest        = "Test"
	CertVaccination = "Vaccination"
	CertRecovery    = "Recovery"
)

// EngineCertLogic is the only Engine this package evaluates.
const EngineCertLogic = "CERTLOGIC"

// ErrInvalid is wrapped by every error of ParseRule about its input.
var ErrInvalid = errors.New("rules: invalid rule")

// Description is a rule's description in one language.
type Description struct {
	// Lang is an ISO 639-1 code ("en", "zh") or a language with a region
	// ("zh-cn"), lower case.
	Lang string `json:"lang"`
	Desc string `json:"desc"`
}

// Rule is one acceptance or invalidation rule in the EU gateway format.
// ParseRule builds one from untrusted JSON; a parsed Rule is read-only and
// safe for concurrent use.
type Rule struct {
	// Identifier is "GR|VR|TR|RR|IR-CC-NNNN": the prefix names the
	// certificate type (GR General, VR Vaccination, TR Test, RR Recovery,
	// IR Invalidation) and CC the country.
	Identifier string
	// Type is TypeAcceptance or TypeInvalidation.
	Type string
	// Country owns the rule (ISO 3166-1 alpha-2); Region optionally
	// narrows an acceptance rule to a region of it.
	Country string
	Region  string
	// Version is the rule's semantic version (MAJOR.MINOR.PATCH).
	Version       string
	SchemaVersion string
	// Engine is EngineCertLogic; EngineVersion its version.
	Engine        string
	EngineVersion string
	// CertificateType is CertGeneral, CertTest, CertVaccination or
	// CertRecovery.
	CertificateType string
	// Description holds the rule in words, one entry per language, with
	// an English one.
	Description []Description
	// ValidFrom and ValidTo bound when the rule applies; they keep the
	// offset the rule was written with.
	ValidFrom, ValidTo time.Time
	// AffectedFields name the payload fields the rule reads.
	AffectedFields []string
	// Logic is the CertLogic expression, as written.
	Logic json.RawMessage

	expr *certlogic.Expr
	ver  [3]uint64
	desc map[string]string
}

// ruleMembers are the members ParseRule accepts: the schema's and Region,
// which the EU gateway format adds.
var ruleMembers = map[string]bool{
	"Identifier": true, "Type": true, "Country": true, "Region": true, "Version": true,
	"SchemaVersion": true, "Engine": true, "EngineVersion": true, "CertificateType": true,
	"Description": true, "ValidFrom": true, "ValidTo": true, "AffectedFields": true, "Logic": true,
}

// ParseError lists every problem ParseRule found. It wraps ErrInvalid.
type ParseError struct {
	// Identifier is the rule's Identifier when it could be read.
	Identifier string
	Problems   []Problem
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("rules: invalid rule")
	if e.Identifier != "" {
		b.WriteString(" " + e.Identifier)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

func (e *ParseError) Is(target error) bool { return target == ErrInvalid }

// ParseRule reads one rule in the gateway format, strictly: the input is
// bounded (internal/limits), duplicate keys and trailing data are
// refused, the rule must pass the JSON schema (CheckSchema), must not have
// members the format does not define, must name a Version of exactly
// MAJOR.MINOR.PATCH, real ValidFrom and ValidTo times, the CERTLOGIC
// engine, and a Logic the CertLogic validator accepts. An error is a
// *ParseError listing every problem found.
func ParseRule(data []byte) (*Rule, error) {
	if len(data) > limits.MaxRule {
		return nil, &ParseError{Problems: []Problem{{Message: fmt.Sprintf("%d bytes, more than %d", len(data), limits.MaxRule)}}}
	}
	v, err := decodeJSON(data, limits.MaxRuleDepth)
	if err != nil {
		return nil, &ParseError{Problems: []Problem{{Message: "json: " + err.Error()}}}
	}
	return ruleFromValue(v, data)
}

// ruleFromValue builds a rule from its decoded JSON.
func ruleFromValue(v any, raw []byte) (*Rule, error) {
	ps := CheckSchema(v)
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &ParseError{Problems: ps}
	}
	r := &Rule{}
	for k, x := range obj {
		if !ruleMembers[k] {
			ps = append(ps, Problem{Path: k, Message: "unknown member"})
			continue
		}
		if s, ok := x.(string); ok && k != "Logic" && len(s) > limits.MaxRuleString && k != "Description" {
			ps = append(ps, Problem{Path: k, Message: fmt.Sprintf("longer than %d bytes", limits.MaxRuleString)})
		}
	}
	get := func(k string) string { s, _ := obj[k].(string); return s }
	r.Identifier, r.Type, r.Country = get("Identifier"), get("Type"), get("Country")
	r.Version, r.SchemaVersion = get("Version"), get("SchemaVersion")
	r.Engine, r.EngineVersion, r.CertificateType = get("Engine"), get("EngineVersion"), get("CertificateType")
	if x, present := obj["Region"]; present {
		s, ok := x.(string)
		if !ok {
			ps = append(ps, Problem{Path: "Region", Message: "is " + jsonType(x) + ", want a string"})
		}
		r.Region = s
	}
	if ver, ok := parseVersion(r.Version); ok {
		r.ver = ver
	} else if r.Version != "" {
		ps = append(ps, Problem{Path: "Version", Message: fmt.Sprintf("%q is not MAJOR.MINOR.PATCH", r.Version)})
	}
	if _, present := obj["Engine"]; present && r.Engine != EngineCertLogic {
		ps = append(ps, Problem{Path: "Engine", Message: fmt.Sprintf("%q, want %q", r.Engine, EngineCertLogic)})
	}
	for _, f := range []struct {
		key string
		dst *time.Time
	}{{"ValidFrom", &r.ValidFrom}, {"ValidTo", &r.ValidTo}} {
		s := get(f.key)
		if s == "" || !timestampPattern.MatchString(s) {
			continue // reported by CheckSchema
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			ps = append(ps, Problem{Path: f.key, Message: fmt.Sprintf("%q is not a real time", s)})
			continue
		}
		*f.dst = t
	}
	if arr, ok := obj["Description"].([]any); ok {
		if len(arr) > limits.MaxRuleDescriptions {
			ps = append(ps, Problem{Path: "Description", Message: fmt.Sprintf("more than %d items", limits.MaxRuleDescriptions)})
		}
		seen := map[string]bool{}
		for i, it := range arr {
			m, _ := it.(map[string]any)
			lang, _ := m["lang"].(string)
			desc, _ := m["desc"].(string)
			for k := range m {
				if k != "lang" && k != "desc" {
					ps = append(ps, Problem{Path: fmt.Sprintf("Description[%d].%s", i, k), Message: "unknown member"})
				}
			}
			if len(desc) > limits.MaxRuleDescription {
				ps = append(ps, Problem{Path: fmt.Sprintf("Description[%d].desc", i), Message: fmt.Sprintf("longer than %d bytes", limits.MaxRuleDescription)})
			}
			if seen[lang] && lang != "" {
				ps = append(ps, Problem{Path: fmt.Sprintf("Description[%d].lang", i), Message: fmt.Sprintf("second description in %q", lang)})
			}
			seen[lang] = true
			r.Description = append(r.Description, Description{Lang: lang, Desc: desc})
		}
	}
	if arr, ok := obj["AffectedFields"].([]any); ok {
		if len(arr) > limits.MaxRuleAffectedFields {
			ps = append(ps, Problem{Path: "AffectedFields", Message: fmt.Sprintf("more than %d items", limits.MaxRuleAffectedFields)})
		}
		r.AffectedFields = make([]string, 0, len(arr))
		for _, f := range arr {
			s, _ := f.(string)
			r.AffectedFields = append(r.AffectedFields, s)
		}
	}
	if m, ok := obj["Logic"].(map[string]any); ok && len(m) > 0 {
		logic, err := jsonw.Marshal(m)
		if err != nil {
			ps = append(ps, Problem{Path: "Logic", Message: err.Error()})
		} else if e, err := certlogic.Compile(logic); err != nil {
			ps = append(ps, Problem{Path: "Logic", Message: err.Error()})
		} else {
			r.Logic, r.expr = logic, e
		}
	}
	if len(ps) > 0 {
		return nil, &ParseError{Identifier: r.Identifier, Problems: ps}
	}
	r.desc = make(map[string]string, len(r.Description))
	for _, d := range r.Description {
		r.desc[d.Lang] = d.Desc
	}
	return r, nil
}

// parseVersion reads exactly MAJOR.MINOR.PATCH (decimal, no sign, no
// leading zero unless 0).
func parseVersion(s string) ([3]uint64, bool) {
	var v [3]uint64
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 1 && p[0] == '0' {
			return v, false
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return v, false
			}
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

// CompareVersions compares two MAJOR.MINOR.PATCH versions as semantic
// versions: -1, 0 or +1. A version that does not parse sorts below every
// one that does.
func CompareVersions(a, b string) int {
	va, oka := parseVersion(a)
	vb, okb := parseVersion(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	return compareVer(va, vb)
}

func compareVer(a, b [3]uint64) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Expr returns the compiled Logic.
func (r *Rule) Expr() *certlogic.Expr { return r.expr }

// DescriptionIn returns the description in lang ("zh", or "zh-cn", which
// falls back to "zh"), else the English one, else the first.
func (r *Rule) DescriptionIn(lang string) string {
	lang = strings.ToLower(lang)
	base, _, _ := strings.Cut(lang, "-")
	var en, first, baseMatch string
	for i, d := range r.Description {
		if i == 0 {
			first = d.Desc
		}
		switch {
		case d.Lang == lang:
			return d.Desc
		case d.Lang == base && baseMatch == "":
			baseMatch = d.Desc
		case d.Lang == "en" && en == "":
			en = d.Desc
		}
	}
	switch {
	case baseMatch != "":
		return baseMatch
	case en != "":
		return en
	}
	return first
}

// Descriptions returns the descriptions by language. The map is shared:
// callers must not modify it.
func (r *Rule) Descriptions() map[string]string {
	if r.desc == nil {
		m := make(map[string]string, len(r.Description))
		for _, d := range r.Description {
			m[d.Lang] = d.Desc
		}
		return m
	}
	return r.desc
}

// ruleWire is the gateway format, members in the EU's order.
type ruleWire struct {
	Identifier      string          `json:"Identifier"`
	Type            string          `json:"Type"`
	Country         string          `json:"Country"`
	Region          string          `json:"Region,omitempty"`
	Version         string          `json:"Version"`
	SchemaVersion   string          `json:"SchemaVersion"`
	Engine          string          `json:"Engine"`
	EngineVersion   string          `json:"EngineVersion"`
	CertificateType string          `json:"CertificateType"`
	Description     []Description   `json:"Description"`
	ValidFrom       string          `json:"ValidFrom"`
	ValidTo         string          `json:"ValidTo"`
	AffectedFields  []string        `json:"AffectedFields"`
	Logic           json.RawMessage `json:"Logic"`
}

// MarshalJSON writes the rule in the gateway format; ParseRule reads it
// back to an equal rule.
func (r *Rule) MarshalJSON() ([]byte, error) {
	w := ruleWire{
		Identifier: r.Identifier, Type: r.Type, Country: r.Country, Region: r.Region, Version: r.Version,
		SchemaVersion: r.SchemaVersion, Engine: r.Engine, EngineVersion: r.EngineVersion,
		CertificateType: r.CertificateType, Description: r.Description,
		ValidFrom: r.ValidFrom.Format(time.RFC3339), ValidTo: r.ValidTo.Format(time.RFC3339),
		AffectedFields: r.AffectedFields, Logic: r.Logic,
	}
	if w.Description == nil {
		w.Description = []Description{}
	}
	if w.AffectedFields == nil {
		w.AffectedFields = []string{}
	}
	return jsonw.Marshal(w)
}

// String returns "Identifier Version".
func (r *Rule) String() string { return r.Identifier + " " + r.Version }
