package vdsnc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"log"
	"math/big"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/vdsnc"
)

// examplePKI makes a CSCA of Australia and a barcode signer with the
// VDS-NC profile: extended key usage 2.23.136.1.1.14.2 and a document type
// list of NV (vaccination) and NT (test).
func examplePKI() (csca, signer *x509.Certificate, key *ecdsa.PrivateKey) {
	cscaKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"AU"}, CommonName: "CSCA AU"},
		NotBefore: from, NotAfter: to, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, ca, ca, cscaKey.Public(), cscaKey)
	csca, _ = x509.ParseCertificate(der)
	types, _ := asn1.Marshal(struct {
		Version int
		Types   []string `asn1:"set"`
	}{0, []string{"NV", "NT"}})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{Country: []string{"AU"}, CommonName: "Barcode signer"},
		NotBefore: from, NotAfter: to, UnknownExtKeyUsage: []asn1.ObjectIdentifier{vdsnc.OIDExtKeyUsageVDSNC},
		ExtraExtensions: []pkix.Extension{{Id: vdsnc.OIDDocumentTypeList, Value: types}}}
	der, _ = x509.CreateCertificate(rand.Reader, tmpl, csca, key.Public(), cscaKey)
	signer, _ = x509.ParseCertificate(der)
	return csca, signer, key
}

// Issue a proof of vaccination and verify it against the CSCA.
func Example() {
	csca, signer, key := examplePKI()
	dvc, _ := healthcert.ParseDate("2021-09-15")
	content := &vdsnc.Content{
		Header: vdsnc.Header{Type: vdsnc.TypeVaccination, Version: vdsnc.Version, IssuingState: "AUS"},
		Vaccination: &vdsnc.VaccinationMessage{
			UVCI:   "VB0009990012",
			Person: vdsnc.Person{Name: "CITIZEN  JANE SUE", DocumentNumber: "PA0941262"},
			Events: []vdsnc.VaccineEvent{{Vaccine: "XM68M6", Product: "Comirnaty", Disease: "RA01.0",
				Doses: []vdsnc.Dose{{Date: dvc, Sequence: 1, Country: "AUS", Centre: "General Practitioner", Lot: "300157P"}}}},
		},
	}
	seal, err := vdsnc.Sign(content, key, signer, vdsnc.SignOptions{})
	if err != nil {
		log.Fatal(err)
	}

	pool := vdsnc.NewCSCAPool()
	if err := pool.Add(csca); err != nil {
		log.Fatal(err)
	}
	r := vdsnc.Verify(seal, pool, vdsnc.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	fmt.Println(r.Status, r.Type, r.IssuingState, r.CSCA.Subject.CommonName)
	n := r.Certificate.Holder.Name
	fmt.Println(n.FamilyICAO, n.GivenICAO)
	v := r.Certificate.Events[0].(*healthcert.Vaccination)
	fmt.Println(v.Disease, v.VaccineType, v.Product, v.Country)
	// Output:
	// verified icao.vacc AUS CSCA AU
	// CITIZEN JANE<SUE
	// 840539006 28531000087107 EU/1/20/1528 AU
}

// A certificate of the ITHC model becomes the content of a seal; what the
// seal cannot hold is listed.
func ExampleFromCertificate() {
	day, _ := healthcert.ParseDate("2021-03-03")
	dob, _ := healthcert.ParseDate("1990-05-17")
	cert := &healthcert.Certificate{
		ID:     "URN:UVCI:01:CN:0123456789ABCDEF#A",
		Issuer: healthcert.Issuer{Country: "CN"},
		Holder: healthcert.Holder{Name: healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"}, DateOfBirth: dob},
		Events: []healthcert.Event{&healthcert.Vaccination{
			Common:      healthcert.Common{Disease: "840539006", Country: "CN"},
			VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
			DoseNumber: 1, TotalDoses: 2, Date: day,
		}},
	}
	c, notes, err := vdsnc.FromCertificate(cert, vdsnc.ConvertOptions{})
	if err != nil {
		log.Fatal(err)
	}
	data, err := c.MarshalData()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data))
	for _, n := range notes {
		fmt.Println("note:", n)
	}
	// Output:
	// {"hdr":{"is":"CHN","t":"icao.vacc","v":1},"msg":{"pid":{"dob":"1990-05-17","n":"ZHANG  WEI"},"uvci":"URN:UVCI:01:CN:0123456789ABCDEF#A","ve":[{"des":"XM0GQ8","dis":"RA01.0","nam":"Comirnaty","vd":[{"ctr":"CHN","dvc":"2021-03-03","seq":1}]}]}}
	// note: the name in native script is not in a seal, only its ICAO form
	// note: a seal holds no manufacturer and no total number of doses
}

func ExampleAlpha2() {
	for _, code := range []string{"AUS", "D", "UTO", "UNO"} {
		a2, ok := vdsnc.Alpha2(code)
		fmt.Printf("%s %q %v\n", code, a2, ok)
	}
	// Output:
	// AUS "AU" true
	// D "DE" true
	// UTO "UT" true
	// UNO "" false
}
