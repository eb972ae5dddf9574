package dcc

import (
	"fmt"
	"time"

	"github.com/ithc/ithc/healthcert"
)

// Certificate maps p to the ITHC model: the holder (native and ICAO names,
// date of birth), the single event, Certificate.ID from ci and Issuer.Name
// from is. Issuer.Country, IssuedAt and ExpiresAt are left zero: they come
// from the CWT claims (package hc1). Dates are read leniently: a dob or an
// event date written as a date-time keeps its date part, and sample times
// take the offsets real issuers write. Call Check first; Certificate only
// fails on what it cannot convert.
func (p *Payload) Certificate() (*healthcert.Certificate, error) {
	typ, err := p.Type()
	if err != nil {
		return nil, err
	}
	dob, err := parseDOB(p.DateOfBirth)
	if err != nil {
		return nil, fmt.Errorf("dcc: dob: %w", err)
	}
	// The certificate and its one-event slice in one allocation.
	block := &struct {
		c      healthcert.Certificate
		events [1]healthcert.Event
	}{c: healthcert.Certificate{
		Holder: healthcert.Holder{
			Name: healthcert.Name{
				Family: p.Name.Family, Given: p.Name.Given,
				FamilyICAO: p.Name.FamilyICAO, GivenICAO: p.Name.GivenICAO,
			},
			DateOfBirth: dob,
		},
	}}
	c := &block.c
	var ev healthcert.Event
	switch typ {
	case healthcert.TypeVaccination:
		v := &p.Vaccinations[0]
		d, err := parseEventDate(v.Date)
		if err != nil {
			return nil, fmt.Errorf("dcc: v[0].dt: %w", err)
		}
		c.ID, c.Issuer.Name = v.ID, v.Issuer
		ev = &healthcert.Vaccination{
			Common:      healthcert.Common{Disease: v.Disease, Country: v.Country},
			VaccineType: v.VaccineType, Product: v.Product, Manufacturer: v.Manufacturer,
			DoseNumber: v.DoseNumber, TotalDoses: v.TotalDoses, Date: d,
		}
	case healthcert.TypeNucleicAcidTest, healthcert.TypeAntigenTest:
		t := &p.Tests[0]
		sc, err := parseDateTime(t.SampleTime)
		if err != nil {
			return nil, fmt.Errorf("dcc: t[0].sc: %q: %w", t.SampleTime, err)
		}
		var res healthcert.TestResult
		switch t.Result {
		case ResultNotDetected:
			res = healthcert.ResultNegative
		case ResultDetected:
			res = healthcert.ResultPositive
		default:
			return nil, fmt.Errorf("dcc: t[0].tr: unknown test result %q", t.Result)
		}
		c.ID, c.Issuer.Name = t.ID, t.Issuer
		common := healthcert.Common{Disease: t.Disease, Country: t.Country, Centre: t.Centre}
		if typ == healthcert.TypeNucleicAcidTest {
			ev = &healthcert.NucleicAcidTest{Common: common, Method: t.Type, Name: t.Name, SampleTime: sc, Result: res}
		} else {
			ev = &healthcert.AntigenTest{Common: common, Device: t.Device, Name: t.Name, SampleTime: sc, Result: res}
		}
	case healthcert.TypeRecovery:
		r := &p.Recoveries[0]
		var dates [3]healthcert.Date
		for i, f := range []struct{ key, s string }{{"fr", r.FirstPositive}, {"df", r.ValidFrom}, {"du", r.ValidUntil}} {
			if dates[i], err = parseEventDate(f.s); err != nil {
				return nil, fmt.Errorf("dcc: r[0].%s: %w", f.key, err)
			}
		}
		c.ID, c.Issuer.Name = r.ID, r.Issuer
		ev = &healthcert.Recovery{
			Common:        healthcert.Common{Disease: r.Disease, Country: r.Country},
			FirstPositive: dates[0], ValidFrom: dates[1], ValidUntil: dates[2],
		}
	}
	block.events[0] = ev
	c.Events = block.events[:]
	return c, nil
}

// parseDOB reads "", YYYY, YYYY-MM, YYYY-MM-DD, or a date-time whose date
// part it keeps (older payloads of some countries).
func parseDOB(s string) (healthcert.Date, error) {
	switch {
	case s == "":
		return healthcert.Date{}, nil
	case len(s) == 4:
		y, ok := digits(s)
		if !ok {
			break
		}
		return healthcert.Date{Year: y}, nil
	case len(s) == 7 && s[4] == '-':
		y, ok1 := digits(s[:4])
		m, ok2 := digits(s[5:])
		if !ok1 || !ok2 || m < 1 || m > 12 {
			break
		}
		return healthcert.Date{Year: y, Month: m}, nil
	case len(s) >= 10:
		return parseEventDate(s)
	}
	return healthcert.Date{}, fmt.Errorf("%q is not a date YYYY, YYYY-MM or YYYY-MM-DD", s)
}

