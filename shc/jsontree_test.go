package shc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{"a":[1,-2.5e+3,0,0.25,true,false,null,"x\u00e9\ud83d\ude00\n\"\\\/"],"b":{}}`,
		` [ ] `, `"\u4e2d"`, `-0`, `1E5`, `"\ud800"`, `{"":""}`,
	} {
		got, err := parseJSON([]byte(doc))
		if err != nil {
			t.Errorf("parseJSON(%s): %v", doc, err)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normalise(got), normalise(want)) {
			t.Errorf("parseJSON(%s) = %#v, encoding/json reads %#v", doc, got, want)
		}
	}
}

// normalise makes empty and nil slices and maps compare equal.
func normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range t {
			m[k] = normalise(e)
		}
		return m
	case []any:
		a := []any{}
		for _, e := range t {
			a = append(a, normalise(e))
		}
		return a
	}
	return v
}

func TestParseJSONRejects(t *testing.T) {
	for _, doc := range []string{
		``, `{`, `{"a":1,"a":2}`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `01`, `1.`, `.5`, `1e`, `+1`, `-`,
		`"a`, "\"a\x01\"", `"\x"`, `"\u12"`, `"\u12G4"`, `tru`, `nul`, `{} {}`, `{}x`, "\xff",
		strings.Repeat("[", 40) + strings.Repeat("]", 40), `{1:2}`, `NaN`, `Infinity`,
	} {
		if v, err := parseJSON([]byte(doc)); err == nil {
			t.Errorf("parseJSON(%q) = %v, want an error", doc, v)
		}
	}
}
