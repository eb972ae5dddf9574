package convert

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/healthcert/icao"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/vdsnc"
)

// Format is a target of Convert.
type Format string

// The formats.
const (
	// DCC is an EU Digital COVID Certificate in an HC1 code, one per event.
	DCC Format = "dcc"
	// SHC is a SMART Health Card holding every event it can carry.
	SHC Format = "shc"
	// VDSNC is ICAO VDS-NC seals: one icao.vacc seal for the vaccinations,
	// one icao.test seal per test.
	VDSNC Format = "vdsnc"
	// JSON is the native certificate's canonical JSON form, lossless and
	// unsigned.
	JSON Format = "json"
)

// Formats lists every Format, in the order of the documentation.
var Formats = []Format{DCC, SHC, VDSNC, JSON}

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("convert: unknown format %q: want dcc, shc, vdsnc or json", s)
}

// Options configure Convert. The zero value converts to JSON only:
// signed formats need Key (and Certificate, or Issuer).
type Options struct {
	// Key signs the outputs: a document signer's key for a DCC or a seal,
	// the issuer's P-256 key for a SMART Health Card. Not used for JSON.
	Key crypto.Signer
	// Certificate is the document signer certificate of Key (DCC: its kid
	// and validity; seal: written in the seal). Not used for SHC and JSON.
	Certificate *x509.Certificate
	// Issuer is the SMART Health Card issuer URL (iss): https, the base
	// of its /.well-known/jwks.json. Required for SHC only.
	Issuer string
	// Now is the issue time of a certificate without issued_at; zero
	// means time.Now(), in whole seconds.
	Now time.Time
	// ValidFor is the validity of a certificate without expires_at; zero
	// means one year.
	ValidFor time.Duration
	// Seal gives a test seal what the native model does not hold (the
	// testing facility's contact details, the optional field).
	Seal vdsnc.ConvertOptions
	// Rand is the randomness of signatures and of a generated identifier;
	// nil means crypto/rand.
	Rand io.Reader
}

// Output is one converted code.
type Output struct {
	// Kind is what Text is: "dcc" (an HC1 code of a DCC), "shc" (the
	// compact JWS of a card), "icao.vacc" or "icao.test" (a seal, JSON),
	// "json" (the native certificate).
	Kind string `json:"kind"`
	// Events are the indices (from 0) of the certificate's events the
	// output carries.
	Events []int `json:"events"`
	// Text is the signed code in its format's own serialisation.
	Text string `json:"text"`
	// QR is the text of its QR code: the HC1 code, the card's "shc:/"
	// numeric text, the seal. Empty when it does not fit one QR code
	// (a card too large: carry it as a .smart-health-card file), and for
	// JSON.
	QR string `json:"qr,omitempty"`
	// Notes list what the output does not carry of its events, holder
	// and certificate, as read back by a verifier.
	Notes []string `json:"notes,omitempty"`
}

// Skipped is an event a format cannot carry.
type Skipped struct {
	// Event is its index, from 0.
	Event int                  `json:"event"`
	Type  healthcert.EventType `json:"type"`
	// Reason says why the format has no form for it.
	Reason string `json:"reason"`
}

