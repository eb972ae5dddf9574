package healthcert

import "time"

// Certificate is one travel health certificate: a holder and the events it
// attests, issued by one authority.
type Certificate struct {
	// ID is the unique certificate identifier (UCI), normally a UVCI such as
	// "URN:UVCI:01:CN:ABCDEF1234567890#X" (see NewUVCI).
	ID string
	// Issuer is the issuing authority.
	Issuer Issuer
	// IssuedAt and ExpiresAt bound the certificate's validity.
	IssuedAt  time.Time
	ExpiresAt time.Time
	Holder    Holder
	// Events are in the order the issuer recorded them.
	Events []Event
}

// Issuer names the issuing authority.
type Issuer struct {
	// Country is the ISO 3166-1 alpha-2 code of the issuing state, such as "CN".
	Country string
	// Name is the authority's name, such as "National Health Commission".
	Name string
}

// Holder is the person the certificate is about.
type Holder struct {
	Name        Name
	DateOfBirth Date
	// Sex is optional.
	Sex Sex
	// Document is the travel document that binds the certificate to the
	// holder at a border; optional.
	Document *TravelDocument
}

// Name holds a person's name in native script and in the ICAO 9303
// machine-readable form (A–Z and '<' only, such as "ZHANG" / "WEI").
type Name struct {
	// Family and Given are in native script, such as "张" / "伟" or
	// "Müller" / "Jürgen". Either may be empty, not both.
	Family string
	Given  string
	// FamilyICAO and GivenICAO are the ICAO 9303 transliteration; when empty
	// at issuance package icao derives them.
	FamilyICAO string
	GivenICAO  string
}

// Sex of the holder as on ICAO 9303 travel documents.
type Sex string

// The values of Sex. The zero value means not stated.
const (
	SexUnspecified Sex = ""
	SexFemale      Sex = "F"
	SexMale        Sex = "M"
	SexOther       Sex = "X"
)

// TravelDocument identifies the passport or identity card the holder travels with.
type TravelDocument struct {
	// Type is the ICAO 9303 document code, such as "P" (passport), "ID",
	// "PO" (official passport).
	Type string
	// Number is the document number as printed in the MRZ.
	Number string
	// IssuingState is the ISO 3166-1 alpha-2 code of the issuing state.
	IssuingState string
}

// Date is a calendar date that may be known only in part, as real identity
// documents have: year, month and day; year and month; year; or nothing.
// A zero component means unknown, and a known component never follows an
// unknown one. The zero Date is unknown.
type Date struct {
	Year  int
	Month int
	Day   int
}

// EventType names the kind of an event.
type EventType string

// The event types.
const (
	TypeVaccination     EventType = "vaccination"
	TypeNucleicAcidTest EventType = "nucleic_acid_test"
	TypeAntibodyTest    EventType = "antibody_test"
	TypeAntigenTest     EventType = "antigen_test"
	TypeRecovery        EventType = "recovery"
)

// Event is one health event recorded on a certificate: *Vaccination,
// *NucleicAcidTest, *AntibodyTest, *AntigenTest or *Recovery.
type Event interface {
	// Type reports the kind of the event.
	Type() EventType
	isEvent()
}

// Common holds the fields every event has.
type Common struct {
	// Disease is the SNOMED CT code of the disease or agent targeted, such
	// as "840539006" (COVID-19).
	Disease string
	// Country is the ISO 3166-1 alpha-2 code where the event took place.
	Country string
	// Centre is the administering centre, testing facility or laboratory.
	Centre string
}

// Vaccination is one dose of a vaccine.
type Vaccination struct {
	Common
	// VaccineType is the vaccine or prophylaxis code (EU "vp", SNOMED CT or ATC).
	VaccineType string
	// Product is the medicinal product code (EU "mp"), such as "EU/1/20/1528".
	Product string
	// Manufacturer is the marketing authorisation holder or manufacturer (EU "ma").
	Manufacturer string
	// DoseNumber is n and TotalDoses m of "dose n of m". n may exceed m
	// for a booster after a completed series (3 of 2), as real EU
	// certificates record it.
	DoseNumber int
	TotalDoses int
	// Date is the date of vaccination.
	Date Date
}

// TestResult is the qualitative result of a test.
type TestResult string

// The qualitative results. Negative and Positive map to the SNOMED CT codes
// 260415000 (not detected) and 260373001 (detected).
const (
	ResultNegative     TestResult = "negative"
	ResultPositive     TestResult = "positive"
	ResultInconclusive TestResult = "inconclusive"
)

// NucleicAcidTest is a nucleic-acid amplification test (NAAT, such as RT-PCR).
type NucleicAcidTest struct {
	Common
	// Method is the LOINC code of the test type, "LP6464-4" for NAAT, or a
	// more specific method code from the ITHC value sets.
	Method string
	// Name is the commercial name of the test, optional.
	Name string
	// SampleTime is when the sample was collected.
	SampleTime time.Time
	Result     TestResult
}

// Isotype is the antibody class a serology test measures.
type Isotype string

// The isotypes.
const (
	IgM            Isotype = "IgM"
	IgG            Isotype = "IgG"
	TotalAntibody  Isotype = "total"
	IgA            Isotype = "IgA"
	NeutralisingAb Isotype = "neutralising"
)

// Quantity is a quantitative test value with its unit and the cut-off above
// which the result is positive.
type Quantity struct {
	Value float64
	// Unit is a UCUM unit, such as "[IU]/mL", "BAU/mL" or "{index}".
	Unit   string
	CutOff float64
}

// AntibodyTest is a serum antibody (serology) test.
type AntibodyTest struct {
	Common
	Isotype Isotype
	// Method is the assay method, such as "ELISA", "CLIA" or "LFIA", or a
	// LOINC code.
	Method string
	// Device is the test device or kit identifier, optional.
	Device     string
	SampleTime time.Time
	Result     TestResult
	// Quantity is the optional quantitative value.
	Quantity *Quantity
}

// AntigenTest is a rapid antigen test.
type AntigenTest struct {
	Common
	// Device is the test device identifier (EU "ma", the JRC database id).
	Device string
	// Name is the commercial name of the test, optional.
	Name       string
	SampleTime time.Time
	Result     TestResult
}

// Recovery records a past infection.
type Recovery struct {
	Common
	// FirstPositive is the date of the first positive test.
	FirstPositive Date
	// ValidFrom and ValidUntil bound the recovery statement.
	ValidFrom  Date
	ValidUntil Date
}

// Type returns TypeVaccination.
func (*Vaccination) Type() EventType { return TypeVaccination }

// Type returns TypeNucleicAcidTest.
func (*NucleicAcidTest) Type() EventType { return TypeNucleicAcidTest }

// Type returns TypeAntibodyTest.
func (*AntibodyTest) Type() EventType { return TypeAntibodyTest }

// Type returns TypeAntigenTest.
func (*AntigenTest) Type() EventType { return TypeAntigenTest }

// Type returns TypeRecovery.
func (*Recovery) Type() EventType { return TypeRecovery }

func (*Vaccination) isEvent()     {}
func (*NucleicAcidTest) isEvent() {}
func (*AntibodyTest) isEvent()    {}
func (*AntigenTest) isEvent()     {}
func (*Recovery) isEvent()        {}
