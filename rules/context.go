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

// needs says which members of the data context the rules of an evaluator
// can read, so that the context is built with those only; nil means all.
// A member no var path names can only be seen through the truthiness of
// its object (an empty object is falsy), so an object that would be left
// empty although its certificate has members is built in full.
type needs struct {
	// payload and external name the members of payload and external
	// ("payload.X", "external.X"); nil means all.
	payload, external map[string]bool
	// field names the members of nested objects: every fragment of every
	// var path (events are also read as "current" in a reduce lambda).
	field map[string]bool
}

func (n *needs) has(member string) bool { return n == nil || n.payload == nil || n.payload[member] }
func (n *needs) hasExt(member string) bool {
	return n == nil || n.external == nil || n.external[member]
}
func (n *needs) hasField(name string) bool { return n == nil || n.field[name] }

// needsOf returns the members of the data context the rules read, or nil
// when one reads the whole data context.
func needsOf(rs []*Rule) *needs {
	n := &needs{payload: map[string]bool{}, external: map[string]bool{}, field: map[string]bool{}}
	for _, r := range rs {
		if r.expr == nil {
			continue
		}
		for _, v := range r.expr.Vars() {
			if v == "" {
				return nil
			}
			for _, f := range strings.Split(v, ".") {
				n.field[f] = true
			}
			top, rest, _ := strings.Cut(v, ".")
			member, _, _ := strings.Cut(rest, ".")
			switch {
			case top == "payload" && rest == "":
				n.payload = nil
			case top == "payload" && n.payload != nil:
				n.payload[member] = true
			case top == "external" && rest == "":
				n.external = nil
			case top == "external" && n.external != nil:
				n.external[member] = true
			}
		}
	}
	return n
}

// object builds a nested object of the payload with the members the
// rules can read (needs.hasField).
type object struct {
	m    map[string]any
	n    *needs
	left bool // a member the certificate has was left out
}

func newObject(n *needs, size int) object { return object{m: make(map[string]any, size), n: n} }

// wants reports whether the member k, which the certificate has, goes in.
func (o *object) wants(k string) bool {
	if o.n.hasField(k) {
		return true
	}
	o.left = true
	return false
}

func (o *object) str(k, v string) {
	if v != "" && o.wants(k) {
		o.m[k] = box(v)
	}
}

func (o *object) num(k string, v float64) {
	if o.wants(k) {
		o.m[k] = boxNum(v)
	}
}

func (o *object) time(k string, t time.Time) {
	if !t.IsZero() && o.wants(k) {
		o.m[k] = formatUTC(t)
	}
}

func (o *object) date(k string, d healthcert.Date) {
	if !d.IsZero() && o.wants(k) {
		o.m[k] = formatDate(d)
	}
}

func (o *object) common(t healthcert.EventType, c *healthcert.Common) {
	o.str("type", string(t))
	o.str("disease", c.Disease)
	o.str("country", c.Country)
	o.str("centre", c.Centre)
}

// req puts a member that is there even when empty.
func (o *object) req(k, v string) {
	if o.wants(k) {
		o.m[k] = box(v)
	}
}

// done returns the object, or nil when it left out every member it has
// (the caller then builds it in full: an empty object would be falsy).
func (o *object) done() map[string]any {
	if len(o.m) == 0 && o.left {
		return nil
	}
	return o.m
}

