package healthcert

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/jsonw"
)

// The wire structs of the JSON form; the field order is the output order.
type (
	jsonCert struct {
		ID        string            `json:"id"`
		Issuer    jsonIssuer        `json:"issuer"`
		IssuedAt  string            `json:"issued_at,omitempty"`
		ExpiresAt string            `json:"expires_at,omitempty"`
		Holder    jsonHolder        `json:"holder"`
		Events    []json.RawMessage `json:"events"`
	}
	jsonIssuer struct {
		Country string `json:"country,omitempty"`
		Name    string `json:"name,omitempty"`
	}
	jsonHolder struct {
		Name        jsonName `json:"name"`
		DateOfBirth string   `json:"date_of_birth,omitempty"`
		Sex         Sex      `json:"sex,omitempty"`
		Document    *jsonDoc `json:"document,omitempty"`
	}
	jsonName struct {
		Family     string `json:"family,omitempty"`
		Given      string `json:"given,omitempty"`
		FamilyICAO string `json:"family_icao,omitempty"`
		GivenICAO  string `json:"given_icao,omitempty"`
	}
	jsonDoc struct {
		Type         string `json:"type,omitempty"`
		Number       string `json:"number,omitempty"`
		IssuingState string `json:"issuing_state,omitempty"`
	}
	jsonCommon struct {
		Type    EventType `json:"type"`
		Disease string    `json:"disease,omitempty"`
		Country string    `json:"country,omitempty"`
		Centre  string    `json:"centre,omitempty"`
	}
	jsonVaccination struct {
		jsonCommon
		VaccineType  string `json:"vaccine_type,omitempty"`
		Product      string `json:"product,omitempty"`
		Manufacturer string `json:"manufacturer,omitempty"`
		DoseNumber   int    `json:"dose_number"`
		TotalDoses   int    `json:"total_doses"`
		Date         string `json:"date,omitempty"`
	}
	jsonNucleicAcidTest struct {
		jsonCommon
		Method     string     `json:"method,omitempty"`
		Name       string     `json:"name,omitempty"`
		SampleTime string     `json:"sample_time,omitempty"`
		Result     TestResult `json:"result,omitempty"`
	}
	jsonAntibodyTest struct {
		jsonCommon
		Isotype    Isotype       `json:"isotype,omitempty"`
		Method     string        `json:"method,omitempty"`
		Device     string        `json:"device,omitempty"`
		SampleTime string        `json:"sample_time,omitempty"`
		Result     TestResult    `json:"result,omitempty"`
		Quantity   *jsonQuantity `json:"quantity,omitempty"`
	}
	jsonQuantity struct {
		Value  float64 `json:"value"`
		Unit   string  `json:"unit"`
		CutOff float64 `json:"cut_off"`
	}
	jsonAntigenTest struct {
		jsonCommon
		Device     string     `json:"device,omitempty"`
		Name       string     `json:"name,omitempty"`
		SampleTime string     `json:"sample_time,omitempty"`
		Result     TestResult `json:"result,omitempty"`
	}
	jsonRecovery struct {
		jsonCommon
		FirstPositive string `json:"first_positive,omitempty"`
		ValidFrom     string `json:"valid_from,omitempty"`
		ValidUntil    string `json:"valid_until,omitempty"`
	}
)

// refMarshalJSON is Certificate.MarshalJSON as it was before AppendJSON,
// through the wire structs and encoding/json, kept as the reference the
// differential tests and FuzzAppendJSON compare AppendJSON with. Its doc
// comment was:
//
// MarshalJSON returns the canonical JSON form of the certificate described
// in the package documentation. It fails for what the form cannot hold: a
// nil event, an invalid Date, a time outside years 1–9999, a NaN or
// infinite quantity. Times are written in UTC, whole seconds (any fraction
// is dropped). The output does not escape '<', '>' and '&'; json.Marshal
// escapes them again, json.Encoder with SetEscapeHTML(false) does not.
func refMarshalJSON(c Certificate) ([]byte, error) {
	var err error
	fail := func(field string, e error) {
		if err == nil {
			err = fmt.Errorf("healthcert: json: %s: %w", field, e)
		}
	}
	w := jsonCert{
		ID:        c.ID,
		Issuer:    jsonIssuer{Country: c.Issuer.Country, Name: c.Issuer.Name},
		IssuedAt:  refFormatTime("issued_at", c.IssuedAt, fail),
		ExpiresAt: refFormatTime("expires_at", c.ExpiresAt, fail),
		Holder: jsonHolder{
			Name: jsonName{
				Family: c.Holder.Name.Family, Given: c.Holder.Name.Given,
				FamilyICAO: c.Holder.Name.FamilyICAO, GivenICAO: c.Holder.Name.GivenICAO,
			},
			DateOfBirth: refFormatDate("holder.date_of_birth", c.Holder.DateOfBirth, fail),
			Sex:         c.Holder.Sex,
		},
		Events: make([]json.RawMessage, 0, len(c.Events)),
	}
	if d := c.Holder.Document; d != nil {
		w.Holder.Document = &jsonDoc{Type: d.Type, Number: d.Number, IssuingState: d.IssuingState}
	}
	for i, e := range c.Events {
		p := fmt.Sprintf("events[%d]", i)
		v := refEventWire(p, e, fail)
		if err != nil {
			return nil, err
		}
		b, merr := jsonw.Marshal(v)
		if merr != nil {
			return nil, fmt.Errorf("healthcert: json: %s: %w", p, merr)
		}
		w.Events = append(w.Events, b)
	}
	if err != nil {
		return nil, err
	}
	return jsonw.Marshal(w)
}

