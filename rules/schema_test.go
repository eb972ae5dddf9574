package rules

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// schemaVariants are changes to one real rule (DE/VR-DE-0001 with the
// Identifier VR-DE-1, which the shared schema's pattern accepts) and the
// verdict of a reference JSON Schema validator (python-jsonschema 4.26,
// Draft202012Validator) on validation-rule-schema.json for each. The
// value `__delete__` removes the member.
var schemaVariants = []struct {
	name, key, value string
	schemaValid      bool
}{
	{"base", "", ``, true},
	{"identifier four digits", "Identifier", `"VR-DE-0001"`, false},
	{"identifier leading zero short", "Identifier", `"VR-DE-01"`, false},
	{"identifier lower case", "Identifier", `"vr-DE-1"`, false},
	{"identifier unknown prefix", "Identifier", `"XR-DE-1"`, false},
	{"identifier long number", "Identifier", `"VR-DE-123456"`, true},
	{"identifier trailing text", "Identifier", `"VR-DE-1x"`, false},
	{"identifier number", "Identifier", `1`, false},
	{"type unknown", "Type", `"Acceptence"`, false},
	{"type invalidation", "Type", `"Invalidation"`, true},
	{"country lower", "Country", `"de"`, false},
	{"country three", "Country", `"DEU"`, false},
	{"version prefix only", "Version", `"1.0.0-beta"`, true},
	{"version suffix junk", "Version", `"1.0.0x"`, true},
	{"version short", "Version", `"1.0"`, false},
	{"version number", "Version", `1`, false},
	{"schema version bad", "SchemaVersion", `"v1"`, false},
	{"engine any string", "Engine", `"SOMETHING"`, true},
	{"engine number", "Engine", `3`, false},
	{"engine version bad", "EngineVersion", `"0.7"`, false},
	{"certificate type unknown", "CertificateType", `"Vaccine"`, false},
	{"description empty", "Description", `[]`, false},
	{"description no english", "Description", `[{"lang": "de", "desc": "Eine ausreichend lange Beschreibung."}]`, false},
	{"description english short", "Description", `[{"lang": "en", "desc": "Too short."}]`, false},
	{"description other short", "Description", `[{"lang": "en", "desc": "A long enough English description."}, {"lang": "de", "desc": "Kurz."}]`, false},
	{"description region lang", "Description", `[{"lang": "en", "desc": "A long enough English description."}, {"lang": "zh-cn", "desc": "一个足够长的中文描述，至少有二十个字符那么长。"}]`, true},
	{"description upper lang", "Description", `[{"lang": "EN", "desc": "A long enough English description."}]`, false},
	{"description missing desc", "Description", `[{"lang": "en"}]`, false},
	{"description not array", "Description", `{"lang": "en", "desc": "A long enough English description."}`, false},
	{"description item string", "Description", `["A long enough English description."]`, false},
	{"description extra member", "Description", `[{"lang": "en", "desc": "A long enough English description.", "x": 1}]`, true},
	{"description 20 runes", "Description", `[{"lang": "en", "desc": "ééééééééééééééééééé."}]`, true},
	{"description 19 runes", "Description", `[{"lang": "en", "desc": "éééééééééééééééééé."}]`, false},
	{"valid from no zone", "ValidFrom", `"2021-07-03T00:00:00"`, false},
	{"valid from millis", "ValidFrom", `"2021-07-03T00:00:00.000Z"`, false},
	{"valid from offset", "ValidFrom", `"2021-07-03T00:00:00+02:00"`, true},
	{"valid from date only", "ValidFrom", `"2021-07-03"`, false},
	{"valid to pattern only", "ValidTo", `"2021-19-39T29:59:59Z"`, true},
	{"valid to number", "ValidTo", `1625270400`, false},
	{"affected fields empty", "AffectedFields", `[]`, true},
	{"affected fields number", "AffectedFields", `["v.0", 1]`, false},
	{"affected fields string", "AffectedFields", `"v.0"`, false},
	{"logic empty", "Logic", `{}`, false},
	{"logic array", "Logic", `[true]`, false},
	{"logic true", "Logic", `true`, false},
	{"extra member", "Extra", `"x"`, true},
	{"region", "Region", `"BW"`, true},
	{"missing AffectedFields", "AffectedFields", `__delete__`, false},
	{"missing Country", "Country", `__delete__`, false},
	{"missing CertificateType", "CertificateType", `__delete__`, false},
	{"missing Description", "Description", `__delete__`, false},
	{"missing Engine", "Engine", `__delete__`, false},
	{"missing EngineVersion", "EngineVersion", `__delete__`, false},
	{"missing Identifier", "Identifier", `__delete__`, false},
	{"missing Logic", "Logic", `__delete__`, false},
	{"missing SchemaVersion", "SchemaVersion", `__delete__`, false},
	{"missing Type", "Type", `__delete__`, false},
	{"missing ValidFrom", "ValidFrom", `__delete__`, false},
	{"missing ValidTo", "ValidTo", `__delete__`, false},
	{"missing Version", "Version", `__delete__`, false},
}