// parseEventDate reads a full date, or the date part of a date-time.
func parseEventDate(s string) (healthcert.Date, error) {
	if len(s) < 10 || (len(s) > 10 && s[10] != 'T' && s[10] != 't') {
		return healthcert.Date{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	y, m, d, err := parseYMD(s[:10])
	if err != nil {
		return healthcert.Date{}, fmt.Errorf("%q: %w", s, err)
	}
	return healthcert.Date{Year: y, Month: m, Day: d}, nil
}

func formatDate(d healthcert.Date) (string, error) {
	switch {
	case d == healthcert.Date{}:
		return "", nil
	case d.Year < 1 || d.Year > 9999 || d.Month < 0 || d.Month > 12 || d.Day < 0 || d.Month == 0 && d.Day != 0:
		return "", fmt.Errorf("invalid date %d-%d-%d", d.Year, d.Month, d.Day)
	case d.Month == 0:
		return fmt.Sprintf("%04d", d.Year), nil
	case d.Day == 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month), nil
	case d.Day > daysIn(d.Year, d.Month):
		return "", fmt.Errorf("invalid date %d-%d-%d", d.Year, d.Month, d.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day), nil
}

// fullDate formats a date that must be complete (event dates).
func fullDate(field string, d healthcert.Date) (string, error) {
	if d.Day == 0 {
		return "", fmt.Errorf("%w: %s: a DCC needs a complete date, have %d-%d-%d", ErrNotRepresentable, field, d.Year, d.Month, d.Day)
	}
	s, err := formatDate(d)
	if err != nil {
		return "", fmt.Errorf("dcc: %s: %w", field, err)
	}
	return s, nil
}

// FromEvent builds a DCC payload (version 1.3.0) for one event of holder h,
// with certificate identifier id (ci) and issuer name issuerName (is). A
// nucleic-acid test becomes tt LP6464-4 whatever its specific method (the
// DCC knows only NAAT); sample times are written in UTC to the second.
// Antibody tests, results other than negative or positive, and partial
// event dates have no DCC form: the error wraps ErrNotRepresentable.
func FromEvent(h healthcert.Holder, e healthcert.Event, id, issuerName string) (*Payload, error) {
	if h.Name.FamilyICAO == "" && h.Name.GivenICAO == "" {
		return nil, fmt.Errorf("dcc: holder: an ICAO family or given name is required")
	}
	dob, err := formatDate(h.DateOfBirth)
	if err != nil {
		return nil, fmt.Errorf("dcc: holder: date of birth: %w", err)
	}
	p := &Payload{
		Version:     "1.3.0",
		Name:        Name{Family: h.Name.Family, FamilyICAO: h.Name.FamilyICAO, Given: h.Name.Given, GivenICAO: h.Name.GivenICAO},
		DateOfBirth: dob,
	}
	switch ev := e.(type) {
	case *healthcert.Vaccination:
		dt, err := fullDate("v[0].dt", ev.Date)
		if err != nil {
			return nil, err
		}
		p.Vaccinations = []Vaccination{{
			Disease: ev.Disease, VaccineType: ev.VaccineType, Product: ev.Product, Manufacturer: ev.Manufacturer,
			DoseNumber: ev.DoseNumber, TotalDoses: ev.TotalDoses, Date: dt,
			Country: ev.Country, Issuer: issuerName, ID: id,
		}}
	case *healthcert.NucleicAcidTest:
		t, err := testEntry(ev.Common, TestTypeNAAT, ev.Name, "", ev.SampleTime, ev.Result, id, issuerName)
		if err != nil {
			return nil, err
		}
		p.Tests = []Test{t}
	case *healthcert.AntigenTest:
		t, err := testEntry(ev.Common, TestTypeRAT, ev.Name, ev.Device, ev.SampleTime, ev.Result, id, issuerName)
		if err != nil {
			return nil, err
		}
		p.Tests = []Test{t}
	case *healthcert.Recovery:
		r := Recovery{Disease: ev.Disease, Country: ev.Country, Issuer: issuerName, ID: id}
		for _, f := range []struct {
			key string
			d   healthcert.Date
			dst *string
		}{{"fr", ev.FirstPositive, &r.FirstPositive}, {"df", ev.ValidFrom, &r.ValidFrom}, {"du", ev.ValidUntil, &r.ValidUntil}} {
			if *f.dst, err = fullDate("r[0]."+f.key, f.d); err != nil {
				return nil, err
			}
		}
		p.Recoveries = []Recovery{r}
	case *healthcert.AntibodyTest:
		return nil, fmt.Errorf("%w: the DCC has no antibody test", ErrNotRepresentable)
	case nil:
		return nil, fmt.Errorf("dcc: no event")
	default:
		return nil, fmt.Errorf("%w: event type %q", ErrNotRepresentable, e.Type())
	}
	return p, nil
}

func testEntry(c healthcert.Common, tt, name, device string, sc time.Time, res healthcert.TestResult, id, issuer string) (Test, error) {
	var tr string
	switch res {
	case healthcert.ResultNegative:
		tr = ResultNotDetected
	case healthcert.ResultPositive:
		tr = ResultDetected
	default:
		return Test{}, fmt.Errorf("%w: t[0].tr: test result %q", ErrNotRepresentable, res)
	}
	if sc.IsZero() {
		return Test{}, fmt.Errorf("dcc: t[0].sc: sample time is required")
	}
	return Test{
		Disease: c.Disease, Type: tt, Name: name, Device: device,
		SampleTime: sc.UTC().Format("2006-01-02T15:04:05Z"), Result: tr,
		Centre: c.Centre, Country: c.Country, Issuer: issuer, ID: id,
	}, nil
}
