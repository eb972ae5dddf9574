package convert_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/ithc/ithc/convert"
	"github.com/ithc/ithc/healthcert"
)

func ExampleConvert() {
	// A document signer (in production: from the country's PKI, its key
	// possibly in an HSM).
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DSC", Country: []string{"CN"}},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	dsc, _ := x509.ParseCertificate(der)

	covid := healthcert.Common{Disease: "840539006", Country: "CN", Centre: "Beijing CDC"}
	sampled := time.Date(2025, 11, 19, 8, 0, 0, 0, time.UTC)
	cert := &healthcert.Certificate{
		Issuer:   healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt: time.Date(2025, 11, 20, 8, 0, 0, 0, time.UTC),
		Holder:   healthcert.Holder{Name: healthcert.Name{Family: "张", Given: "伟"}, DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17}},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: covid, Method: "LP6464-4", SampleTime: sampled, Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: covid, Isotype: healthcert.IgM, Method: "CLIA", SampleTime: sampled, Result: healthcert.ResultNegative},
		},
	}
	res, err := convert.Convert(cert, convert.DCC, convert.Options{Key: key, Certificate: dsc})
	if err != nil {
		panic(err)
	}
	for _, o := range res.Outputs {
		fmt.Println(o.Kind, "of events", o.Events, "starts", o.QR[:4])
	}
	for _, s := range res.Skipped {
		fmt.Printf("event %d (%s) skipped: %s\n", s.Event, s.Type, s.Reason)
	}
	// Output:
	// dcc of events [0] starts HC1:
	// event 1 (antibody_test) skipped: the EU DCC has no serology (antibody) test: its tests are nucleic-acid and rapid antigen tests
}
