package vdsnc

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/valueset"
)

// The code systems of the two models differ: a seal writes diseases and
// vaccines in ICD-11, the ITHC model (as the EU DCC) in SNOMED CT. These
// tables hold only equivalences, from WHO's DDCC code systems (the ICD-11
// codes of COVID-19 vaccines) and the SNOMED CT codes of the EU value
// sets; a code without one is kept as it is, with a note.

// covid19 is the SNOMED CT code of COVID-19.
const covid19 = "840539006"

// icdCOVID19 is the ICD-11 code of COVID-19, virus identified, which
// ICAO's example seal writes.
const icdCOVID19 = "RA01.0"

// diseaseFromICD maps ICD-11 disease codes to SNOMED CT.
var diseaseFromICD = map[string]string{
	"RA01":   covid19, // COVID-19
	"RA01.0": covid19, // COVID-19, virus identified
	"RA01.1": covid19, // COVID-19, virus not identified
}

// vaccineToICD maps SNOMED CT (and ATC) vaccine types, as the EU value
// set sct-vaccines-covid-19 has them, to ICD-11 (extension codes under
// XM68M6, COVID-19 vaccines).
var vaccineToICD = map[string]string{
	"28531000087107": "XM68M6", // COVID-19 vaccine
	"J07BX03":        "XM68M6", // covid-19 vaccines (ATC)
	"1119305005":     "XM68M6", // SARS-CoV-2 antigen vaccine: no narrower ICD-11 code
	"1119349007":     "XM0GQ8", // SARS-CoV-2 mRNA vaccine: COVID-19 vaccine, RNA based
	"1157024006":     "XM1NL1", // inactivated whole SARS-CoV-2 antigen vaccine: inactivated virus
	"29061000087103": "XM9QW8", // non-replicating viral vector vaccine
	"30141000087107": "XM1J92", // virus-like particle antigen vaccine
	"1187593009":     "XM6AT1", // DNA plasmid encoding spike protein vaccine: DNA based
	"1162643001":     "XM5JC5", // recombinant spike protein antigen vaccine: virus protein subunit
}

// vaccineFromICD maps ICD-11 vaccine codes, of a kind or of a product,
// to the SNOMED CT vaccine type.
var vaccineFromICD = map[string]string{
	"XM68M6": "28531000087107", // COVID-19 vaccines
	"XM0GQ8": "1119349007",     // RNA based
	"XM1NL1": "1157024006",     // inactivated virus
	"XM9QW8": "29061000087103", // non-replicating viral vector
	"XM1J92": "30141000087107", // virus like particle
	"XM6AT1": "1187593009",     // DNA based
	"XM5JC5": "1119305005",     // virus protein subunit: an antigen vaccine
	// Products.
	"XM8NQ0": "1119349007",     // Comirnaty
	"XM3DT5": "1119349007",     // COVID-19 Vaccine Moderna
	"XM4YL8": "29061000087103", // COVID-19 Vaccine AstraZeneca
	"XM97T2": "29061000087103", // Covishield
	"XM6QV1": "29061000087103", // COVID-19 Vaccine Janssen
	"XM1AG7": "29061000087103", // Convidecia
	"XM5ZJ4": "29061000087103", // Gam-Covid-Vac (Sputnik V)
	"XM5QM6": "29061000087103", // Sputnik-Light
	"XM7HT3": "1157024006",     // CoronaVac
	"XM8866": "1157024006",     // BBIBP-CorV
	"XM1AU2": "1157024006",     // Sinopharm WIBP-CorV
	"XM9TQ1": "1157024006",     // KCONVAC
	"XM1G90": "1157024006",     // Covaxin
	"XM9T65": "1162643001",     // Novavax COVID-19 vaccine: recombinant spike protein
}

// icd11 matches the shape of an ICD-11 code: a stem code (its second
// character a letter, such as "RA01.0") or an extension code ("XM68M6").
var icd11 = regexp.MustCompile(`^([0-9A-HJ-NP-Z][A-HJ-NP-Z][0-9A-HJ-NP-Z]{2}(\.[0-9A-HJ-NP-Z]{1,4})?|X[A-HJ-NP-Z][0-9A-HJ-NP-Z]{4})$`)

// NAATMethod is the method the ITHC model gives a nucleic-acid test read
// from a seal: LOINC LP6464-4, nucleic acid amplification with probe
// detection.
const NAATMethod = "LP6464-4"

