package healthcert

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ithc/ithc/internal/jsonw"
)

// MarshalJSON returns the canonical JSON form of the certificate described
// in the package documentation, as AppendJSON writes it. It fails for what
// the form cannot hold: a nil event, an invalid Date, a time outside years
// 1–9999, a NaN or infinite quantity. Times are written in UTC, whole
// seconds (any fraction is dropped). The output does not escape '<', '>'
// and '&'; json.Marshal escapes them again, json.Encoder with
// SetEscapeHTML(false) does not.
func (c Certificate) MarshalJSON() ([]byte, error) {
	b, err := c.AppendJSON(make([]byte, 0, c.jsonSizeHint()))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends the canonical JSON form of the certificate (the bytes MarshalJSON returns) to dst.
//
// Strings are escaped as encoding/json does with SetEscapeHTML(false) (see
// package internal/jsonw). It fails as MarshalJSON does, and for a nil c,
// with the first error in the order of the output; it then returns dst
// with nothing appended (bytes past its length may have been written).
func (c *Certificate) AppendJSON(dst []byte) ([]byte, error) {
	if c == nil {
		return dst, errors.New("healthcert: json: nil certificate")
	}
	orig := len(dst)
	var err error
	dst = append(dst, `{"id":`...)
	dst = jsonw.AppendString(dst, c.ID)
	dst = append(dst, `,"issuer":{`...)
	obj := len(dst)
	dst = appendStringMember(dst, obj, `"country":`, c.Issuer.Country)
	dst = appendStringMember(dst, obj, `"name":`, c.Issuer.Name)
	dst = append(dst, '}')
	if dst, err = appendTimeMember(dst, `,"issued_at":`, -1, "issued_at", c.IssuedAt); err != nil {
		return dst[:orig], err
	}
	if dst, err = appendTimeMember(dst, `,"expires_at":`, -1, "expires_at", c.ExpiresAt); err != nil {
		return dst[:orig], err
	}

	h := &c.Holder
	dst = append(dst, `,"holder":{"name":{`...)
	obj = len(dst)
	dst = appendStringMember(dst, obj, `"family":`, h.Name.Family)
	dst = appendStringMember(dst, obj, `"given":`, h.Name.Given)
	dst = appendStringMember(dst, obj, `"family_icao":`, h.Name.FamilyICAO)
	dst = appendStringMember(dst, obj, `"given_icao":`, h.Name.GivenICAO)
	dst = append(dst, '}')
	if dst, err = appendDateMember(dst, `,"date_of_birth":`, -1, "holder.date_of_birth", h.DateOfBirth); err != nil {
		return dst[:orig], err
	}
	dst = appendStringMember(dst, 0, `"sex":`, string(h.Sex))
	if d := h.Document; d != nil {
		dst = append(dst, `,"document":{`...)
		obj = len(dst)
		dst = appendStringMember(dst, obj, `"type":`, d.Type)
		dst = appendStringMember(dst, obj, `"number":`, d.Number)
		dst = appendStringMember(dst, obj, `"issuing_state":`, d.IssuingState)
		dst = append(dst, '}')
	}
	dst = append(dst, `},"events":[`...)
	for i, e := range c.Events {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendEvent(dst, i, e); err != nil {
			return dst[:orig], err
		}
	}
	return append(dst, "]}"...), nil
}

// appendEvent appends event i of a certificate as an object.
func appendEvent(dst []byte, i int, e Event) ([]byte, error) {
	var err error
	switch e := e.(type) {
	case *Vaccination:
		if e == nil {
			break
		}
		dst = appendCommon(dst, TypeVaccination, &e.Common)
		dst = appendStringMember(dst, 0, `"vaccine_type":`, e.VaccineType)
		dst = appendStringMember(dst, 0, `"product":`, e.Product)
		dst = appendStringMember(dst, 0, `"manufacturer":`, e.Manufacturer)
		dst = append(dst, `,"dose_number":`...)
		dst = strconv.AppendInt(dst, int64(e.DoseNumber), 10)
		dst = append(dst, `,"total_doses":`...)
		dst = strconv.AppendInt(dst, int64(e.TotalDoses), 10)
		if dst, err = appendDateMember(dst, `,"date":`, i, "date", e.Date); err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	case *NucleicAcidTest:
		if e == nil {
			break
		}
		dst = appendCommon(dst, TypeNucleicAcidTest, &e.Common)
		dst = appendStringMember(dst, 0, `"method":`, e.Method)
		dst = appendStringMember(dst, 0, `"name":`, e.Name)
		if dst, err = appendTimeMember(dst, `,"sample_time":`, i, "sample_time", e.SampleTime); err != nil {
			return dst, err
		}
		dst = appendStringMember(dst, 0, `"result":`, string(e.Result))
		return append(dst, '}'), nil
	case *AntibodyTest:
		if e == nil {
			break
		}
		dst = appendCommon(dst, TypeAntibodyTest, &e.Common)
		dst = appendStringMember(dst, 0, `"isotype":`, string(e.Isotype))
		dst = appendStringMember(dst, 0, `"method":`, e.Method)
		dst = appendStringMember(dst, 0, `"device":`, e.Device)
		if dst, err = appendTimeMember(dst, `,"sample_time":`, i, "sample_time", e.SampleTime); err != nil {
			return dst, err
		}
		dst = appendStringMember(dst, 0, `"result":`, string(e.Result))
		if q := e.Quantity; q != nil {
			dst = append(dst, `,"quantity":{"value":`...)
			if dst, err = jsonw.AppendFloat(dst, q.Value); err != nil {
				return dst, fmt.Errorf("healthcert: json: events[%d]: %w", i, err)
			}
			dst = append(dst, `,"unit":`...)
			dst = jsonw.AppendString(dst, q.Unit)
			dst = append(dst, `,"cut_off":`...)
			if dst, err = jsonw.AppendFloat(dst, q.CutOff); err != nil {
				return dst, fmt.Errorf("healthcert: json: events[%d]: %w", i, err)
			}
			dst = append(dst, '}')
		}
		return append(dst, '}'), nil
	case *AntigenTest:
		if e == nil {
			break
		}
		dst = appendCommon(dst, TypeAntigenTest, &e.Common)
		dst = appendStringMember(dst, 0, `"device":`, e.Device)
		dst = appendStringMember(dst, 0, `"name":`, e.Name)
		if dst, err = appendTimeMember(dst, `,"sample_time":`, i, "sample_time", e.SampleTime); err != nil {
			return dst, err
		}
		dst = appendStringMember(dst, 0, `"result":`, string(e.Result))
		return append(dst, '}'), nil
	case *Recovery:
		if e == nil {
			break
		}
		dst = appendCommon(dst, TypeRecovery, &e.Common)
		if dst, err = appendDateMember(dst, `,"first_positive":`, i, "first_positive", e.FirstPositive); err != nil {
			return dst, err
		}
		if dst, err = appendDateMember(dst, `,"valid_from":`, i, "valid_from", e.ValidFrom); err != nil {
			return dst, err
		}
		if dst, err = appendDateMember(dst, `,"valid_until":`, i, "valid_until", e.ValidUntil); err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	}
	// a nil interface, a nil pointer, or a type of another package that
	// embeds one of the event types
	return dst, fmt.Errorf("healthcert: json: events[%d]: nil event", i)
}

// appendCommon opens an event object and appends its type and the Common
// members; the object is left open.
func appendCommon(dst []byte, t EventType, c *Common) []byte {
	dst = append(dst, `{"type":`...)
	dst = jsonw.AppendString(dst, string(t))
	dst = appendStringMember(dst, 0, `"disease":`, c.Disease)
	dst = appendStringMember(dst, 0, `"country":`, c.Country)
	return appendStringMember(dst, 0, `"centre":`, c.Centre)
}

// fieldPath names field f of event i in an error, such as "events[2].date",
// or the certificate field f when i is negative. It is called only on the
// error path.
func fieldPath(i int, f string) string {
	if i < 0 {
		return f
	}
	return fmt.Sprintf("events[%d].%s", i, f)
}

// appendStringMember appends the member key (quoted, with its colon) and
// the string v, unless v is empty (omitempty). The member is preceded by a
// comma unless it is the first of the object whose members start at
// dst[obj]; pass 0 for an object that already has a member.
func appendStringMember(dst []byte, obj int, key, v string) []byte {
	if v == "" {
		return dst
	}
	if len(dst) > obj {
		dst = append(dst, ',')
	}
	dst = append(dst, key...)
	return jsonw.AppendString(dst, v)
}

// appendTimeMember appends the member (key includes the leading comma) and
// t in UTC as RFC 3339 in whole seconds, unless t is zero (omitempty). It
// fails for a year outside 1–9999 in UTC, naming field f of event i
// (fieldPath).
func appendTimeMember(dst []byte, key string, i int, f string, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return dst, nil
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return dst, fmt.Errorf("healthcert: json: %s: %w", fieldPath(i, f), fmt.Errorf("year %d outside 1–9999", y))
	}
	dst = append(dst, key...)
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, timeLayout) // digits, '-', 'T', ':' and 'Z' only: nothing to escape
	return append(dst, '"'), nil
}

