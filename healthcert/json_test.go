package healthcert

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const sampleJSON = `{"id":"URN:UVCI:01:CN:NHC/4BK3VLU646LEFTNBYCMBKZ6P4U#8","issuer":{"country":"CN","name":"National Health Commission"},"issued_at":"2026-11-20T08:00:00Z","expires_at":"2027-11-20T08:00:00Z","holder":{"name":{"family":"张","given":"伟","family_icao":"ZHANG","given_icao":"WEI"},"date_of_birth":"1990-05-17","sex":"M","document":{"type":"P","number":"E12345678","issuing_state":"CN"}},"events":[` +
	`{"type":"nucleic_acid_test","disease":"840539006","country":"CN","centre":"Beijing CDC Laboratory <1> & \"Co\"","method":"LP6464-4","name":"Daan Gene RT-PCR","sample_time":"2026-11-19T02:30:00Z","result":"negative"},` +
	`{"type":"antibody_test","disease":"840539006","country":"CN","centre":"Beijing CDC Laboratory","isotype":"IgM","method":"CLIA","device":"Wantai SARS-CoV-2 IgM","sample_time":"2026-11-19T02:30:00Z","result":"negative","quantity":{"value":0.12,"unit":"{index}","cut_off":1}},` +
	`{"type":"antigen_test","disease":"840539006","country":"DE","centre":"Testzentrum Köln","device":"1232","name":"Abbott Panbio","sample_time":"2026-11-18T09:00:00Z","result":"negative"},` +
	`{"type":"vaccination","disease":"840539006","country":"CN","centre":"Chaoyang Vaccination Centre","vaccine_type":"J07BX03","product":"BBIBP-CorV","manufacturer":"ORG-100020693","dose_number":1,"total_doses":2,"date":"2021-04-01"},` +
	`{"type":"recovery","disease":"840539006","country":"CN","centre":"Ditan Hospital","first_positive":"2026-01-10","valid_from":"2026-01-21","valid_until":"2026-07-09"}]}`

