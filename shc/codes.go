package shc

import "github.com/ithc/ithc/healthcert"

// The code systems of SMART Health Cards, as FHIR names them.
const (
	SystemCVX    = "http://hl7.org/fhir/sid/cvx"
	SystemSNOMED = "http://snomed.info/sct"
	SystemICD11  = "http://id.who.int/icd11/mms"
	SystemLOINC  = "http://loinc.org"
	SystemUCUM   = "http://unitsofmeasure.org"
	// SystemInterpretation is HL7 v3 ObservationInterpretation.
	SystemInterpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
)

// diseaseCOVID19 is the SNOMED CT code of COVID-19, the disease code of
// the native model.
const diseaseCOVID19 = "840539006"

// covidCVX lists the CVX codes of COVID-19 vaccines (CDC CVX table) with
// the MVX code of their manufacturer where the code names one product.
var covidCVX = map[string]string{
	"207": "MOD", // Moderna, mRNA, 100 mcg/0.5 mL
	"208": "PFR", // Pfizer-BioNTech, mRNA, 30 mcg/0.3 mL
	"210": "ASZ", // AstraZeneca, non-replicating viral vector
	"211": "NVX", // Novavax, subunit, adjuvanted
	"212": "JSN", // Janssen, non-replicating viral vector
	"213": "",    // SARS-COV-2 vaccine, unspecified formulation
	"217": "PFR", // Pfizer-BioNTech, 30 mcg/0.3 mL, tris-sucrose
	"218": "PFR", // Pfizer-BioNTech, 10 mcg/0.2 mL, tris-sucrose
	"219": "PFR", // Pfizer-BioNTech, 3 mcg/0.2 mL, tris-sucrose
	"221": "MOD", // Moderna, 50 mcg/0.25 mL
	"225": "",    // Sanofi Pasteur / GSK, subunit
	"226": "",    // SK Bioscience (SKYCovione)
	"227": "MOD", // Moderna, 50 mcg/0.5 mL
	"228": "MOD", // Moderna, 25 mcg/0.25 mL
	"229": "MOD", // Moderna, bivalent
	"230": "MOD", // Moderna, bivalent, 10 mcg/0.2 mL
	"300": "PFR", // Pfizer-BioNTech, bivalent, 30 mcg/0.3 mL
	"301": "PFR", // Pfizer-BioNTech, bivalent, 10 mcg/0.2 mL
	"302": "PFR", // Pfizer-BioNTech, bivalent, 3 mcg/0.2 mL
	"500": "",    // COVID-19 non-US vaccine, product unknown
	"501": "",    // QazCovid-in
	"502": "",    // Covaxin (Bharat Biotech)
	"503": "",    // COVIVac
	"504": "",    // Sputnik Light
	"505": "",    // Sputnik V
	"506": "",    // CanSino
	"507": "",    // ZF2001 (Anhui Zhifei Longcom)
	"508": "",    // Jiangsu Province CDC recombinant
	"509": "",    // EpiVacCorona
	"510": "",    // Sinopharm BIBP (BBIBP-CorV)
	"511": "",    // CoronaVac (Sinovac)
}

// testKind classifies a LOINC test code.
type testKind struct {
	event   healthcert.EventType
	isotype healthcert.Isotype // antibody tests only
}

