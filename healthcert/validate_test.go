package healthcert

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidateSample(t *testing.T) {
	if err := sampleCertificate().Validate(); err != nil {
		t.Fatalf("Validate(sample) = %v, want nil", err)
	}
	c := sampleCertificate()
	c.ID = "DE-1234/ABC" // a non-UVCI UCI is fine
	c.Holder.Document = nil
	c.Holder.Sex = SexUnspecified
	c.Holder.DateOfBirth = Date{}
	c.Holder.Name = Name{Given: "Anna", GivenICAO: "ANNA"}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate(minimal holder) = %v, want nil", err)
	}
	// a vaccination dated in local time east of UTC on the day of issuance
	c = sampleCertificate()
	c.IssuedAt = time.Date(2026, 11, 19, 17, 0, 0, 0, time.UTC) // 01:00 on the 20th in Beijing
	c.Events = []Event{&Vaccination{Common: Common{Disease: "840539006", Country: "CN"}, VaccineType: "J07BX03", Product: "BBIBP-CorV", Manufacturer: "ORG-100020693", DoseNumber: 1, TotalDoses: 1, Date: Date{2026, 11, 20}}}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate(vaccination on the local issuance day) = %v, want nil", err)
	}
}

func TestValidateNil(t *testing.T) {
	var c *Certificate
	err := c.Validate()
	if !errors.Is(err, ErrInvalidCertificate) {
		t.Errorf("(*Certificate)(nil).Validate() = %v, want ErrInvalidCertificate", err)
	}
}

