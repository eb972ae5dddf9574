package healthcert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/fuzzinput"
	"github.com/ithc/ithc/internal/shareddata"
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

// benchCertificate is a realistic certificate: a holder with a travel
// document, one vaccination, one NAAT and one antibody test with a quantity.
func benchCertificate() *Certificate {
	c := sampleCertificate()
	c.Events = []Event{c.Events[3], c.Events[0], c.Events[1]}
	return c
}

func BenchmarkMarshalJSON(b *testing.B) {
	c := benchCertificate()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendJSON appends into a reused buffer, as the verifier does.
func BenchmarkAppendJSON(b *testing.B) {
	c := benchCertificate()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// foreignEvent is an Event of a type MarshalJSON does not know: it embeds
// an event type, as a type of another package could.
type foreignEvent struct{ *Vaccination }

// referenceCases returns certificates for the differential tests: those
// the other tests and the fixtures build, and edge cases of every member.
func referenceCases() map[string]*Certificate {
	cases := map[string]*Certificate{
		"sample": sampleCertificate(),
		"bench":  benchCertificate(),
		"empty":  {},
	}
	add := func(name string, modify func(c *Certificate)) {
		c := sampleCertificate()
		modify(c)
		cases[name] = c
	}
	// TestJSONRoundTrip
	add("minimal", func(c *Certificate) {
		c.Issuer.Name = ""
		c.Holder = Holder{Name: Name{Given: "Anna", GivenICAO: "ANNA"}}
		c.Events = []Event{
			&NucleicAcidTest{Common: Common{Disease: "840539006", Country: "CN"}, Method: "LP6464-4", SampleTime: testIssued, Result: ResultPositive},
			&AntibodyTest{Common: Common{Disease: "840539006", Country: "CN"}, Isotype: IgG, SampleTime: testIssued, Result: ResultInconclusive},
			&AntigenTest{Common: Common{Disease: "840539006", Country: "CN"}, Device: "1232", SampleTime: testIssued, Result: ResultNegative},
			&Vaccination{Common: Common{Disease: "840539006", Country: "CN"}, VaccineType: "J07BX03", Product: "P", Manufacturer: "M", DoseNumber: 2, TotalDoses: 2, Date: Date{2021, 4, 1}},
			&Recovery{Common: Common{Disease: "840539006", Country: "CN"}, FirstPositive: Date{2026, 1, 10}},
		}
	})
	add("odd", func(c *Certificate) {
		c.Holder.DateOfBirth = Date{1990, 0, 0}
		c.Holder.Document = &TravelDocument{}
		c.Events[1].(*AntibodyTest).Quantity = &Quantity{}
	})
	// TestMarshalJSONNormalisesTimes
	add("time zone and fraction", func(c *Certificate) {
		c.IssuedAt = time.Date(2026, 11, 20, 16, 0, 0, 999, time.FixedZone("CST", 8*3600))
	})
	// TestMarshalJSONErrors, and an error in each place one can be
	add("nil event", func(c *Certificate) { c.Events[0] = nil })
	add("nil typed event", func(c *Certificate) { c.Events[2] = (*AntigenTest)(nil) })
	add("foreign event", func(c *Certificate) { c.Events[4] = foreignEvent{c.Events[3].(*Vaccination)} })
	add("invalid dob", func(c *Certificate) { c.Holder.DateOfBirth = Date{1990, 13, 0} })
	add("invalid date", func(c *Certificate) { c.Events[3].(*Vaccination).Date = Date{2021, 2, 30} })
	add("year 10000", func(c *Certificate) { c.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })
	add("year 0 in utc", func(c *Certificate) {
		c.IssuedAt = time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600))
	})
	add("year 1 in utc", func(c *Certificate) {
		c.IssuedAt = time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("", -3600))
	})
	add("year 9999 in utc", func(c *Certificate) {
		c.IssuedAt = time.Date(10000, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600))
	})
	add("zero time in a zone", func(c *Certificate) { c.ExpiresAt = time.Time{}.In(time.FixedZone("", 3600)) })
	add("NaN quantity", func(c *Certificate) { c.Events[1].(*AntibodyTest).Quantity.Value = nan() })
	add("-Inf cut-off", func(c *Certificate) { c.Events[1].(*AntibodyTest).Quantity.CutOff = math.Inf(-1) })
	add("+Inf value and NaN cut-off", func(c *Certificate) {
		c.Events[1].(*AntibodyTest).Quantity = &Quantity{Value: math.Inf(1), CutOff: nan()}
	})
	add("two errors", func(c *Certificate) {
		c.Events[0].(*NucleicAcidTest).SampleTime = time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)
		c.Events[1].(*AntibodyTest).Quantity.Value = nan()
		c.Events[4] = nil
	})
	add("top error before nil event", func(c *Certificate) {
		c.ExpiresAt = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
		c.Events[0] = nil
	})
	add("recovery dates", func(c *Certificate) {
		r := c.Events[4].(*Recovery)
		r.FirstPositive, r.ValidFrom, r.ValidUntil = Date{}, Date{2026, 2, 0}, Date{2026, 0, 5}
	})
	add("every invalid date", func(c *Certificate) {
		c.Events = nil
		for i, d := range []Date{{0, 1, 0}, {2020, 0, 1}, {1899, 1, 1}, {10000, 0, 0}, {2021, -1, 0}, {2021, 2, 29}, {2021, 1, -1}, {-2021, 1, 1}} {
			c.Events = append(c.Events, &Vaccination{Date: d, DoseNumber: -i})
		}
	})
	add("partial dates", func(c *Certificate) {
		c.Holder.DateOfBirth = Date{1900, 0, 0}
		c.Events[3].(*Vaccination).Date = Date{9999, 12, 31}
		c.Events[4].(*Recovery).ValidUntil = Date{2024, 2, 29}
	})
	// strings that need escaping, and those that do not
	add("escapes", func(c *Certificate) {
		c.ID = "quote \" backslash \\ slash / <tag> & amp"
		c.Issuer.Name = "\x00\x01\b\t\n\f\r\x1f\x7f"
		c.Holder.Name.Family = "invalid \xff\xfe utf-8 \xe2\x80"
		c.Holder.Name.Given = "line\u2028para\u2029 \u2027 \ufffd"
		c.Holder.Sex = "\xc0"
		c.Holder.Document.Number = "😀 𝄞 Ωμέγα Кириллица 中文"
		c.Events[0].(*NucleicAcidTest).Result = "\"negative\""
		c.Events[1].(*AntibodyTest).Isotype = "Ig\u2028M"
		c.Events[1].(*AntibodyTest).Quantity.Unit = "\\[IU]/mL\\"
	})
	add("floats", func(c *Certificate) {
		c.Events = nil
		for _, f := range []float64{
			0, math.Copysign(0, -1), 1, -1, 0.1, -123.456, 1e20, 1e21, -1e21, 1e-6, 1e-7, -1e-7,
			123456789012345678, 1 << 53, 1e-300, 5e-324, math.MaxFloat64, -math.MaxFloat64, 1.0 / 3,
		} {
			c.Events = append(c.Events, &AntibodyTest{Quantity: &Quantity{Value: f, CutOff: -f}})
		}
	})
	add("ints", func(c *Certificate) {
		c.Events = []Event{
			&Vaccination{DoseNumber: math.MaxInt, TotalDoses: math.MinInt},
			&Vaccination{DoseNumber: -1, TotalDoses: 0},
		}
	})
	add("empty events", func(c *Certificate) { c.Events = []Event{} })
	add("empty objects", func(c *Certificate) {
		c.Issuer = Issuer{}
		c.Holder = Holder{Document: &TravelDocument{}}
		c.Events = []Event{&Vaccination{}, &NucleicAcidTest{}, &AntibodyTest{Quantity: &Quantity{}}, &AntigenTest{}, &Recovery{}}
	})
	add("only the last of each object", func(c *Certificate) {
		c.Issuer = Issuer{Name: "N"}
		c.Holder.Name = Name{GivenICAO: "G"}
		c.Holder.Document = &TravelDocument{IssuingState: "CN"}
		c.Holder.Sex = SexOther
	})
	return cases
}