// Result is the outcome of Convert.
type Result struct {
	Format Format `json:"format"`
	// Certificate is the certificate converted, as completed (identifier,
	// times, ICAO names, issuer country); nil for JSON, which converts
	// the certificate as given.
	Certificate *healthcert.Certificate `json:"-"`
	Outputs     []Output                `json:"outputs"`
	// Skipped lists the events no output carries, with the reason.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// ErrNothingToConvert is wrapped when no event of the certificate has a
// form in the target format.
var ErrNothingToConvert = errors.New("convert: no event of the certificate has a form in this format")

// Convert converts c to the format f and signs the outputs with
// opts.Key. c is not modified. Events the format cannot carry are listed
// in Result.Skipped; when none can be carried the error wraps
// ErrNothingToConvert and lists the reasons. Any other problem of c for
// the format is an error naming the event.
func Convert(c *healthcert.Certificate, f Format, opts Options) (*Result, error) {
	if c == nil {
		return nil, errors.New("convert: no certificate")
	}
	if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	if f == JSON {
		text, err := c.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("convert: json: %w", err)
		}
		all := make([]int, len(c.Events))
		for i := range all {
			all[i] = i
		}
		return &Result{Format: JSON, Outputs: []Output{{Kind: string(JSON), Events: all, Text: string(text)}}}, nil
	}
	if err := checkKeys(f, opts); err != nil {
		return nil, err
	}
	cert, err := complete(c, f, opts)
	if err != nil {
		return nil, err
	}
	groups, skipped, err := plan(cert, f)
	if err != nil {
		return nil, err
	}
	res := &Result{Format: f, Certificate: cert, Skipped: skipped}
	if len(groups) == 0 {
		return res, nothingError(skipped)
	}
	for _, g := range groups {
		out, err := sign(cert, f, g, opts)
		if err != nil {
			return nil, err
		}
		res.Outputs = append(res.Outputs, *out)
	}
	return res, nil
}

func nothingError(skipped []Skipped) error {
	msg := ""
	for i, s := range skipped {
		if i > 0 {
			msg += "; "
		}
		msg += fmt.Sprintf("event %d (%s): %s", s.Event+1, s.Type, s.Reason)
	}
	if msg == "" {
		msg = "the certificate has no event"
	}
	return fmt.Errorf("%w: %s", ErrNothingToConvert, msg)
}

// checkKeys checks that opts has what f needs to sign.
func checkKeys(f Format, opts Options) error {
	if opts.Key == nil {
		return fmt.Errorf("convert: %s: no signing key", f)
	}
	switch f {
	case DCC, VDSNC:
		if opts.Certificate == nil {
			return fmt.Errorf("convert: %s: no document signer certificate", f)
		}
		if k, ok := opts.Key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(opts.Certificate.PublicKey) {
			return fmt.Errorf("convert: %s: the signer certificate (%s) is not of the signing key", f, opts.Certificate.Subject)
		}
	case SHC:
		if opts.Issuer == "" {
			return errors.New("convert: shc: no issuer url (the https base of the issuer's /.well-known/jwks.json)")
		}
	}
	return nil
}