func TestMarshalJSON(t *testing.T) {
	b, err := sampleCertificate().MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON() error = %v", err)
	}
	if string(b) != sampleJSON {
		t.Errorf("MarshalJSON() =\n%s\nwant\n%s", b, sampleJSON)
	}
	// json.Marshal of a value and a pointer both use it
	for _, v := range []any{*sampleCertificate(), sampleCertificate()} {
		if b, err := json.Marshal(v); err != nil || !strings.Contains(string(b), `"type":"vaccination"`) {
			t.Errorf("json.Marshal(%T) = %s, %v", v, b, err)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	cases := map[string]*Certificate{"sample": sampleCertificate()}
	// every optional field left out
	min := sampleCertificate()
	min.Issuer.Name = ""
	min.Holder = Holder{Name: Name{Given: "Anna", GivenICAO: "ANNA"}}
	min.Events = []Event{
		&NucleicAcidTest{Common: Common{Disease: "840539006", Country: "CN"}, Method: "LP6464-4", SampleTime: testIssued, Result: ResultPositive},
		&AntibodyTest{Common: Common{Disease: "840539006", Country: "CN"}, Isotype: IgG, SampleTime: testIssued, Result: ResultInconclusive},
		&AntigenTest{Common: Common{Disease: "840539006", Country: "CN"}, Device: "1232", SampleTime: testIssued, Result: ResultNegative},
		&Vaccination{Common: Common{Disease: "840539006", Country: "CN"}, VaccineType: "J07BX03", Product: "P", Manufacturer: "M", DoseNumber: 2, TotalDoses: 2, Date: Date{2021, 4, 1}},
		&Recovery{Common: Common{Disease: "840539006", Country: "CN"}, FirstPositive: Date{2026, 1, 10}},
	}
	cases["minimal"] = min
	// partial dates, zero quantity, empty document, empty certificate
	odd := sampleCertificate()
	odd.Holder.DateOfBirth = Date{1990, 0, 0}
	odd.Holder.Document = &TravelDocument{}
	odd.Events[1].(*AntibodyTest).Quantity = &Quantity{}
	cases["odd"] = odd
	cases["empty"] = &Certificate{}
	for name, c := range cases {
		b, err := json.Marshal(c)
		if err != nil {
			t.Errorf("%s: Marshal() error = %v", name, err)
			continue
		}
		got, err := ParseJSON(b)
		if err != nil {
			t.Errorf("%s: ParseJSON(%s) error = %v", name, b, err)
			continue
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s: round trip =\n%#v\nwant\n%#v", name, got, c)
		}
	}
}

func TestMarshalJSONNormalisesTimes(t *testing.T) {
	c := sampleCertificate()
	c.IssuedAt = time.Date(2026, 11, 20, 16, 0, 0, 999, time.FixedZone("CST", 8*3600))
	b, err := json.Marshal(c)
	if err != nil || !strings.Contains(string(b), `"issued_at":"2026-11-20T08:00:00Z"`) {
		t.Errorf("Marshal() = %s, %v, want issued_at in UTC whole seconds", b, err)
	}
}

func TestMarshalJSONErrors(t *testing.T) {
	tests := map[string]func(c *Certificate){
		"nil event":       func(c *Certificate) { c.Events[0] = nil },
		"nil typed event": func(c *Certificate) { c.Events[2] = (*AntigenTest)(nil) },
		"invalid dob":     func(c *Certificate) { c.Holder.DateOfBirth = Date{1990, 13, 0} },
		"invalid date":    func(c *Certificate) { c.Events[3].(*Vaccination).Date = Date{2021, 2, 30} },
		"year 10000":      func(c *Certificate) { c.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"NaN quantity":    func(c *Certificate) { c.Events[1].(*AntibodyTest).Quantity.Value = float64(nan()) },
	}
	for name, modify := range tests {
		c := sampleCertificate()
		modify(c)
		if b, err := json.Marshal(c); err == nil {
			t.Errorf("%s: Marshal() = %s, want error", name, b)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, want string // want: substring of the error
	}{
		{"empty", ``, "unexpected end"},
		{"null", `null`, "want an object"},
		{"array", `[]`, "want an object"},
		{"string", `"x"`, "want an object"},
		{"truncated", sampleJSON[:100], "issuer.name: unexpected EOF"},
		{"trailing object", sampleJSON + `{}`, "data after the document"},
		{"trailing garbage", `{"id":"X"} x`, ""},
		{"unknown top field", `{"id":"X","extra":1}`, `extra: unknown field "extra"`},
		{"unknown nested field", `{"holder":{"name":{"family":"A","middle":"B"}}}`, `holder.name.middle: unknown field "middle"`},
		{"unknown event field", `{"events":[{"type":"recovery","first_positive":"2021-01-01"},{"type":"vaccination","dose":1}]}`, `events[1].dose: unknown field "dose"`},
		{"unknown quantity field", `{"events":[{"type":"antibody_test","quantity":{"value":1,"unit":"x","cut_off":1,"ratio":2}}]}`, `events[0].quantity.ratio`},
		{"field of another event type", `{"events":[{"type":"recovery","dose_number":1}]}`, `events[0].dose_number: unknown field`},
		{"case-folded key", `{"ID":"X"}`, `unknown field "ID"`},
		{"unknown event type", `{"events":[{"type":"x_ray"}]}`, `events[0].type: unknown event type "x_ray"`},
		{"missing event type", `{"events":[{"disease":"840539006"}]}`, `events[0].type: missing`},
		{"event not object", `{"events":[1]}`, `events[0]: want an object`},
		{"null event", `{"events":[null]}`, `events[0]: want an object`},
		{"events not array", `{"events":{}}`, `events: want an array`},
		{"null value", `{"id":null}`, `id: null`},
		{"number as string", `{"id":1}`, `id: want a string`},
		{"string as number", `{"events":[{"type":"vaccination","dose_number":"1"}]}`, `events[0].dose_number: want an integer`},
		{"fractional dose", `{"events":[{"type":"vaccination","dose_number":1.5}]}`, `events[0].dose_number: want an integer`},
		{"huge dose", `{"events":[{"type":"vaccination","dose_number":99999999999}]}`, `events[0].dose_number: want an integer`},
		{"huge float", `{"events":[{"type":"antibody_test","quantity":{"value":1e999}}]}`, `events[0].quantity.value`},
		{"bad time", `{"issued_at":"2026-11-20 08:00:00"}`, `issued_at:`},
		{"fractional time", `{"issued_at":"2026-11-20T08:00:00.5Z"}`, `issued_at: "2026-11-20T08:00:00.5Z" has fractional seconds`},
		{"time before year 1", `{"issued_at":"0000-01-01T00:30:00+01:00"}`, `issued_at:`},
		{"bad date", `{"holder":{"date_of_birth":"1990-02-30"}}`, `holder.date_of_birth:`},
		{"date with time", `{"holder":{"date_of_birth":"1990-02-03T00:00:00Z"}}`, `holder.date_of_birth:`},
		{"duplicate key", `{"id":"A","id":"B"}`, `id: duplicate key "id"`},
		{"duplicate nested key", `{"events":[{"type":"recovery","type":"vaccination"}]}`, `events[0].type: duplicate key`},
		{"invalid utf-8", "{\"id\":\"\xff\"}", "utf-8"},
		{"too deep", strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40), "nested more than 32"},
		{"too deep arrays", `{"events":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`, "nested more than 32"},
		{"too large", `{"id":"` + strings.Repeat("A", 4<<20) + `"}`, "more than"},
		{"syntax", `{"id" "A"}`, "invalid json"},
		{"single quotes", `{'id':'A'}`, "invalid json"},
		{"comment", `{"id":"A"/**/}`, "invalid json"},
	}
	for _, tt := range tests {
		c, err := ParseJSON([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: ParseJSON() = %+v, want error", tt.name, c)
			continue
		}
		if c != nil {
			t.Errorf("%s: ParseJSON() = %+v with error", tt.name, c)
		}
		if !errors.Is(err, ErrInvalidJSON) {
			t.Errorf("%s: ParseJSON() error = %v, want ErrInvalidJSON", tt.name, err)
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "healthcert: ") {
			t.Errorf("%s: ParseJSON() error = %q, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestParseJSONLenient(t *testing.T) {
	// offsets are accepted and converted to UTC; whitespace is fine
	c, err := ParseJSON([]byte(" {\n \"issued_at\": \"2026-11-20T16:00:00+08:00\", \"events\": [] }\n"))
	if err != nil {
		t.Fatalf("ParseJSON() error = %v", err)
	}
	if !c.IssuedAt.Equal(testIssued) || c.IssuedAt.Location() != time.UTC || c.Events != nil {
		t.Errorf("ParseJSON() = %v, %v, want %v UTC and nil events", c.IssuedAt, c.Events, testIssued)
	}
}

func TestUnmarshalJSONLeavesTargetOnError(t *testing.T) {
	c := sampleCertificate()
	if err := json.Unmarshal([]byte(`{"id":"X","bogus":true}`), c); err == nil {
		t.Fatal("Unmarshal() succeeded, want error")
	}
	if !reflect.DeepEqual(c, sampleCertificate()) {
		t.Errorf("Unmarshal() changed the target on error")
	}
	var d Certificate
	if err := json.Unmarshal([]byte(sampleJSON), &d); err != nil || !reflect.DeepEqual(&d, sampleCertificate()) {
		t.Errorf("json.Unmarshal(sample) = %+v, %v", d, err)
	}
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(sampleJSON))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"events":[{"type":"antibody_test","quantity":{"value":-0,"unit":"","cut_off":1e-300}}]}`))
	f.Add([]byte(`{"issued_at":"2026-11-20T16:00:00+08:00","holder":{"date_of_birth":"1990"}}`))
	f.Add([]byte(`{"id":"A","id":"B"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseJSON(data)
		if err != nil {
			if c != nil {
				t.Fatalf("ParseJSON() = %+v with error %v", c, err)
			}
			return
		}
		_ = c.Validate() // must not panic
		b1, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal(ParseJSON(%q)) error = %v", data, err)
		}
		c2, err := ParseJSON(b1)
		if err != nil {
			t.Fatalf("ParseJSON(%s) error = %v", b1, err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip changed the certificate:\n%#v\n%#v", c, c2)
		}
		b2, err := json.Marshal(c2)
		if err != nil || string(b1) != string(b2) {
			t.Fatalf("Marshal not stable:\n%s\n%s", b1, b2)
		}
	})
}
