package rules

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verify"
)

// The data context of a rule (docs/rules.md) is, as in the EU engines,
//
//	{"payload": …, "external": {"validationClock", "valueSets", "countryCode",
//	  "exp", "iat", "issuerCountryCode", "kid", "region"}}
//
// with the values encoding/json gives an any. The payload is the JSON form
// of the native certificate (docs/format.md, section 3: id, issuer,
// issued_at, expires_at, holder, events); for an EU DCC it is the DCC as
// issued (ver, nam, dob, v | t | r), with the native members added beside
// it, so that one rule written over "events" reads every certificate.

// ValueSetsData returns value sets as the external.valueSets member of the
// data context: each set's id to the array of its codes.
func ValueSetsData(s *valueset.Sets) map[string]any {
	out := make(map[string]any)
	for _, id := range s.IDs() {
		codes := s.Codes(id)
		arr := make([]any, len(codes))
		for i, c := range codes {
			arr[i] = c
		}
		out[id] = arr
	}
	return out
}

// Data returns the data context of a certificate: the payload and the
// external parameters of c, with valueSets (as ValueSetsData returns
// them, shared and not copied: the engine only reads them).
func Data(c *verify.RuleContext, valueSets map[string]any) (map[string]any, error) {
	return data(c, valueSets, nil)
}

// payloadNeeds names the payload members some rule reads; nil means all.
type payloadNeeds map[string]bool

func (n payloadNeeds) has(member string) bool { return n == nil || n[member] }

// needsOf returns the payload members the rules read (the first segment
// after "payload." of every var path), or nil when one reads the whole
// payload or the whole data.
func needsOf(rs []*Rule) payloadNeeds {
	n := payloadNeeds{}
	for _, r := range rs {
		if r.expr == nil {
			continue
		}
		for _, v := range r.expr.Vars() {
			rest, ok := strings.CutPrefix(v, "payload.")
			switch {
			case v == "" || v == "payload":
				return nil
			case ok:
				member, _, _ := strings.Cut(rest, ".")
				n[member] = true
			}
		}
	}
	return n
}

// data is Data building only the payload members needs names.
func data(c *verify.RuleContext, valueSets map[string]any, needs payloadNeeds) (map[string]any, error) {
	var payload map[string]any
	if c.Certificate != nil {
		payload = nativePayload(c.Certificate, needs)
	}
	if c.DCC != nil {
		if payload == nil {
			payload = make(map[string]any, 6)
		}
		addDCC(payload, c.DCC, needs)
	}
	if payload == nil {
		return nil, errors.New("rules: the rule context holds no certificate")
	}
	ext := map[string]any{
		"validationClock":   formatClock(c.Now),
		"valueSets":         valueSets,
		"countryCode":       box(c.Country),
		"issuerCountryCode": box(c.IssuerCountry),
		"region":            c.Region,
		"kid":               base64.StdEncoding.EncodeToString(c.KID),
		"exp":               nil,
		"iat":               nil,
	}
	if !c.ExpiresAt.IsZero() {
		ext["exp"] = formatClock(c.ExpiresAt)
	}
	if !c.IssuedAt.IsZero() {
		ext["iat"] = formatClock(c.IssuedAt)
	}
	return map[string]any{"payload": payload, "external": ext}, nil
}