func TestAppendJSONMatchesReference(t *testing.T) {
	for name, c := range referenceCases() {
		checkAgainstReference(t, name, c)
	}
}

// TestAppendJSONErrors pins the error messages (the reference has them too).
func TestAppendJSONErrors(t *testing.T) {
	cases := referenceCases()
	for name, want := range map[string]string{
		"nil event":                  "healthcert: json: events[0]: nil event",
		"nil typed event":            "healthcert: json: events[2]: nil event",
		"foreign event":              "healthcert: json: events[4]: nil event",
		"invalid dob":                "healthcert: json: holder.date_of_birth: healthcert: invalid date: month 13 outside 1–12",
		"invalid date":               "healthcert: json: events[3].date: healthcert: invalid date: day 30 does not exist in 2021-02",
		"year 10000":                 "healthcert: json: expires_at: year 10000 outside 1–9999",
		"year 0 in utc":              "healthcert: json: issued_at: year 0 outside 1–9999",
		"NaN quantity":               "healthcert: json: events[1]: json: unsupported value: NaN",
		"-Inf cut-off":               "healthcert: json: events[1]: json: unsupported value: -Inf",
		"two errors":                 "healthcert: json: events[0].sample_time: year -5 outside 1–9999",
		"top error before nil event": "healthcert: json: expires_at: year 12000 outside 1–9999",
		"recovery dates":             "healthcert: json: events[4].valid_until: healthcert: invalid date: day known but month unknown",
	} {
		_, err := cases[name].AppendJSON(nil)
		if err == nil || err.Error() != want {
			t.Errorf("%s: AppendJSON() error = %v, want %s", name, err, want)
		}
	}
	var c *Certificate
	if b, err := c.AppendJSON([]byte("x")); err == nil || string(b) != "x" {
		t.Errorf("nil certificate: AppendJSON() = %q, %v, want an error", b, err)
	}
}

