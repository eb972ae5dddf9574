package issue

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const csvHeader = "holder.name.family,holder.name.given,holder.date_of_birth,holder.document.type,holder.document.number," +
	"events.0.type,events.0.disease,events.0.country,events.0.method,events.0.sample_time,events.0.result," +
	"events.1.type,events.1.disease,events.1.country,events.1.vaccine_type,events.1.product,events.1.manufacturer,events.1.dose_number,events.1.total_doses,events.1.date\n"

func TestReadCSV(t *testing.T) {
	input := csvHeader +
		"张,伟,1990-05-17,P,E12345678,nucleic_acid_test,840539006,CN,LP6464-4,2026-11-19T08:00:00Z,negative,vaccination,840539006,CN,J07BX03,BBIBP-CorV,ORG-100020693,2,2,2021-04-01\n" +
		// The second event's cells are empty: one event.
		"Müller,\"Jürgen, Karl\",1980,,,nucleic_acid_test,840539006,DE,LP6464-4,2026-11-19T08:00:00Z,negative,,,,,,,,,\n" +
		"Bad,Dose,1980,,,,,,,,,vaccination,840539006,CN,J07BX03,BBIBP-CorV,ORG-100020693,two,2,2021-04-01\n"
	var recs []Record
	if err := ReadCSV(strings.NewReader(input), func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	want := `{"id":"","issuer":{},"holder":{"name":{"family":"张","given":"伟"},"date_of_birth":"1990-05-17","document":{"type":"P","number":"E12345678"}},"events":[` +
		`{"type":"nucleic_acid_test","disease":"840539006","country":"CN","method":"LP6464-4","sample_time":"2026-11-19T08:00:00Z","result":"negative"},` +
		`{"type":"vaccination","disease":"840539006","country":"CN","vaccine_type":"J07BX03","product":"BBIBP-CorV","manufacturer":"ORG-100020693","dose_number":2,"total_doses":2,"date":"2021-04-01"}]}`
	if recs[0].Err != nil {
		t.Fatal(recs[0].Err)
	}
	if got, _ := json.Marshal(recs[0].Cert); string(got) != want {
		t.Errorf("record 1 = %s\nwant       %s", got, want)
	}
	if r := recs[1]; r.Err != nil || r.Cert.Holder.Name.Given != "Jürgen, Karl" || len(r.Cert.Events) != 1 || r.Line != 3 || r.Key != "000002" {
		t.Errorf("record 2: %+v", r)
	}
	if r := recs[2]; r.Err == nil || !strings.Contains(r.Err.Error(), `column events.1.dose_number: "two" is not a number`) {
		t.Errorf("record 3 error %v", r.Err)
	}
	if recs[0].Sum == recs[1].Sum {
		t.Error("two records with one checksum")
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tt := range []struct{ input, want string }{
		{"", "empty CSV file"},
		{"holder.name.family,holder.name.family\n", `column "holder.name.family" appears twice`},
		{"holder.Name\n", `segment "Name" is not a key or an index`},
		{"events.64.type\n", "index 64 is not below 64"},
		{"holder.name,holder.name.family\n", `column "holder.name" is a value and column "holder.name.family" is inside it`},
		{"a.b.c.d.e\n", "is not a path"},
		{"holder.name.family\nA,B\n", "wrong number of fields"},
		{"holder.name.family\n\"" + strings.Repeat("x", 5<<20) + "\"\n", "longer than"},
	} {
		err := ReadCSV(strings.NewReader(tt.input), func(Record) error { return nil })
		if !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%.40q: error %v, want %q", tt.input, err, tt.want)
		}
	}
}

// FuzzReadNDJSON: any file reads as records (each a certificate or an
// error, numbered in order) or stops with an error; never a panic.
func FuzzReadNDJSON(f *testing.F) {
	f.Add(ndjson(f, 3, 2))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		ReadNDJSON(bytes.NewReader(data), func(r Record) error {
			n++
			if r.N != n || (r.Cert == nil) == (r.Err == nil) {
				t.Fatalf("record %d: N %d, cert %v, err %v", n, r.N, r.Cert != nil, r.Err)
			}
			return nil
		})
	})
}

// FuzzReadCSV: any CSV reads as records or stops with an error.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(csvHeader + "张,伟,1990-05-17,P,E1,nucleic_acid_test,840539006,CN,LP6464-4,2026-11-19T08:00:00Z,negative,,,,,,,,,\n"))
	f.Add([]byte("events.0.quantity.value,events.0.type\n1e3,antibody_test\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		ReadCSV(bytes.NewReader(data), func(r Record) error {
			n++
			if r.N != n || (r.Cert == nil) == (r.Err == nil) {
				t.Fatalf("record %d: N %d, cert %v, err %v", n, r.N, r.Cert != nil, r.Err)
			}
			return nil
		})
	})
}