// complete returns a copy of c completed as ithc issue completes a
// certificate, and validated.
func complete(c *healthcert.Certificate, f Format, opts Options) (*healthcert.Certificate, error) {
	cert := *c
	cert.Events = append([]healthcert.Event(nil), c.Events...)
	dsc := opts.Certificate
	if f == SHC {
		dsc = nil
	}
	if cert.Issuer.Country == "" && dsc != nil && len(dsc.Subject.Country) > 0 {
		cert.Issuer.Country = dsc.Subject.Country[0]
	}
	if cert.IssuedAt.IsZero() {
		cert.IssuedAt = opts.Now
		if cert.IssuedAt.IsZero() {
			cert.IssuedAt = time.Now()
		}
		cert.IssuedAt = cert.IssuedAt.UTC().Truncate(time.Second)
	}
	if cert.ExpiresAt.IsZero() {
		d := opts.ValidFor
		if d <= 0 {
			d = 365 * 24 * time.Hour
		}
		cert.ExpiresAt = cert.IssuedAt.Add(d)
	}
	if cert.ID == "" && cert.Issuer.Country != "" {
		id, err := healthcert.NewUVCI(cert.Issuer.Country, "", opts.Rand, true)
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		cert.ID = id
	}
	if err := icao.Fill(&cert.Holder.Name); err != nil {
		return nil, fmt.Errorf("convert: holder name: %w", err)
	}
	if err := cert.Validate(); err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	if dsc != nil {
		if cert.IssuedAt.Before(dsc.NotBefore) || cert.IssuedAt.After(dsc.NotAfter) {
			return nil, fmt.Errorf("convert: issued_at %s is outside the document signer's validity (%s to %s)",
				stamp(cert.IssuedAt), stamp(dsc.NotBefore), stamp(dsc.NotAfter))
		}
		if f == DCC && cert.ExpiresAt.After(dsc.NotAfter) {
			return nil, fmt.Errorf("convert: expires_at %s is after the document signer expires (%s): verifiers would reject the DCC",
				stamp(cert.ExpiresAt), stamp(dsc.NotAfter))
		}
	}
	return &cert, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// group is the events of one output.
type group struct {
	kind   string
	events []int
}

const covid19 = "840539006"

// plan decides, per event, whether f can carry it, and groups the events
// into outputs.
func plan(c *healthcert.Certificate, f Format) ([]group, []Skipped, error) {
	var groups []group
	var skipped []Skipped
	vacc := -1 // index in groups of the icao.vacc seal
	for i, e := range c.Events {
		if e == nil {
			return nil, nil, fmt.Errorf("convert: event %d is empty", i+1)
		}
		if reason := noForm(f, e); reason != "" {
			skipped = append(skipped, Skipped{Event: i, Type: e.Type(), Reason: reason})
			continue
		}
		switch {
		case f == DCC:
			groups = append(groups, group{kind: "dcc", events: []int{i}})
		case f == SHC:
			if len(groups) == 0 {
				groups = append(groups, group{kind: "shc"})
			}
			groups[0].events = append(groups[0].events, i)
		case e.Type() == healthcert.TypeVaccination:
			if vacc < 0 {
				vacc = len(groups)
				groups = append(groups, group{kind: vdsnc.TypeVaccination})
			}
			groups[vacc].events = append(groups[vacc].events, i)
		default:
			groups = append(groups, group{kind: vdsnc.TypeTest, events: []int{i}})
		}
	}
	return groups, skipped, nil
}

// noForm returns why format f has no form for event e, or "" when it has
// one. Only the kind of event and values no format code expresses are
// reasons; other problems are errors of the conversion.
func noForm(f Format, e healthcert.Event) string {
	var disease string
	var result healthcert.TestResult
	switch e := e.(type) {
	case *healthcert.Vaccination:
		disease = e.Disease
	case *healthcert.NucleicAcidTest:
		disease, result = e.Disease, e.Result
	case *healthcert.AntibodyTest:
		disease, result = e.Disease, e.Result
	case *healthcert.AntigenTest:
		disease, result = e.Disease, e.Result
	case *healthcert.Recovery:
		disease = e.Disease
	}
	isTest := result != ""
	switch f {
	case DCC:
		switch {
		case e.Type() == healthcert.TypeAntibodyTest:
			return "the EU DCC has no serology (antibody) test: its tests are nucleic-acid and rapid antigen tests"
		case disease != covid19:
			return fmt.Sprintf("the EU DCC is for COVID-19 (%s) only, not disease %q", covid19, disease)
		case result == healthcert.ResultInconclusive:
			return "the EU DCC has no inconclusive test result (detected or not detected)"
		}
	case SHC:
		if e.Type() == healthcert.TypeRecovery {
			return "SMART Health Cards have no recovery statement"
		}
	case VDSNC:
		switch {
		case e.Type() == healthcert.TypeRecovery:
			return "ICAO defines no recovery seal (only icao.vacc and icao.test)"
		case isTest && disease != covid19:
			return fmt.Sprintf("the ICAO proof of testing (icao.test) is for SARS-CoV-2 (%s) only, not disease %q", covid19, disease)
		case result == healthcert.ResultInconclusive:
			return "an icao.test seal's result is positive or negative, not inconclusive"
		}
	}
	return ""
}

// sub returns c with only the events of g.
func sub(c *healthcert.Certificate, g group) *healthcert.Certificate {
	s := *c
	s.Events = make([]healthcert.Event, len(g.events))
	for i, k := range g.events {
		s.Events[i] = c.Events[k]
	}
	return &s
}

// eventNames names the events of g for an error.
func eventNames(c *healthcert.Certificate, g group) string {
	s := ""
	for i, k := range g.events {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("event %d (%s)", k+1, c.Events[k].Type())
	}
	return s
}

// sign makes and signs the output of g, and reads it back for the notes.
func sign(c *healthcert.Certificate, f Format, g group, opts Options) (*Output, error) {
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	one := sub(c, g)
	out := &Output{Kind: g.kind, Events: g.events}
	var back *healthcert.Certificate
	switch f {
	case DCC:
		p, err := dcc.FromEvent(c.Holder, one.Events[0], c.ID, c.Issuer.Name)
		if err != nil {
			return nil, fmt.Errorf("convert: dcc: %s: %w", eventNames(c, g), err)
		}
		if err := p.Check(valueset.Default()); err != nil {
			return nil, fmt.Errorf("convert: dcc: %s: the DCC would not pass the schema verifiers check: %w", eventNames(c, g), err)
		}
		text, err := hc1.Sign(hc1.SignInput{Issuer: c.Issuer.Country, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, DCC: p},
			opts.Key, hc1.SignOptions{Certificate: opts.Certificate, Rand: rnd})
		if err != nil {
			return nil, fmt.Errorf("convert: dcc: %s: %w", eventNames(c, g), err)
		}
		out.Text, out.QR = text, text
		if back, err = p.Certificate(); err != nil {
			return nil, fmt.Errorf("convert: dcc: %s: reading back: %w", eventNames(c, g), err)
		}
		back.Issuer.Country, back.IssuedAt, back.ExpiresAt = c.Issuer.Country, c.IssuedAt, c.ExpiresAt
	case SHC:
		bundle, err := shc.FromCertificate(one)
		if err != nil {
			return nil, fmt.Errorf("convert: shc: %w", err)
		}
		jws, err := shc.Issue(bundle, opts.Key, shc.IssueOptions{Issuer: opts.Issuer, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, Rand: rnd})
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		out.Text = jws
		if qr, err := shc.EncodeQR(jws); err == nil {
			out.QR = qr
		} else {
			out.Notes = append(out.Notes, fmt.Sprintf("the card's JWS is %d characters, too long for one QR code: carry it as a .smart-health-card file", len(jws)))
		}
		if back, err = readSHC(jws); err != nil {
			return nil, err
		}
	case VDSNC:
		content, _, err := vdsnc.FromCertificate(one, opts.Seal)
		if err != nil {
			return nil, fmt.Errorf("convert: vdsnc: %s: %w", eventNames(c, g), err)
		}
		seal, err := vdsnc.Sign(content, opts.Key, opts.Certificate, vdsnc.SignOptions{Rand: rnd})
		if err != nil {
			return nil, fmt.Errorf("convert: vdsnc: %s: %w", eventNames(c, g), err)
		}
		out.Text, out.QR = string(seal), string(seal)
		if back, _, err = content.Certificate(); err != nil {
			return nil, fmt.Errorf("convert: vdsnc: %s: reading back: %w", eventNames(c, g), err)
		}
	}
	out.Notes = append(out.Notes, lost(one, back, g.events)...)
	return out, nil
}

// readSHC reads a card we signed back into the native model, as a
// verifier maps it (without checking the signature, which is ours).
func readSHC(jws string) (*healthcert.Certificate, error) {
	j, _, err := shc.ParseJWS(jws)
	if err != nil {
		return nil, fmt.Errorf("convert: shc: reading back: %w", err)
	}
	p, _, err := shc.ParsePayload(j.Payload)
	if err != nil {
		return nil, fmt.Errorf("convert: shc: reading back: %w", err)
	}
	b, _, err := shc.ParseBundle(p.Bundle, shc.Lenient)
	if err != nil {
		return nil, fmt.Errorf("convert: shc: reading back: %w", err)
	}
	back, _ := shc.ToCertificate(p, b, "")
	return back, nil
}