func TestAppendJSONAppends(t *testing.T) {
	c := sampleCertificate()
	buf := make([]byte, 0, 4096)
	for i := 0; i < 3; i++ {
		var err error
		buf, err = c.AppendJSON(append(buf, '\n'))
		if err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Repeat("\n"+sampleJSON, 3)
	if string(buf) != want {
		t.Errorf("three AppendJSON() =\n%s\nwant\n%s", buf, want)
	}
}

// TestJSONSizeHint checks the claim of jsonSizeHint: enough for any
// certificate whose strings need no escapes, so that MarshalJSON
// allocates once.
func TestJSONSizeHint(t *testing.T) {
	long := -1.2345678901234567e-100 // 24 bytes
	c := sampleCertificate()
	c.IssuedAt = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	c.Holder.Sex = "X"
	c.Events = []Event{
		&Vaccination{Common: Common{"d", "c", "x"}, VaccineType: "v", Product: "p", Manufacturer: "m", DoseNumber: math.MinInt, TotalDoses: math.MinInt, Date: Date{2021, 12, 31}},
		&NucleicAcidTest{Common: Common{"d", "c", "x"}, Method: "m", Name: "n", SampleTime: testIssued, Result: ResultInconclusive},
		&AntibodyTest{Common: Common{"d", "c", "x"}, Isotype: NeutralisingAb, Method: "m", Device: "d", SampleTime: testIssued, Result: ResultInconclusive, Quantity: &Quantity{long, "u", long}},
		&AntigenTest{Common: Common{"d", "c", "x"}, Device: "d", Name: "n", SampleTime: testIssued, Result: ResultInconclusive},
		&Recovery{Common: Common{"d", "c", "x"}, FirstPositive: Date{2021, 12, 31}, ValidFrom: Date{2021, 12, 31}, ValidUntil: Date{2021, 12, 31}},
	}
	noEvents := *c
	noEvents.Events = nil
	for name, c := range map[string]*Certificate{"full": c, "no events": &noEvents, "bench": benchCertificate(), "sample": sampleCertificate(), "empty": {}} {
		b, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if h := c.jsonSizeHint(); h < len(b) {
			t.Errorf("%s: jsonSizeHint() = %d, want at least the %d bytes of the JSON form", name, h, len(b))
		}
		// and each event alone, comma included
		empty := &Certificate{}
		eb, _ := empty.MarshalJSON()
		for _, e := range c.Events {
			one := &Certificate{Events: []Event{e}}
			b, _ := one.MarshalJSON()
			if got, want := one.jsonSizeHint()-empty.jsonSizeHint(), len(b)-len(eb)+1; got < want {
				t.Errorf("%s: jsonSizeHint() for a %T is %d, want at least %d", name, e, got, want)
			}
		}
	}
}

func TestMarshalJSONAllocations(t *testing.T) {
	c := benchCertificate()
	if n := testing.AllocsPerRun(100, func() { _, _ = c.MarshalJSON() }); n != 1 {
		t.Errorf("MarshalJSON() allocates %v times, want 1", n)
	}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf, _ = c.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("AppendJSON() into a large enough buffer allocates %v times, want 0", n)
	}
}

