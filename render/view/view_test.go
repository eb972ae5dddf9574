package view

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
)

// TestLanguagesComplete checks that every language fills every string,
// map entry and instruction, and that formats take the arguments of
// English's.
func TestLanguagesComplete(t *testing.T) {
	en := languages["en"]
	for code, l := range languages {
		if l.Code != code {
			t.Errorf("%s: Code %q", code, l.Code)
		}
		v, ve := reflect.ValueOf(*l), reflect.ValueOf(*en)
		for i := 0; i < v.NumField(); i++ {
			name := v.Type().Field(i).Name
			f, fe := v.Field(i), ve.Field(i)
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" {
					t.Errorf("%s: %s is empty", code, name)
				}
				if verbs(f.String()) != verbs(fe.String()) {
					t.Errorf("%s: %s = %q takes %s, English takes %s", code, name, f.String(), verbs(f.String()), verbs(fe.String()))
				}
			case reflect.Map:
				if f.Len() != fe.Len() {
					t.Errorf("%s: %s has %d entries, English %d", code, name, f.Len(), fe.Len())
				}
				for _, k := range fe.MapKeys() {
					if e := f.MapIndex(k); !e.IsValid() || e.String() == "" {
						t.Errorf("%s: %s[%v] is missing", code, name, k)
					}
				}
			case reflect.Slice:
				if f.Len() != fe.Len() {
					t.Errorf("%s: %s has %d entries, English %d", code, name, f.Len(), fe.Len())
				}
			}
		}
		for _, typ := range []healthcert.EventType{healthcert.TypeVaccination, healthcert.TypeNucleicAcidTest, healthcert.TypeAntibodyTest, healthcert.TypeAntigenTest, healthcert.TypeRecovery} {
			if l.EventTypes[typ] == "" {
				t.Errorf("%s: no name for %s", code, typ)
			}
		}
	}
}

func verbs(s string) string {
	var v []string
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' {
			v = append(v, s[i:i+2])
			i++
		}
	}
	return strings.Join(v, "")
}