// formatClock writes t in RFC 3339 with its offset, with milliseconds
// only when it has some.
func formatClock(t time.Time) string {
	if t.Nanosecond()/int(time.Millisecond) == 0 {
		return t.Format(time.RFC3339)
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// NativePayload returns the JSON form of a native certificate
// (healthcert.Certificate.MarshalJSON, docs/format.md section 3) as
// encoding/json would decode it, built directly.
func NativePayload(c *healthcert.Certificate) map[string]any { return nativePayload(c, nil) }

func nativePayload(c *healthcert.Certificate, needs payloadNeeds) map[string]any {
	p := make(map[string]any, 8)
	if needs.has("id") {
		p["id"] = c.ID
	}
	if needs.has("issuer") {
		iss := map[string]any{}
		putStr(iss, "country", c.Issuer.Country)
		putStr(iss, "name", c.Issuer.Name)
		p["issuer"] = iss
	}
	if needs.has("issued_at") {
		putTime(p, "issued_at", c.IssuedAt)
	}
	if needs.has("expires_at") {
		putTime(p, "expires_at", c.ExpiresAt)
	}
	if needs.has("holder") {
		p["holder"] = nativeHolder(&c.Holder)
	}
	if needs.has("events") {
		events := make([]any, 0, len(c.Events))
		for _, e := range c.Events {
			if m := nativeEvent(e); m != nil {
				events = append(events, m)
			}
		}
		p["events"] = events
	}
	return p
}

func nativeHolder(hd *healthcert.Holder) map[string]any {
	name := map[string]any{}
	putStr(name, "family", hd.Name.Family)
	putStr(name, "given", hd.Name.Given)
	putStr(name, "family_icao", hd.Name.FamilyICAO)
	putStr(name, "given_icao", hd.Name.GivenICAO)
	h := map[string]any{"name": name}
	putDate(h, "date_of_birth", hd.DateOfBirth)
	putStr(h, "sex", string(hd.Sex))
	if d := hd.Document; d != nil {
		doc := map[string]any{}
		putStr(doc, "type", d.Type)
		putStr(doc, "number", d.Number)
		putStr(doc, "issuing_state", d.IssuingState)
		h["document"] = doc
	}
	return h
}

func nativeEvent(e healthcert.Event) map[string]any {
	m := make(map[string]any, 8)
	common := func(t healthcert.EventType, c *healthcert.Common) {
		m["type"] = box(string(t))
		putStr(m, "disease", c.Disease)
		putStr(m, "country", c.Country)
		putStr(m, "centre", c.Centre)
	}
	switch e := e.(type) {
	case *healthcert.Vaccination:
		if e == nil {
			return nil
		}
		common(healthcert.TypeVaccination, &e.Common)
		putStr(m, "vaccine_type", e.VaccineType)
		putStr(m, "product", e.Product)
		putStr(m, "manufacturer", e.Manufacturer)
		m["dose_number"] = float64(e.DoseNumber)
		m["total_doses"] = float64(e.TotalDoses)
		putDate(m, "date", e.Date)
	case *healthcert.NucleicAcidTest:
		if e == nil {
			return nil
		}
		common(healthcert.TypeNucleicAcidTest, &e.Common)
		putStr(m, "method", e.Method)
		putStr(m, "name", e.Name)
		putTime(m, "sample_time", e.SampleTime)
		putStr(m, "result", string(e.Result))
	case *healthcert.AntibodyTest:
		if e == nil {
			return nil
		}
		common(healthcert.TypeAntibodyTest, &e.Common)
		putStr(m, "isotype", string(e.Isotype))
		putStr(m, "method", e.Method)
		putStr(m, "device", e.Device)
		putTime(m, "sample_time", e.SampleTime)
		putStr(m, "result", string(e.Result))
		if q := e.Quantity; q != nil {
			m["quantity"] = map[string]any{"value": q.Value, "unit": q.Unit, "cut_off": q.CutOff}
		}
	case *healthcert.AntigenTest:
		if e == nil {
			return nil
		}
		common(healthcert.TypeAntigenTest, &e.Common)
		putStr(m, "device", e.Device)
		putStr(m, "name", e.Name)
		putTime(m, "sample_time", e.SampleTime)
		putStr(m, "result", string(e.Result))
	case *healthcert.Recovery:
		if e == nil {
			return nil
		}
		common(healthcert.TypeRecovery, &e.Common)
		putDate(m, "first_positive", e.FirstPositive)
		putDate(m, "valid_from", e.ValidFrom)
		putDate(m, "valid_until", e.ValidUntil)
	default:
		return nil
	}
	return m
}

func putStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = box(v)
	}
}

var (
	internOnce sync.Once
	interned   map[string]any
)

// box returns s as an any. The codes certificates repeat (event types,
// results, isotypes, countries, diseases, products, manufacturers, test
// types and methods of the embedded value sets) are boxed once, so that
// building a data context does not allocate for them.
func box(s string) any {
	internOnce.Do(func() {
		interned = map[string]any{}
		for _, c := range []string{
			string(healthcert.TypeVaccination), string(healthcert.TypeNucleicAcidTest), string(healthcert.TypeAntibodyTest),
			string(healthcert.TypeAntigenTest), string(healthcert.TypeRecovery),
			string(healthcert.ResultNegative), string(healthcert.ResultPositive), string(healthcert.ResultInconclusive),
			"F", "M", "X", "P", "ID", "PO",
		} {
			interned[c] = c
		}
		vs := valueset.Default()
		for _, id := range []string{valueset.CountryCodes, valueset.DiseaseAgentTargeted, valueset.TestTypes, valueset.TestResults,
			valueset.VaccineProducts, valueset.VaccineAuthHolders, valueset.VaccineTypes, valueset.ExtraVaccineProducts,
			valueset.AntibodyIsotypes, valueset.AntibodyMethods, valueset.SerologyTestTypes, valueset.NAATMethods,
			valueset.TestManufacturers} {
			for _, c := range vs.Codes(id) {
				interned[c] = c
			}
		}
	})
	if v, ok := interned[s]; ok {
		return v
	}
	return s
}