// jsonDocuments returns the JSON documents of a test data file: the file
// itself, each line of an NDJSON file, each file of a txtar archive.
func jsonDocuments(path string, data []byte) [][]byte {
	switch filepath.Ext(path) {
	case ".ndjson":
		return bytes.Split(data, []byte("\n"))
	case ".txtar":
		var docs [][]byte
		var cur []byte
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			if l := bytes.TrimSpace(line); bytes.HasPrefix(l, []byte("-- ")) && bytes.HasSuffix(l, []byte(" --")) {
				docs = append(docs, cur)
				cur = nil
				continue
			}
			cur = append(cur, line...)
		}
		return append(docs, cur)
	}
	return [][]byte{data}
}

// certificatesIn returns every certificate ParseJSON reads from an object
// of doc, at any depth, that has an "events" member.
func certificatesIn(doc []byte) []*Certificate {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return nil
	}
	var out []*Certificate
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["events"]; ok {
				if b, err := json.Marshal(v); err == nil {
					if c, err := ParseJSON(b); err == nil {
						out = append(out, c)
					}
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// TestAppendJSONRepositoryFixtures compares AppendJSON with the reference
// on every native certificate in the repository's test data and examples
// (rule tests, ithc command scripts, ...).
func TestAppendJSONRepositoryFixtures(t *testing.T) {
	n := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "fuzz" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".json", ".ndjson", ".txtar":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(data, []byte(`"events"`)) {
			return err
		}
		for i, doc := range jsonDocuments(path, data) {
			for j, c := range certificatesIn(doc) {
				checkAgainstReference(t, fmt.Sprintf("%s: document %d: certificate %d", path, i, j), c)
				n++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d certificates", n)
	if n < 20 {
		t.Errorf("found %d certificates in the repository, want at least 20", n)
	}
}

// dccCertificate maps an EU DCC payload loosely to a certificate, keeping
// what the test data has, invalid dates and times included: the point is
// real names, codes and issuers, not the mapping of package dcc.
func dccCertificate(p map[string]any) *Certificate {
	str := func(m map[string]any, k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	num := func(m map[string]any, k string) int {
		f, _ := m[k].(float64)
		return int(f)
	}
	date := func(s string) Date {
		if d, err := ParseDate(s); err == nil {
			return d
		}
		var d Date // the components as they are, valid or not
		d.Year, _ = digits(s[:min(4, len(s))])
		if len(s) >= 7 {
			d.Month, _ = digits(s[5:7])
		}
		if len(s) >= 10 {
			d.Day, _ = digits(s[8:10])
		}
		return d
	}
	tm := func(s string) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, s)
		return t
	}
	entries := func(k string) []map[string]any {
		a, _ := p[k].([]any)
		var out []map[string]any
		for _, e := range a {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	nam, _ := p["nam"].(map[string]any)
	c := &Certificate{Holder: Holder{
		Name:        Name{Family: str(nam, "fn"), Given: str(nam, "gn"), FamilyICAO: str(nam, "fnt"), GivenICAO: str(nam, "gnt")},
		DateOfBirth: date(str(p, "dob")),
	}}
	common := func(e map[string]any) Common {
		if c.ID == "" {
			c.ID, c.Issuer = str(e, "ci"), Issuer{Country: str(e, "co"), Name: str(e, "is")}
		}
		return Common{Disease: str(e, "tg"), Country: str(e, "co"), Centre: str(e, "is")}
	}
	for _, v := range entries("v") {
		c.Events = append(c.Events, &Vaccination{
			Common: common(v), VaccineType: str(v, "vp"), Product: str(v, "mp"), Manufacturer: str(v, "ma"),
			DoseNumber: num(v, "dn"), TotalDoses: num(v, "sd"), Date: date(str(v, "dt")),
		})
	}
	for _, v := range entries("t") {
		common := common(v)
		common.Centre = str(v, "tc")
		if str(v, "tt") == "LP217198-3" {
			c.Events = append(c.Events, &AntigenTest{Common: common, Device: str(v, "ma"), Name: str(v, "nm"), SampleTime: tm(str(v, "sc")), Result: TestResult(str(v, "tr"))})
		} else {
			c.Events = append(c.Events, &NucleicAcidTest{Common: common, Method: str(v, "tt"), Name: str(v, "nm"), SampleTime: tm(str(v, "sc")), Result: TestResult(str(v, "tr"))})
		}
	}
	for _, v := range entries("r") {
		c.Events = append(c.Events, &Recovery{Common: common(v), FirstPositive: date(str(v, "fr")), ValidFrom: date(str(v, "df")), ValidUntil: date(str(v, "du"))})
	}
	return c
}

// harvestCertificate builds a certificate from the strings and numbers of
// any JSON document, in document order, for their variety: scripts,
// escapes, dates, times and floats of real data.
func harvestCertificate(doc []byte) *Certificate {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var strs []string
	var nums []float64
	var dates []Date
	var times []time.Time
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case string:
			strs = append(strs, v)
			if d, err := ParseDate(v); err == nil && !d.IsZero() {
				dates = append(dates, d)
			}
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				times = append(times, t)
			}
		case json.Number:
			if f, err := v.Float64(); err == nil {
				nums = append(nums, f)
			}
		}
	}
	if len(strs) == 0 {
		return nil
	}
	var si, ni, di, ti int
	s := func() string { si++; return strs[(si-1)%len(strs)] }
	f := func() float64 {
		if len(nums) == 0 {
			return 0
		}
		ni++
		return nums[(ni-1)%len(nums)]
	}
	d := func() Date {
		if len(dates) == 0 {
			return Date{}
		}
		di++
		return dates[(di-1)%len(dates)]
	}
	tm := func() time.Time {
		if len(times) == 0 {
			return time.Time{}
		}
		ti++
		return times[(ti-1)%len(times)]
	}
	cm := func() Common { return Common{Disease: s(), Country: s(), Centre: s()} }
	c := &Certificate{
		ID: s(), Issuer: Issuer{Country: s(), Name: s()}, IssuedAt: tm(), ExpiresAt: tm(),
		Holder: Holder{
			Name:        Name{Family: s(), Given: s(), FamilyICAO: s(), GivenICAO: s()},
			DateOfBirth: d(), Sex: Sex(s()), Document: &TravelDocument{Type: s(), Number: s(), IssuingState: s()},
		},
	}
	c.Events = []Event{
		&Vaccination{Common: cm(), VaccineType: s(), Product: s(), Manufacturer: s(), DoseNumber: int(f()), TotalDoses: int(f()), Date: d()},
		&NucleicAcidTest{Common: cm(), Method: s(), Name: s(), SampleTime: tm(), Result: TestResult(s())},
		&AntibodyTest{Common: cm(), Isotype: Isotype(s()), Method: s(), Device: s(), SampleTime: tm(), Result: TestResult(s()), Quantity: &Quantity{Value: f(), Unit: s(), CutOff: f()}},
		&AntigenTest{Common: cm(), Device: s(), Name: s(), SampleTime: tm(), Result: TestResult(s())},
		&Recovery{Common: cm(), FirstPositive: d(), ValidFrom: d(), ValidUntil: d()},
	}
	return c
}

// TestAppendJSONSharedTestdata compares AppendJSON with the reference on
// certificates from ../shared/testdata. It holds no native certificate:
// the EU DCC test payloads are mapped to certificates (dccCertificate),
// and every JSON file (SMART Health Cards, VDS-NC seals, rules, value
// sets, ...) gives one built from its strings and numbers
// (harvestCertificate).
func TestAppendJSONSharedTestdata(t *testing.T) {
	root := filepath.Dir(shareddata.Path(t, "dgc"))
	var dccs, harvested int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range certificatesIn(data) {
			checkAgainstReference(t, path+": native", c)
		}
		var raw struct {
			JSON map[string]any `json:"JSON"`
		}
		if json.Unmarshal(data, &raw) == nil && raw.JSON != nil {
			checkAgainstReference(t, path+": dcc", dccCertificate(raw.JSON))
			dccs++
		}
		if c := harvestCertificate(data); c != nil {
			checkAgainstReference(t, path+": harvested", c)
			harvested++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d DCC payloads, %d harvested files", dccs, harvested)
	if dccs < 100 || harvested < 500 {
		t.Errorf("found %d DCC payloads and %d JSON files, want at least 100 and 500", dccs, harvested)
	}
}

// fuzzDate returns a Date, most often one whose components are near the
// valid ranges, otherwise arbitrary.
func fuzzDate(s *fuzzinput.Reader) Date {
	switch k := s.Byte(); {
	case k < 32:
		return Date{}
	case k < 192:
		return Date{Year: 1890 + int(s.Byte())%20 + 8090*int(k&1), Month: int(s.Byte()) % 14, Day: int(s.Byte()) % 33}
	}
	return Date{Year: int(int16(s.Uint64())), Month: int(int8(s.Byte())), Day: int(int8(s.Byte()))}
}

func fuzzCommon(s *fuzzinput.Reader) Common {
	return Common{Disease: s.String(), Country: s.String(), Centre: s.String()}
}

// fuzzEvent returns an event of any type, nil, a typed nil or a foreignEvent.
func fuzzEvent(s *fuzzinput.Reader) Event {
	switch s.Byte() % 12 {
	case 0, 1:
		return &Vaccination{
			Common: fuzzCommon(s), VaccineType: s.String(), Product: s.String(), Manufacturer: s.String(),
			DoseNumber: int(int64(s.Uint64())), TotalDoses: int(int8(s.Byte())), Date: fuzzDate(s),
		}
	case 2, 3:
		return &NucleicAcidTest{Common: fuzzCommon(s), Method: s.String(), Name: s.String(), SampleTime: s.Time(), Result: TestResult(s.String())}
	case 4, 5:
		e := &AntibodyTest{
			Common: fuzzCommon(s), Isotype: Isotype(s.String()), Method: s.String(), Device: s.String(),
			SampleTime: s.Time(), Result: TestResult(s.String()),
		}
		if s.Byte()&1 == 0 {
			e.Quantity = &Quantity{Value: s.Float64(), Unit: s.String(), CutOff: s.Float64()}
		}
		return e
	case 6, 7:
		return &AntigenTest{Common: fuzzCommon(s), Device: s.String(), Name: s.String(), SampleTime: s.Time(), Result: TestResult(s.String())}
	case 8, 9:
		return &Recovery{Common: fuzzCommon(s), FirstPositive: fuzzDate(s), ValidFrom: fuzzDate(s), ValidUntil: fuzzDate(s)}
	case 10:
		return []Event{nil, (*Vaccination)(nil), (*NucleicAcidTest)(nil), (*AntibodyTest)(nil), (*AntigenTest)(nil), (*Recovery)(nil)}[s.Byte()%6]
	}
	return foreignEvent{&Vaccination{}}
}

// fuzzCertificate builds a certificate from fuzz input.
func fuzzCertificate(data []byte) *Certificate {
	s := fuzzinput.New(data)
	c := &Certificate{
		ID: s.String(), Issuer: Issuer{Country: s.String(), Name: s.String()}, IssuedAt: s.Time(), ExpiresAt: s.Time(),
		Holder: Holder{
			Name:        Name{Family: s.String(), Given: s.String(), FamilyICAO: s.String(), GivenICAO: s.String()},
			DateOfBirth: fuzzDate(s), Sex: Sex(s.String()),
		},
	}
	if s.Byte()&1 == 0 {
		c.Holder.Document = &TravelDocument{Type: s.String(), Number: s.String(), IssuingState: s.String()}
	}
	for range s.Byte() % 8 {
		c.Events = append(c.Events, fuzzEvent(s))
	}
	return c
}

func FuzzAppendJSON(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte(sampleJSON))
	f.Add([]byte("\x05CN\xc3\x01\x02\x03\x40\x00\x00\x00\x00\x00\x00\x00\x00\x80\x05\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"))
	for i := range 16 {
		f.Add(bytes.Repeat([]byte{byte(i * 17), 0xc5, byte(i), 0x90, 0x41}, 40))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstReference(t, "fuzz", fuzzCertificate(data))
	})
}