// schemaDeviations are the variants where CheckSchema deliberately
// disagrees with the shared schema (docs/rules.md): the EU gateway's
// four-digit identifiers, which every published rule uses.
var schemaDeviations = map[string]bool{"identifier four digits": true}

// parseStricter are the schema-valid variants ParseRule refuses on
// purpose: versions that are not exactly MAJOR.MINOR.PATCH, an engine
// other than CERTLOGIC, members the format does not define, times that
// match the pattern but do not exist.
var parseStricter = map[string]bool{
	"version prefix only": true, "version suffix junk": true, "engine any string": true,
	"description extra member": true, "valid to pattern only": true, "extra member": true,
}

func baseRule(t *testing.T) map[string]any {
	t.Helper()
	dir := shareddata.Path(t, "business-rules")
	data, err := os.ReadFile(filepath.Join(dir, "DE", "VR-DE-0001", "rule.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["Identifier"] = "VR-DE-1"
	return m
}

func TestCheckSchemaAgreesWithSchema(t *testing.T) {
	base := baseRule(t)
	for _, v := range schemaVariants {
		t.Run(v.name, func(t *testing.T) {
			m := map[string]any{}
			for k, x := range base {
				m[k] = x
			}
			if v.key != "" {
				if v.value == "__delete__" {
					delete(m, v.key)
				} else {
					var x any
					if err := json.Unmarshal([]byte(v.value), &x); err != nil {
						t.Fatal(err)
					}
					m[v.key] = x
				}
			}
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := decodeJSON(data, 64)
			if err != nil {
				t.Fatal(err)
			}
			problems := CheckSchema(decoded)
			want := v.schemaValid != schemaDeviations[v.name]
			if got := len(problems) == 0; got != want {
				t.Errorf("CheckSchema() valid = %v (%v), want %v (schema says %v)", got, problems, want, v.schemaValid)
			}
			if v.key != "" && len(problems) > 0 && !strings.HasPrefix(problems[0].Path, v.key) {
				t.Errorf("CheckSchema() problem at %q, want at %q", problems[0].Path, v.key)
			}
			_, err = ParseRule(data)
			wantParse := want && !parseStricter[v.name]
			if got := err == nil; got != wantParse {
				t.Errorf("ParseRule() error = %v, want valid = %v", err, wantParse)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseRule() error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

// TestCheckSchemaSamples checks every published rule of the shared data:
// CheckSchema and ParseRule accept each; the shared schema refuses each
// for its four-digit Identifier only, and accepts each once the number is
// rewritten without a leading zero, as CheckSchema does.
func TestCheckSchemaSamples(t *testing.T) {
	dir := shareddata.Path(t, "business-rules")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "rule.json"))
	if len(files) == 0 {
		t.Fatal("no rule.json in the shared business rules")
	}
	schemaID := regexp.MustCompile(`^(GR|VR|TR|RR|IR)-[A-Z]{2}-[1-9]\d*$`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRule(data); err != nil {
			t.Errorf("%s: ParseRule() = %v", f, err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		id := m["Identifier"].(string)
		if schemaID.MatchString(id) {
			t.Errorf("%s: identifier %s matches the shared schema's pattern; the deviation note is stale", f, id)
		}
		m["Identifier"] = regexp.MustCompile(`-(\d+)$`).ReplaceAllString(id, "-1$1")
		b, _ := json.Marshal(m)
		v, _ := decodeJSON(b, 64)
		if ps := CheckSchema(v); len(ps) > 0 {
			t.Errorf("%s: CheckSchema() = %v, want none", f, ps)
		}
	}
}