func TestValidateProblems(t *testing.T) {
	// each case breaks the sample certificate and names the fields that
	// must be reported, exactly.
	tests := []struct {
		name   string
		modify func(c *Certificate)
		fields []string
	}{
		{"no id", func(c *Certificate) { c.ID = "" }, []string{"id"}},
		{"long id", func(c *Certificate) { c.ID = strings.Repeat("A", 81) }, []string{"id"}},
		{"id with space", func(c *Certificate) { c.ID = "AB CD" }, []string{"id"}},
		{"id not ascii", func(c *Certificate) { c.ID = "ABÇ" }, []string{"id"}},
		{"bad uvci checksum", func(c *Certificate) { c.ID = "URN:UVCI:01:CN:NHC/4BK3VLU646LEFTNBYCMBKZ6P4U#R" }, []string{"id"}},
		{"bad uvci version", func(c *Certificate) { c.ID = "URN:UVCI:02:CN:ABC" }, []string{"id"}},
		{"issuer country", func(c *Certificate) { c.Issuer.Country = "CHN" }, []string{"issuer.country"}},
		{"issuer country lower", func(c *Certificate) { c.Issuer.Country = "cn" }, []string{"issuer.country"}},
		{"issuer country missing", func(c *Certificate) { c.Issuer.Country = "" }, []string{"issuer.country"}},
		{"issuer name control", func(c *Certificate) { c.Issuer.Name = "NHC\x07" }, []string{"issuer.name"}},
		{"issuer name long", func(c *Certificate) { c.Issuer.Name = strings.Repeat("N", 257) }, []string{"issuer.name"}},
		{"no issued_at", func(c *Certificate) { c.IssuedAt = time.Time{} }, []string{"issued_at"}},
		{"no expires_at", func(c *Certificate) { c.ExpiresAt = time.Time{} }, []string{"expires_at"}},
		{"expires before issued", func(c *Certificate) { c.ExpiresAt = c.IssuedAt.Add(-time.Second) }, []string{"expires_at"}},
		{"expires at issued", func(c *Certificate) { c.ExpiresAt = c.IssuedAt }, []string{"expires_at"}},
		{"no names", func(c *Certificate) { c.Holder.Name = Name{} }, []string{"holder.name"}},
		{"icao missing", func(c *Certificate) { c.Holder.Name.FamilyICAO = "" }, []string{"holder.name.family_icao"}},
		{"icao lower", func(c *Certificate) { c.Holder.Name.GivenICAO = "Wei" }, []string{"holder.name.given_icao"}},
		{"icao leading filler", func(c *Certificate) { c.Holder.Name.FamilyICAO = "<ZHANG" }, []string{"holder.name.family_icao"}},
		{"icao trailing filler", func(c *Certificate) { c.Holder.Name.FamilyICAO = "ZHANG<" }, []string{"holder.name.family_icao"}},
		{"icao double filler", func(c *Certificate) { c.Holder.Name.FamilyICAO = "ZHANG<<WEI" }, []string{"holder.name.family_icao"}},
		{"icao long", func(c *Certificate) { c.Holder.Name.GivenICAO = strings.Repeat("W", 81) }, []string{"holder.name.given_icao"}},
		{"native name invalid utf-8", func(c *Certificate) { c.Holder.Name.Family = "\xff" }, []string{"holder.name.family"}},
		{"dob invalid", func(c *Certificate) { c.Holder.DateOfBirth = Date{1990, 2, 30} }, []string{"holder.date_of_birth"}},
		{"dob day without month", func(c *Certificate) { c.Holder.DateOfBirth = Date{1990, 0, 3} }, []string{"holder.date_of_birth"}},
		{"dob future", func(c *Certificate) { c.Holder.DateOfBirth = Date{2026, 11, 22} }, []string{"holder.date_of_birth"}},
		{"dob future year", func(c *Certificate) { c.Holder.DateOfBirth = Date{2027, 0, 0} }, []string{"holder.date_of_birth"}},
		{"dob too old", func(c *Certificate) { c.Holder.DateOfBirth = Date{1899, 12, 31} }, []string{"holder.date_of_birth"}},
		{"sex", func(c *Certificate) { c.Holder.Sex = "male" }, []string{"holder.sex"}},
		{"document type", func(c *Certificate) { c.Holder.Document.Type = "PPP" }, []string{"holder.document.type"}},
		{"document type empty", func(c *Certificate) { c.Holder.Document.Type = "" }, []string{"holder.document.type"}},
		{"document number", func(c *Certificate) { c.Holder.Document.Number = "e123-45" }, []string{"holder.document.number"}},
		{"document number long", func(c *Certificate) { c.Holder.Document.Number = strings.Repeat("1", 21) }, []string{"holder.document.number"}},
		{"document state", func(c *Certificate) { c.Holder.Document.IssuingState = "D" }, []string{"holder.document.issuing_state"}},
		{"no events", func(c *Certificate) { c.Events = nil }, []string{"events"}},
		{"too many events", func(c *Certificate) {
			for len(c.Events) <= 64 {
				c.Events = append(c.Events, c.Events[0])
			}
		}, []string{"events"}},
		{"nil event", func(c *Certificate) { c.Events[1] = nil }, []string{"events[1]"}},
		{"nil typed event", func(c *Certificate) { c.Events[1] = (*AntibodyTest)(nil) }, []string{"events[1]"}},
		{"event disease", func(c *Certificate) { c.Events[0].(*NucleicAcidTest).Disease = "" }, []string{"events[0].disease"}},
		{"event country", func(c *Certificate) { c.Events[2].(*AntigenTest).Country = "Germany" }, []string{"events[2].country"}},
		{"naat sample in future", func(c *Certificate) { c.Events[0].(*NucleicAcidTest).SampleTime = c.IssuedAt.Add(time.Second) }, []string{"events[0].sample_time"}},
		{"naat no sample time", func(c *Certificate) { c.Events[0].(*NucleicAcidTest).SampleTime = time.Time{} }, []string{"events[0].sample_time"}},
		{"naat result", func(c *Certificate) { c.Events[0].(*NucleicAcidTest).Result = "detected" }, []string{"events[0].result"}},
		{"naat method", func(c *Certificate) { c.Events[0].(*NucleicAcidTest).Method = "" }, []string{"events[0].method"}},
		{"antibody isotype", func(c *Certificate) { c.Events[1].(*AntibodyTest).Isotype = "IgE" }, []string{"events[1].isotype"}},
		{"antibody isotype missing", func(c *Certificate) { c.Events[1].(*AntibodyTest).Isotype = "" }, []string{"events[1].isotype"}},
		{"antibody quantity", func(c *Certificate) {
			c.Events[1].(*AntibodyTest).Quantity = &Quantity{Value: math.NaN(), Unit: "", CutOff: -1}
		}, []string{"events[1].quantity.value", "events[1].quantity.unit", "events[1].quantity.cut_off"}},
		{"antibody quantity inf", func(c *Certificate) { c.Events[1].(*AntibodyTest).Quantity.Value = math.Inf(1) }, []string{"events[1].quantity.value"}},
		{"antibody quantity negative", func(c *Certificate) { c.Events[1].(*AntibodyTest).Quantity.Value = -0.5 }, []string{"events[1].quantity.value"}},
		{"antigen device", func(c *Certificate) { c.Events[2].(*AntigenTest).Device = "" }, []string{"events[2].device"}},
		{"antigen result", func(c *Certificate) { c.Events[2].(*AntigenTest).Result = "" }, []string{"events[2].result"}},
		{"dose 0", func(c *Certificate) { c.Events[3].(*Vaccination).DoseNumber = 0 }, []string{"events[3].dose_number"}},
		{"dose 21", func(c *Certificate) { c.Events[3].(*Vaccination).DoseNumber = MaxTotalDoses + 1 }, []string{"events[3].dose_number"}},
		{"total 0", func(c *Certificate) {
			v := c.Events[3].(*Vaccination)
			v.TotalDoses, v.DoseNumber = 0, 1
		}, []string{"events[3].total_doses"}},
		{"total 21", func(c *Certificate) { c.Events[3].(*Vaccination).TotalDoses = 21 }, []string{"events[3].total_doses"}},
		{"vaccination partial date", func(c *Certificate) { c.Events[3].(*Vaccination).Date = Date{2021, 4, 0} }, []string{"events[3].date"}},
		{"vaccination no date", func(c *Certificate) { c.Events[3].(*Vaccination).Date = Date{} }, []string{"events[3].date"}},
		{"vaccination future", func(c *Certificate) { c.Events[3].(*Vaccination).Date = Date{2026, 11, 22} }, []string{"events[3].date"}},
		{"vaccination product", func(c *Certificate) { c.Events[3].(*Vaccination).Product = "" }, []string{"events[3].product"}},
		{"recovery first positive partial", func(c *Certificate) { c.Events[4].(*Recovery).FirstPositive = Date{2026, 0, 0} }, []string{"events[4].first_positive"}},
		{"recovery reversed", func(c *Certificate) {
			r := c.Events[4].(*Recovery)
			r.ValidFrom, r.ValidUntil = r.ValidUntil, r.ValidFrom
		}, []string{"events[4].valid_until"}},
		{"recovery partial bound", func(c *Certificate) { c.Events[4].(*Recovery).ValidUntil = Date{2026, 7, 0} }, []string{"events[4].valid_until"}},
		{"many at once", func(c *Certificate) {
			c.ID = ""
			c.Issuer.Country = "X"
			c.Holder.Sex = "?"
			c.Events[0].(*NucleicAcidTest).Result = ""
			c.Events[4].(*Recovery).Country = ""
		}, []string{"id", "issuer.country", "holder.sex", "events[0].result", "events[4].country"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleCertificate()
			tt.modify(c)
			err := c.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want *ValidationError", err)
			}
			if !errors.Is(err, ErrInvalidCertificate) {
				t.Errorf("Validate() = %v, want it to wrap ErrInvalidCertificate", err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.Field)
				if p.Message == "" {
					t.Errorf("problem %q has no message", p.Field)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("Validate() fields = %v, want %v (%v)", got, tt.fields, err)
			}
			if !strings.HasPrefix(err.Error(), "healthcert: invalid certificate: ") {
				t.Errorf("Validate() error = %q, want the package prefix", err)
			}
		})
	}
}

// TestValidateBooster accepts a booster counted past its series (3 of 2),
// as EU issuers wrote boosters, so that such a DCC has an ITHC form.
func TestValidateBooster(t *testing.T) {
	c := sampleCertificate()
	v := c.Events[3].(*Vaccination)
	v.DoseNumber, v.TotalDoses = 3, 2
	if err := c.Validate(); err != nil {
		t.Errorf("Validate(dose 3 of 2) = %v, want nil", err)
	}
}
