package testca

import "github.com/ithc/ithc/dcc"

// SampleDCC returns a new copy of a valid EU DCC vaccination payload
// (schema 1.3.0, the example holder of the EU test data), for tests that
// sign or verify a DCC and do not care about its content.
func SampleDCC() *dcc.Payload {
	return &dcc.Payload{
		Version:     "1.3.0",
		Name:        dcc.Name{Family: "Musterfrau-Gößinger", FamilyICAO: "MUSTERFRAU<GOESSINGER", Given: "Gabriele", GivenICAO: "GABRIELE"},
		DateOfBirth: "1998-02-26",
		Vaccinations: []dcc.Vaccination{{
			Disease: "840539006", VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
			DoseNumber: 1, TotalDoses: 2, Date: "2021-02-18", Country: "AT", Issuer: "Ministry of Health, Austria",
			ID: "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
		}},
	}
}
