package healthcert

import "time"

var (
	testIssued  = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	testExpires = time.Date(2027, 11, 20, 8, 0, 0, 0, time.UTC)
)

// sampleCertificate returns a valid certificate with every event type and
// every optional field set.
func sampleCertificate() *Certificate {
	return &Certificate{
		ID:        "URN:UVCI:01:CN:NHC/4BK3VLU646LEFTNBYCMBKZ6P4U#8",
		Issuer:    Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  testIssued,
		ExpiresAt: testExpires,
		Holder: Holder{
			Name:        Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: Date{1990, 5, 17},
			Sex:         SexMale,
			Document:    &TravelDocument{Type: "P", Number: "E12345678", IssuingState: "CN"},
		},
		Events: []Event{
			&NucleicAcidTest{
				Common:     Common{Disease: "840539006", Country: "CN", Centre: "Beijing CDC Laboratory <1> & \"Co\""},
				Method:     "LP6464-4",
				Name:       "Daan Gene RT-PCR",
				SampleTime: time.Date(2026, 11, 19, 2, 30, 0, 0, time.UTC),
				Result:     ResultNegative,
			},
			&AntibodyTest{
				Common:     Common{Disease: "840539006", Country: "CN", Centre: "Beijing CDC Laboratory"},
				Isotype:    IgM,
				Method:     "CLIA",
				Device:     "Wantai SARS-CoV-2 IgM",
				SampleTime: time.Date(2026, 11, 19, 2, 30, 0, 0, time.UTC),
				Result:     ResultNegative,
				Quantity:   &Quantity{Value: 0.12, Unit: "{index}", CutOff: 1},
			},
			&AntigenTest{
				Common:     Common{Disease: "840539006", Country: "DE", Centre: "Testzentrum Köln"},
				Device:     "1232",
				Name:       "Abbott Panbio",
				SampleTime: time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC),
				Result:     ResultNegative,
			},
			&Vaccination{
				Common:       Common{Disease: "840539006", Country: "CN", Centre: "Chaoyang Vaccination Centre"},
				VaccineType:  "J07BX03",
				Product:      "BBIBP-CorV",
				Manufacturer: "ORG-100020693",
				DoseNumber:   1,
				TotalDoses:   2,
				Date:         Date{2021, 4, 1},
			},
			&Recovery{
				Common:        Common{Disease: "840539006", Country: "CN", Centre: "Ditan Hospital"},
				FirstPositive: Date{2026, 1, 10},
				ValidFrom:     Date{2026, 1, 21},
				ValidUntil:    Date{2026, 7, 9},
			},
		},
	}
}