// products maps the display names of the EU vaccine products (lower case)
// to their codes, and the codes of ITHC's extra products to themselves.
var products = sync.OnceValue(func() map[string]string {
	vs := valueset.Default()
	m := map[string]string{}
	for _, code := range vs.Codes(valueset.VaccineProducts) {
		if d, ok := vs.Display(valueset.VaccineProducts, code); ok && d != "" {
			m[strings.ToLower(d)] = code
		}
	}
	for _, code := range vs.Codes(valueset.ExtraVaccineProducts) {
		m[strings.ToLower(code)] = code
	}
	return m
})

// productName returns the name a seal writes for a product code: the EU
// product's display name, or the code itself.
func productName(code string) string {
	if d, ok := valueset.Default().Display(valueset.VaccineProducts, code); ok && d != "" {
		return d
	}
	return code
}

// Certificate returns the seal's content in the ITHC model, and notes on
// what the model cannot hold. It fails when the content cannot be
// expressed: an issuing state or country without an ISO 3166-1 alpha-2
// code, a test result of "normal" or "abnormal" (the model knows
// positive, negative and inconclusive).
//
// The mapping:
//
//   - Certificate.ID is the uvci or utci; Issuer.Country the alpha-2 code
//     of the issuing state. A test seal's report time is IssuedAt; a
//     vaccination seal has no issuance time. No seal has an expiry.
//   - The name n splits at its first double space, the separator of
//     Doc 9303's visual zone ("CITIZEN  JANE SUE"), into family and given
//     names; without one the whole name is the family name. The ICAO form
//     is derived when the name is in Latin letters, spaces and hyphens.
//   - Each dose of each vaccine is one Vaccination: ICD-11 disease and
//     vaccine codes become SNOMED CT through the tables of this package
//     (unknown codes are kept); the product name becomes the EU product
//     code when it is one's display name. Manufacturer and total doses,
//     which a seal lacks, stay empty; lot and next-dose date are dropped.
//   - A test is a NucleicAcidTest (molecular, method NAATMethod), an
//     AntigenTest or an AntibodyTest (isotype left empty: a seal does not
//     say which antibodies), for COVID-19: the ICAO proof-of-testing data
//     set is for SARS-CoV-2 and has no disease field.
//
// The result is what the seal says, not a certificate that passes
// healthcert's Validate: fields the seal lacks stay empty.
func (c *Content) Certificate() (*healthcert.Certificate, []string, error) {
	country, ok := Alpha2(c.Header.IssuingState)
	if !ok {
		return nil, nil, fmt.Errorf("vdsnc: issuing state %q has no ISO 3166-1 alpha-2 code", c.Header.IssuingState)
	}
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	cert := &healthcert.Certificate{Issuer: healthcert.Issuer{Country: country}}
	switch {
	case c.Vaccination != nil:
		m := c.Vaccination
		lots := false
		cert.ID = m.UVCI
		cert.Holder = holderOf(&m.Person, note)
		for i, e := range m.Events {
			disease, vaccine := e.Disease, e.Vaccine
			switch d, ok := diseaseFromICD[disease]; {
			case ok:
				disease = d
			case disease == "":
				if _, covid := vaccineFromICD[vaccine]; covid {
					disease = covid19 // a COVID-19 vaccine protects against COVID-19
				} else {
					note("ve[%d]: no disease (dis)", i)
				}
			default:
				note("ve[%d].dis: ICD-11 code %q kept as it is", i, disease)
			}
			if v, ok := vaccineFromICD[vaccine]; ok {
				vaccine = v
			} else {
				note("ve[%d].des: ICD-11 code %q kept as it is", i, vaccine)
			}
			product, ok := products()[strings.ToLower(e.Product)]
			if !ok {
				product = e.Product
				note("ve[%d].nam: %q is no known product and is kept as a name", i, e.Product)
			}
			for j, d := range e.Doses {
				ctr, ok := Alpha2(d.Country)
				if !ok {
					return nil, nil, fmt.Errorf("vdsnc: ve[%d].vd[%d].ctr: %q has no ISO 3166-1 alpha-2 code", i, j, d.Country)
				}
				cert.Events = append(cert.Events, &healthcert.Vaccination{
					Common:      healthcert.Common{Disease: disease, Country: ctr, Centre: d.Centre},
					VaccineType: vaccine, Product: product, DoseNumber: d.Sequence, Date: d.Date,
				})
				if d.Lot != "" || !d.NextDate.IsZero() {
					lots = true
				}
			}
		}
		if lots {
			note("lot numbers and next-dose dates dropped")
		}
		note("a seal names no manufacturer and no total number of doses")
	case c.Test != nil:
		m := c.Test
		cert.ID = m.UTCI
		cert.IssuedAt = m.ReportTime
		cert.Holder = holderOf(&m.Person, note)
		ctr, ok := Alpha2(m.Provider.Country)
		if !ok {
			return nil, nil, fmt.Errorf("vdsnc: sp.ctr: %q has no ISO 3166-1 alpha-2 code", m.Provider.Country)
		}
		var result healthcert.TestResult
		switch m.Result.Result {
		case ResultPositive:
			result = healthcert.ResultPositive
		case ResultNegative:
			result = healthcert.ResultNegative
		default:
			return nil, nil, fmt.Errorf("vdsnc: tr.r: result %q has no equivalent in the ITHC model (positive, negative, inconclusive)", m.Result.Result)
		}
		common := healthcert.Common{Disease: covid19, Country: ctr, Centre: m.Provider.Name}
		switch m.Result.Type {
		case TestPCR, TestMolecularOther:
			cert.Events = []healthcert.Event{&healthcert.NucleicAcidTest{Common: common, Method: NAATMethod, SampleTime: m.SampleTime, Result: result}}
		case TestAntigen:
			cert.Events = []healthcert.Event{&healthcert.AntigenTest{Common: common, SampleTime: m.SampleTime, Result: result}}
			note("tr.tc: a seal names no antigen test device")
		case TestAntibody:
			cert.Events = []healthcert.Event{&healthcert.AntibodyTest{Common: common, SampleTime: m.SampleTime, Result: result}}
			note("tr.tc: a seal does not say which antibodies (isotype) a test measured")
		default:
			return nil, nil, fmt.Errorf("vdsnc: tr.tc: unknown test type %q", m.Result.Type)
		}
		if m.Result.Method != "" || m.Optional != "" || m.Provider.Phone != "" || m.Provider.Email != "" || m.Provider.Address != "" {
			note("sampling method, optional data and contact details dropped")
		}
	default:
		return nil, nil, errors.New("vdsnc: the seal has no message")
	}
	return cert, notes, nil
}