func TestParsePair(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "zh,en", ""},
		{"zh,en", "zh,en", ""},
		{"EN, fr", "en,fr", ""},
		{"de", "de", ""},
		{"en,en", "en", ""},
		{"xx", "", `language "xx" is not available; choose from de, en, es, fr, ru, zh`},
		{"zh,en,fr", "", "at most two"},
	}
	for _, tt := range tests {
		p, err := ParsePair(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParsePair(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || p.String() != tt.want {
			t.Errorf("ParsePair(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
}

func sample() *healthcert.Certificate {
	sample := time.Date(2026, 11, 19, 8, 30, 0, 0, time.UTC)
	cdc := healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing CDC"}
	return &healthcert.Certificate{
		ID:        "URN:UVCI:01:CN:ABC123#X",
		Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  sample.Add(48 * time.Hour),
		ExpiresAt: sample.Add(30 * 24 * time.Hour),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: healthcert.Date{Year: 1990, Month: 5},
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: cdc, Method: "LP6464-4", SampleTime: sample, Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: cdc, Isotype: healthcert.IgM, Method: "CLIA", SampleTime: sample, Result: healthcert.ResultNegative,
				Quantity: &healthcert.Quantity{Value: 0.12, Unit: "{index}", CutOff: 1}},
			&healthcert.AntigenTest{Common: cdc, Device: "1232", SampleTime: sample, Result: healthcert.ResultInconclusive},
			&healthcert.Vaccination{Common: healthcert.Common{Disease: "840539006", Country: "DE"}, VaccineType: "1119349007", Product: "EU/1/20/1528",
				Manufacturer: "ORG-100030215", DoseNumber: 3, TotalDoses: 2, Date: healthcert.Date{Year: 2021, Month: 4, Day: 1}},
			&healthcert.Recovery{Common: cdc, FirstPositive: healthcert.Date{Year: 2022, Month: 1, Day: 2},
				ValidFrom: healthcert.Date{Year: 2022, Month: 1, Day: 13}, ValidUntil: healthcert.Date{Year: 2022, Month: 7, Day: 1}},
		},
	}
}

func TestNew(t *testing.T) {
	f, err := New(sample(), Pair{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"title":       "国际旅行健康证明 / International Travel Health Certificate",
		"name":        "张伟",
		"icao":        "ZHANG, WEI",
		"dob":         "1990-05",
		"sex":         "男 / Male",
		"document":    "护照 E12345678 (CN) / Passport E12345678 (CN)",
		"issuer":      "National Health Commission (CN)",
		"issued":      "2026-11-21 08:30 UTC",
		"naat":        "核酸检测 / Nucleic acid test (PCR)|2026-11-19 08:30 UTC|COVID-19; Nucleic acid amplification with probe detection|阴性 / Negative|Beijing CDC, CN",
		"antibody":    "抗体检测 / Antibody test|2026-11-19 08:30 UTC|COVID-19; IgM; Chemiluminescence immunoassay|阴性 / Negative; 0.12 {index} (临界值 1) / 0.12 {index} (cut-off 1)|Beijing CDC, CN",
		"antigen":     "抗原快速检测 / Rapid antigen test|2026-11-19 08:30 UTC|COVID-19; Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test|不确定 / Inconclusive|Beijing CDC, CN",
		"vaccination": "疫苗接种 / Vaccination|2021-04-01|COVID-19; SARS-CoV-2 mRNA vaccine; Spikevax; Moderna Biotech Spain S.L.|第 3 剂，共 2 剂 / Dose 3 of 2|DE",
		"recovery":    "康复 / Recovery|2022-01-02|COVID-19|有效期 2022-01-13 至 2022-07-01 / Valid 2022-01-13 to 2022-07-01|Beijing CDC, CN",
	}
	row := func(e Event) string {
		var res []string
		for _, r := range e.Result {
			res = append(res, r.String())
		}
		return strings.Join([]string{e.Type.String(), e.Date, strings.Join(e.Details, "; "), strings.Join(res, "; "), e.Place}, "|")
	}
	got := map[string]string{
		"title": f.Title.String(), "name": f.Holder[0].Value.String(), "icao": f.Holder[1].Value.String(),
		"dob": f.Holder[2].Value.String(), "sex": f.Holder[3].Value.String(), "document": f.Holder[4].Value.String(),
		"issuer": f.Certificate[1].Value.String(), "issued": f.Certificate[2].Value.String(),
		"naat": row(f.Events[0]), "antibody": row(f.Events[1]), "antigen": row(f.Events[2]),
		"vaccination": row(f.Events[3]), "recovery": row(f.Events[4]),
	}
	for k, w := range want {
		// Value-set names may be updated; the vaccination row is
		// checked up to the product's and manufacturer's names.
		if k == "vaccination" && strings.HasPrefix(got[k], "疫苗接种 / Vaccination|2021-04-01|COVID-19; SARS-CoV-2 mRNA vaccine; ") && strings.HasSuffix(got[k], "|第 3 剂，共 2 剂 / Dose 3 of 2|DE") {
			continue
		}
		if got[k] != w {
			t.Errorf("%s = %q\nwant %q", k, got[k], w)
		}
	}
	if len(f.Instructions) != 3 || f.Instructions[0].Second == "" {
		t.Errorf("instructions %v", f.Instructions)
	}
	if p := f.Page(1, 2).String(); p != "第 1 页，共 2 页 / Page 1 of 2" {
		t.Errorf("Page = %q", p)
	}
}

func TestOneLanguage(t *testing.T) {
	p, err := ParsePair("fr")
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(sample(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Title.Second != "" || f.Holder[3].Value.String() != "Masculin" {
		t.Errorf("one-language form: title %v, sex %v", f.Title, f.Holder[3].Value)
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ family, given, want string }{
		{"张", "伟", "张伟"},
		{"Müller", "Jürgen", "Müller, Jürgen"},
		{"Παπαδόπουλος", "", "Παπαδόπουλος"},
		{"", "Иван", "Иван"},
		{"欧阳", "Nana", "欧阳, Nana"},
	}
	for _, tt := range tests {
		if got := nativeName(tt.family, tt.given); got != tt.want {
			t.Errorf("nativeName(%q, %q) = %q, want %q", tt.family, tt.given, got, tt.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *healthcert.Certificate)
		want   string
	}{
		{"control", func(c *healthcert.Certificate) { c.Holder.Name.Family = "Mül\x07ler" }, "holder.name.family: control character U+0007 at byte 4"},
		{"bidi override", func(c *healthcert.Certificate) { c.Holder.Name.Given = "abc\u202Edef" }, "holder.name.given: bidirectional formatting character U+202E at byte 3"},
		{"utf-8", func(c *healthcert.Certificate) { c.Issuer.Name = "a\xffb" }, "issuer.name: invalid UTF-8 at byte 1"},
		{"long", func(c *healthcert.Certificate) {
			c.Events[1].(*healthcert.AntibodyTest).Device = strings.Repeat("x", limits.MaxRenderText+1)
		}, fmt.Sprintf("events[1].device: %d bytes, more than %d", limits.MaxRenderText+1, limits.MaxRenderText)},
		{"events", func(c *healthcert.Certificate) {
			for len(c.Events) <= limits.MaxRenderEvents {
				c.Events = append(c.Events, c.Events[0])
			}
		}, fmt.Sprintf("%d events, more than %d", limits.MaxRenderEvents+1, limits.MaxRenderEvents)},
		{"nil event", func(c *healthcert.Certificate) { c.Events[2] = nil }, "events[2]: no event"},
	}
	for _, tt := range tests {
		c := sample()
		tt.change(c)
		_, err := New(c, Pair{}, nil)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := New(nil, Pair{}, nil); !errors.Is(err, ErrInput) {
		t.Errorf("New(nil) error %v", err)
	}
	// A replacement character written as such is text, not an error.
	if err := CheckText("a\uFFFDb"); err != nil {
		t.Errorf("CheckText(U+FFFD) = %v", err)
	}
}