// data is Data building only the members n names.
func data(c *verify.RuleContext, valueSets map[string]any, n *needs) (map[string]any, error) {
	var payload map[string]any
	if c.Certificate != nil {
		payload = nativePayload(c.Certificate, n)
	}
	if c.DCC != nil {
		if payload == nil {
			payload = make(map[string]any, 6)
		}
		addDCC(payload, c.DCC, n)
	}
	if payload == nil {
		return nil, errors.New("rules: the rule context holds no certificate")
	}
	// validationClock is always there: external is never empty.
	ext := make(map[string]any, 8)
	ext["validationClock"] = formatClock(c.Now)
	if n.hasExt("valueSets") {
		ext["valueSets"] = valueSets
	}
	if n.hasExt("countryCode") {
		ext["countryCode"] = box(c.Country)
	}
	if n.hasExt("issuerCountryCode") {
		ext["issuerCountryCode"] = box(c.IssuerCountry)
	}
	if n.hasExt("region") {
		ext["region"] = c.Region
	}
	if n.hasExt("kid") {
		ext["kid"] = base64.StdEncoding.EncodeToString(c.KID)
	}
	if n.hasExt("exp") {
		ext["exp"] = nil
		if !c.ExpiresAt.IsZero() {
			ext["exp"] = formatClock(c.ExpiresAt)
		}
	}
	if n.hasExt("iat") {
		ext["iat"] = nil
		if !c.IssuedAt.IsZero() {
			ext["iat"] = formatClock(c.IssuedAt)
		}
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

func nativePayload(c *healthcert.Certificate, n *needs) map[string]any {
	p := make(map[string]any, 8)
	if n.has("id") {
		p["id"] = c.ID
	}
	if n.has("issuer") {
		p["issuer"] = nativeIssuer(&c.Issuer, n)
	}
	if n.has("issued_at") {
		putTime(p, "issued_at", c.IssuedAt)
	}
	if n.has("expires_at") {
		putTime(p, "expires_at", c.ExpiresAt)
	}
	if n.has("holder") {
		p["holder"] = nativeHolder(&c.Holder, n)
	}
	if n.has("events") {
		events := make([]any, 0, len(c.Events))
		for _, e := range c.Events {
			if m := nativeEvent(e, n); m != nil {
				events = append(events, m)
			}
		}
		p["events"] = events
	}
	return p
}

func nativeIssuer(iss *healthcert.Issuer, n *needs) map[string]any {
	o := newObject(n, 2)
	o.str("country", iss.Country)
	o.str("name", iss.Name)
	if m := o.done(); m != nil {
		return m
	}
	return nativeIssuer(iss, nil)
}

func nativeHolder(hd *healthcert.Holder, n *needs) map[string]any {
	h := newObject(n, 4)
	if h.wants("name") { // always present
		h.m["name"] = nativeName(&hd.Name, n)
	}
	h.date("date_of_birth", hd.DateOfBirth)
	h.str("sex", string(hd.Sex))
	if d := hd.Document; d != nil && h.wants("document") {
		h.m["document"] = nativeDocument(d, n)
	}
	if m := h.done(); m != nil {
		return m
	}
	return nativeHolder(hd, nil)
}

func nativeName(nm *healthcert.Name, n *needs) map[string]any {
	o := newObject(n, 4)
	o.str("family", nm.Family)
	o.str("given", nm.Given)
	o.str("family_icao", nm.FamilyICAO)
	o.str("given_icao", nm.GivenICAO)
	if m := o.done(); m != nil {
		return m
	}
	return nativeName(nm, nil)
}

func nativeDocument(d *healthcert.TravelDocument, n *needs) map[string]any {
	o := newObject(n, 3)
	o.str("type", d.Type)
	o.str("number", d.Number)
	o.str("issuing_state", d.IssuingState)
	if m := o.done(); m != nil {
		return m
	}
	return nativeDocument(d, nil)
}

// nativeEvent returns the object of an event, nil for an unknown kind.
func nativeEvent(e healthcert.Event, n *needs) map[string]any {
	o := newObject(n, 8)
	common := o.common
	switch e := e.(type) {
	case *healthcert.Vaccination:
		if e == nil {
			return nil
		}
		common(healthcert.TypeVaccination, &e.Common)
		o.str("vaccine_type", e.VaccineType)
		o.str("product", e.Product)
		o.str("manufacturer", e.Manufacturer)
		o.num("dose_number", float64(e.DoseNumber))
		o.num("total_doses", float64(e.TotalDoses))
		o.date("date", e.Date)
	case *healthcert.NucleicAcidTest:
		if e == nil {
			return nil
		}
		common(healthcert.TypeNucleicAcidTest, &e.Common)
		o.str("method", e.Method)
		o.str("name", e.Name)
		o.time("sample_time", e.SampleTime)
		o.str("result", string(e.Result))
	case *healthcert.AntibodyTest:
		if e == nil {
			return nil
		}
		common(healthcert.TypeAntibodyTest, &e.Common)
		o.str("isotype", string(e.Isotype))
		o.str("method", e.Method)
		o.str("device", e.Device)
		o.time("sample_time", e.SampleTime)
		o.str("result", string(e.Result))
		if q := e.Quantity; q != nil && o.wants("quantity") {
			o.m["quantity"] = nativeQuantity(q, n)
		}
	case *healthcert.AntigenTest:
		if e == nil {
			return nil
		}
		common(healthcert.TypeAntigenTest, &e.Common)
		o.str("device", e.Device)
		o.str("name", e.Name)
		o.time("sample_time", e.SampleTime)
		o.str("result", string(e.Result))
	case *healthcert.Recovery:
		if e == nil {
			return nil
		}
		common(healthcert.TypeRecovery, &e.Common)
		o.date("first_positive", e.FirstPositive)
		o.date("valid_from", e.ValidFrom)
		o.date("valid_until", e.ValidUntil)
	default:
		return nil
	}
	if m := o.done(); m != nil {
		return m
	}
	return nativeEvent(e, nil)
}

func nativeQuantity(q *healthcert.Quantity, n *needs) map[string]any {
	o := newObject(n, 3)
	o.num("value", q.Value)
	o.req("unit", q.Unit)
	o.num("cut_off", q.CutOff)
	if m := o.done(); m != nil {
		return m
	}
	return nativeQuantity(q, nil)
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
		m[k] = formatUTC(t)
	}
}

// formatUTC writes t in UTC as RFC 3339 (time.RFC3339) does.
func formatUTC(t time.Time) string {
	var buf [32]byte
	return string(t.UTC().AppendFormat(buf[:0], time.RFC3339))
}

// boxed holds the small integers as values of type any, so that the
// counts of a certificate (doses) are boxed without allocating.
var boxed = func() (b [256]any) {
	for i := range b {
		b[i] = float64(i)
	}
	return
}()

// boxNum returns f as an any.
func boxNum(f float64) any {
	if f >= 0 && f < float64(len(boxed)) && f == float64(int(f)) {
		return boxed[int(f)]
	}
	return f
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
func addDCC(m map[string]any, p *dcc.Payload, n *needs) {
	if n.has("ver") {
		m["ver"] = p.Version
	}
	if n.has("nam") {
		m["nam"] = dccName(&p.Name, n)
	}
	if n.has("dob") {
		m["dob"] = p.DateOfBirth
	}
	if len(p.Vaccinations) > 0 && n.has("v") {
		arr := make([]any, len(p.Vaccinations))
		for i := range p.Vaccinations {
			arr[i] = dccVaccination(&p.Vaccinations[i], n)
		}
		m["v"] = arr
	}
	if len(p.Tests) > 0 && n.has("t") {
		arr := make([]any, len(p.Tests))
		for i := range p.Tests {
			arr[i] = dccTest(&p.Tests[i], n)
		}
		m["t"] = arr
	}
	if len(p.Recoveries) > 0 && n.has("r") {
		arr := make([]any, len(p.Recoveries))
		for i := range p.Recoveries {
			arr[i] = dccRecovery(&p.Recoveries[i], n)
		}
		m["r"] = arr
	}
}

func dccName(nm *dcc.Name, n *needs) map[string]any {
	o := newObject(n, 4)
	o.str("fn", nm.Family)
	o.str("fnt", nm.FamilyICAO)
	o.str("gn", nm.Given)
	o.str("gnt", nm.GivenICAO)
	if m := o.done(); m != nil {
		return m
	}
	return dccName(nm, nil)
}

// The members of DCC entries that the schema requires are always there,
// even when empty.

func dccVaccination(v *dcc.Vaccination, n *needs) map[string]any {
	o := newObject(n, 8)
	o.req("tg", v.Disease)
	o.req("vp", v.VaccineType)
	o.req("mp", v.Product)
	o.req("ma", v.Manufacturer)
	o.num("dn", float64(v.DoseNumber))
	o.num("sd", float64(v.TotalDoses))
	o.req("dt", v.Date)
	o.req("co", v.Country)
	o.req("is", v.Issuer)
	o.req("ci", v.ID)
	if m := o.done(); m != nil {
		return m
	}
	return dccVaccination(v, nil)
}

func dccTest(t *dcc.Test, n *needs) map[string]any {
	o := newObject(n, 8)
	o.req("tg", t.Disease)
	o.req("tt", t.Type)
	o.req("sc", t.SampleTime)
	o.req("tr", t.Result)
	o.req("co", t.Country)
	o.req("is", t.Issuer)
	o.req("ci", t.ID)
	o.str("nm", t.Name)
	o.str("ma", t.Device)
	o.str("dr", t.ResultTime)
	o.str("tc", t.Centre)
	if m := o.done(); m != nil {
		return m
	}
	return dccTest(t, nil)
}

func dccRecovery(r *dcc.Recovery, n *needs) map[string]any {
	o := newObject(n, 8)
	o.req("tg", r.Disease)
	o.req("fr", r.FirstPositive)
	o.req("co", r.Country)
	o.req("is", r.Issuer)
	o.req("df", r.ValidFrom)
	o.req("du", r.ValidUntil)
	o.req("ci", r.ID)
	if m := o.done(); m != nil {
		return m
	}
	return dccRecovery(r, nil)
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