// holderOf maps pid.
func holderOf(p *Person, note func(string, ...any)) healthcert.Holder {
	h := healthcert.Holder{Name: nameOf(p.Name), DateOfBirth: p.DateOfBirth, Sex: healthcert.Sex(p.Sex)}
	if p.DocumentNumber != "" {
		h.Document = &healthcert.TravelDocument{Type: p.DocumentType, Number: p.DocumentNumber}
		note("pid: the issuing state of the travel document is not in a seal")
	}
	if p.AdditionalIdentifier != "" {
		note("pid.ai: additional identifier %q dropped", p.AdditionalIdentifier)
	}
	return h
}

// nameOf splits a seal's name at its first double space.
func nameOf(n string) healthcert.Name {
	family, given, _ := strings.Cut(n, "  ")
	family, given = strings.TrimSpace(family), strings.TrimSpace(given)
	return healthcert.Name{Family: family, Given: given, FamilyICAO: icaoForm(family), GivenICAO: icaoForm(given)}
}

// icaoForm returns the machine-readable form of a name in Latin letters:
// upper case, '<' for spaces and hyphens; "" for any other name.
func icaoForm(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
			fallthrough
		case r >= 'A' && r <= 'Z':
			if sep && b.Len() > 0 {
				b.WriteByte('<')
			}
			sep = false
			b.WriteRune(r)
		case r == ' ' || r == '-':
			sep = true
		case r == '\'' || r == '.':
		default:
			return ""
		}
	}
	return b.String()
}

// ConvertOptions configure FromCertificate. The zero value is ready to
// use.
type ConvertOptions struct {
	// Phone, Email and Address are the testing facility's contact details
	// of a test seal (sp.cd), which the ITHC model does not hold.
	Phone, Email, Address string
	// Optional is a test seal's opt field.
	Optional string
}