// appendDateMember appends the member (key includes the leading comma) and
// d in its String form, unless d is zero (omitempty). It fails for an
// invalid date, naming field f of event i (fieldPath).
func appendDateMember(dst []byte, key string, i int, f string, d Date) ([]byte, error) {
	if err := d.check(); err != nil {
		return dst, fmt.Errorf("healthcert: json: %s: %w", fieldPath(i, f), fmt.Errorf("%w: %s", ErrInvalidDate, err))
	}
	if d.IsZero() {
		return dst, nil
	}
	// A valid date has a year of four digits (minYear–maxYear) and a
	// month and a day of one or two; Date.String pads them to two.
	dst = append(dst, key...)
	dst = append(dst, '"')
	dst = appendDigits(dst, d.Year, 4)
	if d.Month != 0 {
		dst = append(dst, '-')
		dst = appendDigits(dst, d.Month, 2)
		if d.Day != 0 {
			dst = append(dst, '-')
			dst = appendDigits(dst, d.Day, 2)
		}
	}
	return append(dst, '"'), nil
}

// appendDigits appends the last width decimal digits of n ≥ 0, padded with zeros.
func appendDigits(dst []byte, n, width int) []byte {
	var b [4]byte
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, b[:width]...)
}

// jsonSizeHint estimates the length of the JSON form of c, from above for
// any certificate whose strings need no escapes, so that MarshalJSON
// allocates its result once.
func (c *Certificate) jsonSizeHint() int {
	// the keys and punctuation of a certificate with every member, times
	// and dates included, are 240 bytes; of a document 54 (TestJSONSizeHint)
	n := 256 + len(c.ID) + len(c.Issuer.Country) + len(c.Issuer.Name) +
		len(c.Holder.Name.Family) + len(c.Holder.Name.Given) +
		len(c.Holder.Name.FamilyICAO) + len(c.Holder.Name.GivenICAO) + len(c.Holder.Sex)
	if d := c.Holder.Document; d != nil {
		n += 64 + len(d.Type) + len(d.Number) + len(d.IssuingState)
	}
	for _, e := range c.Events {
		// the keys and punctuation of the largest event, an antibody test
		// with a time and two floats of 24 bytes, are 243 bytes with the
		// comma before it
		n += 256
		switch e := e.(type) {
		case *Vaccination:
			if e != nil {
				n += len(e.Disease) + len(e.Country) + len(e.Centre) +
					len(e.VaccineType) + len(e.Product) + len(e.Manufacturer)
			}
		case *NucleicAcidTest:
			if e != nil {
				n += len(e.Disease) + len(e.Country) + len(e.Centre) + len(e.Method) + len(e.Name) + len(e.Result)
			}
		case *AntibodyTest:
			if e != nil {
				n += len(e.Disease) + len(e.Country) + len(e.Centre) + len(e.Isotype) +
					len(e.Method) + len(e.Device) + len(e.Result)
				if e.Quantity != nil {
					n += len(e.Quantity.Unit)
				}
			}
		case *AntigenTest:
			if e != nil {
				n += len(e.Disease) + len(e.Country) + len(e.Centre) + len(e.Device) + len(e.Name) + len(e.Result)
			}
		case *Recovery:
			if e != nil {
				n += len(e.Disease) + len(e.Country) + len(e.Centre)
			}
		}
	}
	return n
}
