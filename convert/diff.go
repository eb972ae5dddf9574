package convert

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ithc/ithc/healthcert"
)

// field is one named value of the native model, written as text; "" is
// absent. Names are those of the JSON form.
type field struct{ name, value string }

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func intText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// certificateFields are the certificate-level fields.
func certificateFields(c *healthcert.Certificate) []field {
	return []field{
		{"id", c.ID},
		{"issuer.country", c.Issuer.Country},
		{"issuer.name", c.Issuer.Name},
		{"issued_at", timeText(c.IssuedAt)},
		{"expires_at", timeText(c.ExpiresAt)},
	}
}

// holderFields are the holder's fields.
func holderFields(h healthcert.Holder) []field {
	f := []field{
		{"name.family", h.Name.Family},
		{"name.given", h.Name.Given},
		{"name.family_icao", h.Name.FamilyICAO},
		{"name.given_icao", h.Name.GivenICAO},
		{"date_of_birth", h.DateOfBirth.String()},
		{"sex", string(h.Sex)},
	}
	var d healthcert.TravelDocument
	if h.Document != nil {
		d = *h.Document
	}
	return append(f, field{"document.type", d.Type}, field{"document.number", d.Number}, field{"document.issuing_state", d.IssuingState})
}

// eventFields are an event's fields, the common ones first.
func eventFields(e healthcert.Event) []field {
	common := func(c healthcert.Common) []field {
		return []field{{"disease", c.Disease}, {"country", c.Country}, {"centre", c.Centre}}
	}
	switch e := e.(type) {
	case *healthcert.Vaccination:
		return append(common(e.Common), field{"vaccine_type", e.VaccineType}, field{"product", e.Product},
			field{"manufacturer", e.Manufacturer}, field{"dose_number", intText(e.DoseNumber)},
			field{"total_doses", intText(e.TotalDoses)}, field{"date", e.Date.String()})
	case *healthcert.NucleicAcidTest:
		return append(common(e.Common), field{"method", e.Method}, field{"name", e.Name},
			field{"sample_time", timeText(e.SampleTime)}, field{"result", string(e.Result)})
	case *healthcert.AntibodyTest:
		f := append(common(e.Common), field{"isotype", string(e.Isotype)}, field{"method", e.Method},
			field{"device", e.Device}, field{"sample_time", timeText(e.SampleTime)}, field{"result", string(e.Result)})
		var q healthcert.Quantity
		if e.Quantity != nil {
			q = *e.Quantity
		}
		num := func(x float64) string {
			if e.Quantity == nil {
				return ""
			}
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return append(f, field{"quantity.value", num(q.Value)}, field{"quantity.unit", q.Unit}, field{"quantity.cut_off", num(q.CutOff)})
	case *healthcert.AntigenTest:
		return append(common(e.Common), field{"device", e.Device}, field{"name", e.Name},
			field{"sample_time", timeText(e.SampleTime)}, field{"result", string(e.Result)})
	case *healthcert.Recovery:
		return append(common(e.Common), field{"first_positive", e.FirstPositive.String()},
			field{"valid_from", e.ValidFrom.String()}, field{"valid_until", e.ValidUntil.String()})
	}
	return nil
}

// differences describes, for the fields of want, what got lacks or
// writes otherwise.
func differences(want, got []field) []string {
	values := make(map[string]string, len(got))
	for _, f := range got {
		values[f.name] = f.value
	}
	var out []string
	for _, f := range want {
		switch g := values[f.name]; {
		case f.value == "" || g == f.value:
		case g == "":
			out = append(out, fmt.Sprintf("%s %q is not carried", f.name, f.value))
		default:
			out = append(out, fmt.Sprintf("%s %q is written as %q", f.name, f.value, g))
		}
	}
	return out
}

// lost compares a certificate with its form read back from an output
// and lists what the output does not carry. Events are matched by kind
// and, among those, by the fewest differences (a seal regroups doses by
// vaccine); idx are the original indices of c's events, for the notes.
func lost(c, back *healthcert.Certificate, idx []int) []string {
	var notes []string
	for _, d := range differences(certificateFields(c), certificateFields(back)) {
		notes = append(notes, "certificate: "+d)
	}
	for _, d := range differences(holderFields(c.Holder), holderFields(back.Holder)) {
		notes = append(notes, "holder: "+d)
	}
	used := make([]bool, len(back.Events))
	for i, e := range c.Events {
		want := eventFields(e)
		best, bestDiff := -1, []string(nil)
		for j, b := range back.Events {
			if used[j] || b == nil || b.Type() != e.Type() {
				continue
			}
			if d := differences(want, eventFields(b)); best < 0 || len(d) < len(bestDiff) {
				best, bestDiff = j, d
			}
		}
		where := fmt.Sprintf("event %d (%s): ", idx[i]+1, e.Type())
		if best < 0 {
			notes = append(notes, where+"not carried")
			continue
		}
		used[best] = true
		for _, d := range bestDiff {
			notes = append(notes, where+d)
		}
	}
	return notes
}