// FromCertificate returns the content of the seal that carries c, and
// notes on what the seal cannot hold. A certificate of vaccinations only
// gives an icao.vacc seal (doses of the same vaccine, product and disease
// grouped as one vaccine); a certificate of exactly one nucleic-acid,
// antigen or antibody test of COVID-19 gives an icao.test seal. Anything
// else is an error: ICAO defines no recovery seal, a test seal holds one
// test, and no seal mixes tests and vaccinations.
//
// Codes go through the tables of Certificate in reverse: a vaccine type or
// disease without an ICD-11 equivalent is an error, unless it is already
// an ICD-11 code. The name is the ICAO form (FamilyICAO, two spaces,
// GivenICAO, '<' written as a space), as in a passport's visual zone.
func FromCertificate(cert *healthcert.Certificate, opts ConvertOptions) (*Content, []string, error) {
	if cert == nil || len(cert.Events) == 0 {
		return nil, nil, errors.New("vdsnc: convert: no certificate or no event")
	}
	state, ok := Alpha3(cert.Issuer.Country)
	if !ok {
		return nil, nil, fmt.Errorf("vdsnc: convert: issuer country %q has no three-letter code", cert.Issuer.Country)
	}
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	name, err := sealName(cert.Holder.Name)
	if err != nil {
		return nil, nil, err
	}
	person := Person{Name: name, DateOfBirth: cert.Holder.DateOfBirth}
	if cert.Holder.Name.Family != "" && cert.Holder.Name.Family != cert.Holder.Name.FamilyICAO ||
		cert.Holder.Name.Given != "" && cert.Holder.Name.Given != cert.Holder.Name.GivenICAO {
		note("the name in native script is not in a seal, only its ICAO form")
	}
	doc := cert.Holder.Document
	if doc != nil && doc.IssuingState != "" {
		note("the issuing state of the travel document is not in a seal")
	}
	var vaccinations []*healthcert.Vaccination
	var tests []healthcert.Event
	for i, e := range cert.Events {
		switch e := e.(type) {
		case *healthcert.Vaccination:
			vaccinations = append(vaccinations, e)
		case *healthcert.NucleicAcidTest, *healthcert.AntigenTest, *healthcert.AntibodyTest:
			tests = append(tests, e)
		case *healthcert.Recovery:
			return nil, nil, fmt.Errorf("vdsnc: convert: event %d: ICAO defines no recovery seal", i)
		default:
			return nil, nil, fmt.Errorf("vdsnc: convert: event %d: unknown event type %T", i, e)
		}
	}
	c := &Content{}
	switch {
	case len(vaccinations) > 0 && len(tests) > 0:
		return nil, nil, errors.New("vdsnc: convert: a seal holds vaccinations or one test, not both: convert each event alone")
	case len(tests) > 1:
		return nil, nil, fmt.Errorf("vdsnc: convert: an %s seal holds one test, the certificate has %d: convert each event alone", TypeTest, len(tests))
	case len(vaccinations) > 0:
		c.Header = Header{Type: TypeVaccination, Version: Version, IssuingState: state}
		person.Sex = string(cert.Holder.Sex)
		if doc != nil {
			person.DocumentNumber = doc.Number
		}
		m := &VaccinationMessage{UVCI: cert.ID, Person: person}
		for i, v := range vaccinations {
			des, dis, err := icdCodes(v.VaccineType, v.Disease)
			if err != nil {
				return nil, nil, fmt.Errorf("vdsnc: convert: vaccination %d: %v", i, err)
			}
			ctr, ok := Alpha3(v.Country)
			if !ok {
				return nil, nil, fmt.Errorf("vdsnc: convert: vaccination %d: country %q has no three-letter code", i, v.Country)
			}
			dose := Dose{Date: v.Date, Sequence: v.DoseNumber, Country: ctr, Centre: v.Centre}
			nam := productName(v.Product)
			k := -1
			for j, e := range m.Events {
				if e.Vaccine == des && e.Product == nam && e.Disease == dis {
					k = j
				}
			}
			if k < 0 {
				m.Events = append(m.Events, VaccineEvent{Vaccine: des, Product: nam, Disease: dis})
				k = len(m.Events) - 1
			}
			m.Events[k].Doses = append(m.Events[k].Doses, dose)
		}
		note("a seal holds no manufacturer and no total number of doses")
		c.Vaccination = m
	default:
		c.Header = Header{Type: TypeTest, Version: Version, IssuingState: state}
		if cert.Holder.Sex != "" {
			note("a test seal holds no sex")
		}
		if doc == nil {
			return nil, nil, fmt.Errorf("vdsnc: convert: an %s seal needs the holder's travel document (pid.dt, pid.dn)", TypeTest)
		}
		dt, err := sealDocumentType(doc.Type)
		if err != nil {
			return nil, nil, err
		}
		person.DocumentType, person.DocumentNumber = dt, doc.Number
		m := &TestMessage{UTCI: cert.ID, Person: person, ReportTime: cert.IssuedAt, Optional: opts.Optional,
			Provider: Provider{Phone: opts.Phone, Email: opts.Email, Address: opts.Address}}
		if m.ReportTime.IsZero() {
			return nil, nil, fmt.Errorf("vdsnc: convert: an %s seal needs the report time (the certificate's issued_at)", TypeTest)
		}
		var common healthcert.Common
		var result healthcert.TestResult
		switch t := tests[0].(type) {
		case *healthcert.NucleicAcidTest:
			common, result, m.SampleTime, m.Result.Type = t.Common, t.Result, t.SampleTime, TestPCR
			if t.Name != "" {
				note("the test's name is not in a seal")
			}
		case *healthcert.AntigenTest:
			common, result, m.SampleTime, m.Result.Type = t.Common, t.Result, t.SampleTime, TestAntigen
			note("the antigen test's device is not in a seal")
		case *healthcert.AntibodyTest:
			common, result, m.SampleTime, m.Result.Type = t.Common, t.Result, t.SampleTime, TestAntibody
			note("the antibody test's isotype (%s), method and quantity are not in a seal", t.Isotype)
		}
		if common.Disease != covid19 {
			return nil, nil, fmt.Errorf("vdsnc: convert: an %s seal carries COVID-19 tests only (disease %q)", TypeTest, common.Disease)
		}
		if common.Centre == "" {
			return nil, nil, fmt.Errorf("vdsnc: convert: an %s seal needs the testing facility (the event's centre)", TypeTest)
		}
		ctr, ok := Alpha3(common.Country)
		if !ok {
			return nil, nil, fmt.Errorf("vdsnc: convert: test country %q has no three-letter code", common.Country)
		}
		m.Provider.Name, m.Provider.Country = common.Centre, ctr
		switch result {
		case healthcert.ResultNegative:
			m.Result.Result = ResultNegative
		case healthcert.ResultPositive:
			m.Result.Result = ResultPositive
		default:
			return nil, nil, fmt.Errorf("vdsnc: convert: result %q has no equivalent in a seal (positive, negative)", result)
		}
		c.Test = m
	}
	if !cert.ExpiresAt.IsZero() {
		note("a seal has no expiry time")
	}
	// What a verifier would refuse (a holder without date of birth or
	// document number, a name too long) is an error now.
	if _, err := c.tree(); err != nil {
		return nil, nil, fmt.Errorf("vdsnc: convert: %s", strings.TrimPrefix(err.Error(), "vdsnc: "))
	}
	return c, notes, nil
}

