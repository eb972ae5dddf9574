package rules

import (
	"fmt"
	"regexp"
	"sort"
	"unicode/utf8"
)

// Problem is one thing wrong with a rule: where (a dotted path such as
// "Description[1].desc", empty for the whole rule) and what.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// The patterns of validation-rule.schema.json (JSON Schema regular
// expressions are not anchored unless they say so; Go's RE2 syntax reads
// these the same way). identifierPattern is the one deliberate difference,
// see docs/rules.md: the schema's "-[1-9]\d*$" refuses every rule the EU
// countries published ("GR-AT-0000"), so the EU gateway's four digits are
// accepted as well.
var (
	identifierPattern = regexp.MustCompile(`^(GR|VR|TR|RR|IR)-[A-Z]{2}-(\d{4}|[1-9]\d*)$`)
	countryPattern    = regexp.MustCompile(`^[A-Z]{2}$`)
	semverPattern     = regexp.MustCompile(`^\d+\.\d+\.\d+`)
	langPattern       = regexp.MustCompile(`^([a-z]{2}|[a-z]{2}-[a-z]{2})$`)
	timestampPattern  = regexp.MustCompile(`^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d([-+][0-2]\d:[0-5]\d|Z)$`)
)

// schemaRequired is the schema's "required" list.
var schemaRequired = []string{
	"AffectedFields", "Country", "CertificateType", "Description", "Engine", "EngineVersion",
	"Identifier", "Logic", "SchemaVersion", "Type", "ValidFrom", "ValidTo", "Version",
}

// minDescription is the schema's minLength of a description, in characters.
const minDescription = 20

// CheckSchema checks a rule, decoded as encoding/json decodes into an any,
// against the EU validation rule JSON schema (validation-rule.schema.json,
// draft 2020-12) and returns every problem, sorted by path; nil means the
// schema accepts it. Like the schema, it allows members it does not name
// (ParseRule does not). Identifiers also take the EU gateway's form of four
// digits (docs/rules.md).
func CheckSchema(v any) []Problem {
	var ps []Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	obj, ok := v.(map[string]any)
	if !ok {
		add("", "is %s, want an object", jsonType(v))
		return ps
	}
	for _, k := range schemaRequired {
		if _, ok := obj[k]; !ok {
			add(k, "required member missing")
		}
	}
	str := func(k string, pattern *regexp.Regexp, enum ...string) {
		x, present := obj[k]
		if !present {
			return
		}
		s, ok := x.(string)
		if !ok {
			add(k, "is %s, want a string", jsonType(x))
			return
		}
		if pattern != nil && !pattern.MatchString(s) {
			add(k, "%q does not match %s", s, pattern)
		}
		if len(enum) > 0 && !contains(enum, s) {
			add(k, "%q is not one of %q", s, enum)
		}
	}
	str("Identifier", identifierPattern)
	str("Type", nil, TypeAcceptance, TypeInvalidation)
	str("Country", countryPattern)
	str("Version", semverPattern)
	str("SchemaVersion", semverPattern)
	str("Engine", nil)
	str("EngineVersion", semverPattern)
	str("CertificateType", nil, CertGeneral, CertTest, CertVaccination, CertRecovery)
	str("ValidFrom", timestampPattern)
	str("ValidTo", timestampPattern)
	if x, present := obj["Description"]; present {
		checkDescriptions(x, add)
	}
	if x, present := obj["AffectedFields"]; present {
		// The schema's "minLength": 1 applies to strings only, so an empty
		// array passes.
		if arr, ok := x.([]any); !ok {
			add("AffectedFields", "is %s, want an array", jsonType(x))
		} else {
			for i, f := range arr {
				if _, ok := f.(string); !ok {
					add(fmt.Sprintf("AffectedFields[%d]", i), "is %s, want a string", jsonType(f))
				}
			}
		}
	}
	if x, present := obj["Logic"]; present {
		if m, ok := x.(map[string]any); !ok {
			add("Logic", "is %s, want an object", jsonType(x))
		} else if len(m) < 1 {
			add("Logic", "has no member, want at least one")
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps
}

// checkDescriptions checks the Description array: items {lang, desc} with
// a language pattern and at least 20 characters, at least one item, and
// one of them in English with at least 20 characters.
func checkDescriptions(x any, add func(path, format string, args ...any)) {
	arr, ok := x.([]any)
	if !ok {
		add("Description", "is %s, want an array", jsonType(x))
		return
	}
	if len(arr) < 1 {
		add("Description", "is empty, want at least one item")
	}
	english := false
	for i, it := range arr {
		p := fmt.Sprintf("Description[%d]", i)
		m, ok := it.(map[string]any)
		if !ok {
			add(p, "is %s, want an object", jsonType(it))
			continue
		}
		lang, langOK := m["lang"].(string)
		desc, descOK := m["desc"].(string)
		for _, k := range []string{"lang", "desc"} {
			if x, present := m[k]; !present {
				add(p+"."+k, "required member missing")
			} else if _, ok := x.(string); !ok {
				add(p+"."+k, "is %s, want a string", jsonType(x))
			}
		}
		if langOK && !langPattern.MatchString(lang) {
			add(p+".lang", "%q does not match %s", lang, langPattern)
		}
		if descOK && utf8.RuneCountInString(desc) < minDescription {
			add(p+".desc", "%d characters, want at least %d", utf8.RuneCountInString(desc), minDescription)
		}
		if langOK && descOK && lang == "en" && utf8.RuneCountInString(desc) >= minDescription {
			english = true
		}
	}
	if !english && len(arr) > 0 {
		add("Description", "holds no English (lang \"en\") description of at least %d characters", minDescription)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