func putTime(m map[string]any, k string, t time.Time) {
	if !t.IsZero() {
		m[k] = t.UTC().Format(time.RFC3339)
	}
}

func putDate(m map[string]any, k string, d healthcert.Date) {
	if !d.IsZero() {
		m[k] = formatDate(d)
	}
}

// formatDate writes a date as Date.String does ("YYYY-MM-DD", "YYYY-MM"
// or "YYYY"), without fmt.
func formatDate(d healthcert.Date) string {
	if !d.Valid() {
		return d.String()
	}
	b := make([]byte, 0, 10)
	b = append(b, byte('0'+d.Year/1000), byte('0'+d.Year/100%10), byte('0'+d.Year/10%10), byte('0'+d.Year%10))
	if d.Month > 0 {
		b = append(b, '-', byte('0'+d.Month/10), byte('0'+d.Month%10))
		if d.Day > 0 {
			b = append(b, '-', byte('0'+d.Day/10), byte('0'+d.Day%10))
		}
	}
	return string(b)
}

// addDCC adds the members of an EU DCC payload, as issued, to m (those
// needs names).
func addDCC(m map[string]any, p *dcc.Payload, needs payloadNeeds) {
	if needs.has("ver") {
		m["ver"] = p.Version
	}
	if needs.has("nam") {
		nam := map[string]any{}
		putStr(nam, "fn", p.Name.Family)
		putStr(nam, "fnt", p.Name.FamilyICAO)
		putStr(nam, "gn", p.Name.Given)
		putStr(nam, "gnt", p.Name.GivenICAO)
		m["nam"] = nam
	}
	if needs.has("dob") {
		m["dob"] = p.DateOfBirth
	}
	if len(p.Vaccinations) > 0 && needs.has("v") {
		arr := make([]any, len(p.Vaccinations))
		for i := range p.Vaccinations {
			v := &p.Vaccinations[i]
			arr[i] = map[string]any{"tg": box(v.Disease), "vp": box(v.VaccineType), "mp": box(v.Product), "ma": box(v.Manufacturer),
				"dn": float64(v.DoseNumber), "sd": float64(v.TotalDoses), "dt": v.Date, "co": box(v.Country),
				"is": v.Issuer, "ci": v.ID}
		}
		m["v"] = arr
	}
	if len(p.Tests) > 0 && needs.has("t") {
		arr := make([]any, len(p.Tests))
		for i := range p.Tests {
			t := &p.Tests[i]
			e := map[string]any{"tg": box(t.Disease), "tt": box(t.Type), "sc": t.SampleTime, "tr": box(t.Result),
				"co": box(t.Country), "is": t.Issuer, "ci": t.ID}
			putStr(e, "nm", t.Name)
			putStr(e, "ma", t.Device)
			putStr(e, "dr", t.ResultTime)
			putStr(e, "tc", t.Centre)
			arr[i] = e
		}
		m["t"] = arr
	}
	if len(p.Recoveries) > 0 && needs.has("r") {
		arr := make([]any, len(p.Recoveries))
		for i := range p.Recoveries {
			r := &p.Recoveries[i]
			arr[i] = map[string]any{"tg": box(r.Disease), "fr": r.FirstPositive, "co": box(r.Country), "is": r.Issuer,
				"df": r.ValidFrom, "du": r.ValidUntil, "ci": r.ID}
		}
		m["r"] = arr
	}
}

// certificateTypes reports which CertificateTypes apply to the
// certificate of c (General always).
func certificateTypes(c *verify.RuleContext) (vacc, test, rec bool) {
	if c.DCC != nil {
		return len(c.DCC.Vaccinations) > 0, len(c.DCC.Tests) > 0, len(c.DCC.Recoveries) > 0
	}
	if c.Certificate != nil {
		for _, e := range c.Certificate.Events {
			switch e.(type) {
			case *healthcert.Vaccination:
				vacc = true
			case *healthcert.NucleicAcidTest, *healthcert.AntibodyTest, *healthcert.AntigenTest:
				test = true
			case *healthcert.Recovery:
				rec = true
			}
		}
	}
	return
}