func refFormatTime(field string, t time.Time, fail func(string, error)) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		fail(field, fmt.Errorf("year %d outside 1–9999", y))
		return ""
	}
	return t.Format(timeLayout)
}

func refFormatDate(field string, d Date, fail func(string, error)) string {
	if err := d.check(); err != nil {
		fail(field, fmt.Errorf("%w: %s", ErrInvalidDate, err))
		return ""
	}
	return d.String()
}

// refEventWire returns the wire struct of e.
func refEventWire(p string, e Event, fail func(string, error)) any {
	common := func(t EventType, c *Common) jsonCommon {
		return jsonCommon{Type: t, Disease: c.Disease, Country: c.Country, Centre: c.Centre}
	}
	switch e := e.(type) {
	case *Vaccination:
		if e != nil {
			return jsonVaccination{
				jsonCommon: common(TypeVaccination, &e.Common), VaccineType: e.VaccineType,
				Product: e.Product, Manufacturer: e.Manufacturer, DoseNumber: e.DoseNumber,
				TotalDoses: e.TotalDoses, Date: refFormatDate(p+".date", e.Date, fail),
			}
		}
	case *NucleicAcidTest:
		if e != nil {
			return jsonNucleicAcidTest{
				jsonCommon: common(TypeNucleicAcidTest, &e.Common), Method: e.Method, Name: e.Name,
				SampleTime: refFormatTime(p+".sample_time", e.SampleTime, fail), Result: e.Result,
			}
		}
	case *AntibodyTest:
		if e != nil {
			w := jsonAntibodyTest{
				jsonCommon: common(TypeAntibodyTest, &e.Common), Isotype: e.Isotype, Method: e.Method,
				Device: e.Device, SampleTime: refFormatTime(p+".sample_time", e.SampleTime, fail), Result: e.Result,
			}
			if q := e.Quantity; q != nil {
				w.Quantity = &jsonQuantity{Value: q.Value, Unit: q.Unit, CutOff: q.CutOff}
			}
			return w
		}
	case *AntigenTest:
		if e != nil {
			return jsonAntigenTest{
				jsonCommon: common(TypeAntigenTest, &e.Common), Device: e.Device, Name: e.Name,
				SampleTime: refFormatTime(p+".sample_time", e.SampleTime, fail), Result: e.Result,
			}
		}
	case *Recovery:
		if e != nil {
			return jsonRecovery{
				jsonCommon:    common(TypeRecovery, &e.Common),
				FirstPositive: refFormatDate(p+".first_positive", e.FirstPositive, fail),
				ValidFrom:     refFormatDate(p+".valid_from", e.ValidFrom, fail),
				ValidUntil:    refFormatDate(p+".valid_until", e.ValidUntil, fail),
			}
		}
	}
	fail(p, errors.New("nil event"))
	return nil
}

// checkAgainstReference fails t unless AppendJSON and MarshalJSON write
// the bytes of refMarshalJSON for c, or all three fail with the same
// message and the same wrapped errors, AppendJSON then appending nothing.
func checkAgainstReference(t testing.TB, name string, c *Certificate) {
	t.Helper()
	want, werr := refMarshalJSON(*c)
	const prefix = "prefix:"
	got, gerr := c.AppendJSON([]byte(prefix))
	m, merr := c.MarshalJSON()
	if werr != nil {
		if gerr == nil || merr == nil {
			t.Fatalf("%s: AppendJSON() = %s, %v and MarshalJSON() = %s, %v; reference error = %v", name, got, gerr, m, merr, werr)
		}
		for _, err := range []error{gerr, merr} {
			if err.Error() != werr.Error() {
				t.Fatalf("%s: error = %q, reference error = %q", name, err, werr)
			}
			if errors.Is(err, ErrInvalidDate) != errors.Is(werr, ErrInvalidDate) {
				t.Fatalf("%s: errors.Is(%v, ErrInvalidDate) differs from the reference", name, err)
			}
			var uv, wuv *json.UnsupportedValueError
			if errors.As(err, &uv) != errors.As(werr, &wuv) || uv != nil && uv.Str != wuv.Str {
				t.Fatalf("%s: error %v unwraps to %#v, reference to %#v", name, err, uv, wuv)
			}
		}
		if string(got) != prefix || m != nil {
			t.Fatalf("%s: AppendJSON() = %q and MarshalJSON() = %q with an error, want %q and nil", name, got, m, prefix)
		}
		return
	}
	if gerr != nil || merr != nil {
		t.Fatalf("%s: AppendJSON() error = %v, MarshalJSON() error = %v; reference = %s", name, gerr, merr, want)
	}
	if string(got) != prefix+string(want) {
		t.Fatalf("%s: AppendJSON() =\n%q\nreference\n%q", name, got[len(prefix):], want)
	}
	if string(m) != string(want) {
		t.Fatalf("%s: MarshalJSON() =\n%q\nreference\n%q", name, m, want)
	}
}

// BenchmarkMarshalJSONReference measures the reference encoder, the
// MarshalJSON of before AppendJSON, on the certificate of
// BenchmarkMarshalJSON, for a comparison under the same load.
func BenchmarkMarshalJSONReference(b *testing.B) {
	c := benchCertificate()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := refMarshalJSON(*c); err != nil {
			b.Fatal(err)
		}
	}
}