// covidLOINC lists the LOINC codes of SARS-CoV-2 tests the mapping knows,
// with the kind of event each becomes.
var covidLOINC = map[string]testKind{
	// Nucleic-acid amplification (RNA), any specimen.
	"94306-8": {event: healthcert.TypeNucleicAcidTest},
	"94309-2": {event: healthcert.TypeNucleicAcidTest},
	"94500-6": {event: healthcert.TypeNucleicAcidTest},
	"94502-2": {event: healthcert.TypeNucleicAcidTest},
	"94531-1": {event: healthcert.TypeNucleicAcidTest},
	"94533-7": {event: healthcert.TypeNucleicAcidTest},
	"94534-5": {event: healthcert.TypeNucleicAcidTest},
	"94559-2": {event: healthcert.TypeNucleicAcidTest},
	"94565-9": {event: healthcert.TypeNucleicAcidTest},
	"94640-0": {event: healthcert.TypeNucleicAcidTest},
	"94756-4": {event: healthcert.TypeNucleicAcidTest},
	"94757-2": {event: healthcert.TypeNucleicAcidTest},
	"94759-8": {event: healthcert.TypeNucleicAcidTest},
	"94760-6": {event: healthcert.TypeNucleicAcidTest},
	"94845-5": {event: healthcert.TypeNucleicAcidTest},
	"95406-5": {event: healthcert.TypeNucleicAcidTest},
	"95409-9": {event: healthcert.TypeNucleicAcidTest},
	"95423-0": {event: healthcert.TypeNucleicAcidTest},
	"95424-8": {event: healthcert.TypeNucleicAcidTest},
	"95425-5": {event: healthcert.TypeNucleicAcidTest},
	// Antigen.
	"94558-4": {event: healthcert.TypeAntigenTest},
	"95209-3": {event: healthcert.TypeAntigenTest},
	"96119-3": {event: healthcert.TypeAntigenTest},
	"97097-0": {event: healthcert.TypeAntigenTest},
	// Antibodies in serum or plasma.
	"94505-5": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgG},
	"94506-3": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgM},
	"94507-1": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgG},
	"94508-9": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgM},
	"94547-7": {event: healthcert.TypeAntibodyTest, isotype: healthcert.TotalAntibody},
	"94562-6": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgA},
	"94563-4": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgG},
	"94564-2": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgM},
	"94661-6": {event: healthcert.TypeAntibodyTest, isotype: healthcert.TotalAntibody},
	"94720-0": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgA},
	"94762-2": {event: healthcert.TypeAntibodyTest, isotype: healthcert.TotalAntibody},
	"94769-7": {event: healthcert.TypeAntibodyTest, isotype: healthcert.NeutralisingAb},
	"95125-1": {event: healthcert.TypeAntibodyTest, isotype: healthcert.TotalAntibody},
	"95542-7": {event: healthcert.TypeAntibodyTest, isotype: healthcert.TotalAntibody},
	"96118-5": {event: healthcert.TypeAntibodyTest, isotype: healthcert.IgG},
}

// defaultLOINC is the LOINC code written for a native event whose method
// is not a LOINC code: NAAT of a respiratory specimen, antibodies of each
// isotype in serum or plasma (presence, immunoassay), antigen of a
// respiratory specimen (rapid immunoassay).
var defaultLOINC = map[healthcert.EventType]map[healthcert.Isotype]string{
	healthcert.TypeNucleicAcidTest: {"": "94500-6"},
	healthcert.TypeAntigenTest:     {"": "97097-0"},
	healthcert.TypeAntibodyTest: {
		healthcert.IgG:            "94563-4",
		healthcert.IgM:            "94564-2",
		healthcert.IgA:            "94562-6",
		healthcert.TotalAntibody:  "94762-2",
		healthcert.NeutralisingAb: "94769-7",
	},
}

// resultSNOMED maps the SNOMED CT codes of qualitative results.
var resultSNOMED = map[string]healthcert.TestResult{
	"260373001": healthcert.ResultPositive, // Detected
	"10828004":  healthcert.ResultPositive, // Positive
	"260415000": healthcert.ResultNegative, // Not detected
	"260385009": healthcert.ResultNegative, // Negative
	"419984006": healthcert.ResultInconclusive,
	"82334004":  healthcert.ResultInconclusive, // Indeterminate
	"42425007":  healthcert.ResultInconclusive, // Equivocal
}

// snomedResult is the code written for each native result.
var snomedResult = map[healthcert.TestResult]string{
	healthcert.ResultPositive:     "260373001",
	healthcert.ResultNegative:     "260415000",
	healthcert.ResultInconclusive: "419984006",
}

// interpretationOf and resultOfInterpretation map the qualitative result
// of a quantitative test to and from HL7 v3 ObservationInterpretation.
var (
	interpretationOf = map[healthcert.TestResult]string{
		healthcert.ResultPositive:     "POS",
		healthcert.ResultNegative:     "NEG",
		healthcert.ResultInconclusive: "IND",
	}
	resultOfInterpretation = map[string]healthcert.TestResult{
		"POS": healthcert.ResultPositive, "DET": healthcert.ResultPositive,
		"NEG": healthcert.ResultNegative, "ND": healthcert.ResultNegative,
		"IND": healthcert.ResultInconclusive, "E": healthcert.ResultInconclusive,
	}
)