// icdCodes returns the ICD-11 codes of a vaccine type and a disease.
func icdCodes(vaccine, disease string) (des, dis string, err error) {
	switch v, ok := vaccineToICD[vaccine]; {
	case ok:
		des = v
	case icd11.MatchString(vaccine):
		des = vaccine
	default:
		return "", "", fmt.Errorf("vaccine type %q has no known ICD-11 code", vaccine)
	}
	switch {
	case disease == covid19:
		dis = icdCOVID19
	case icd11.MatchString(disease):
		dis = disease
	default:
		return "", "", fmt.Errorf("disease %q has no known ICD-11 code", disease)
	}
	return des, dis, nil
}

// sealName returns the seal's name of a holder: the ICAO forms, two spaces
// between the primary and secondary identifiers, spaces for '<'.
func sealName(n healthcert.Name) (string, error) {
	if n.FamilyICAO == "" && n.GivenICAO == "" {
		return "", errors.New("vdsnc: convert: the holder's name has no ICAO 9303 form (see package healthcert/icao)")
	}
	for _, part := range []struct{ field, s string }{{"family_icao", n.FamilyICAO}, {"given_icao", n.GivenICAO}} {
		if part.s == "" {
			continue
		}
		if err := healthcert.CheckICAOName(part.s); err != nil {
			return "", fmt.Errorf("vdsnc: convert: holder name %s %q: %v", part.field, part.s, err)
		}
	}
	s := strings.ReplaceAll(n.FamilyICAO, "<", " ")
	if n.GivenICAO != "" {
		s += "  " + strings.ReplaceAll(n.GivenICAO, "<", " ")
	}
	return s, nil
}

// sealDocumentType returns the dt of a travel document type: one of the
// seal's codes as it is, else the first letter of a Doc 9303 document code
// (whose second letter is at the issuer's discretion) when that is one.
func sealDocumentType(t string) (string, error) {
	for _, d := range documentTypes {
		if t == d {
			return t, nil
		}
	}
	if t != "" {
		for _, d := range []string{"P", "A", "C", "I", "V"} {
			if t[:1] == d {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("vdsnc: convert: travel document type %q is none of those of a seal (P, A, C, I, AC, V, D)", t)
}
