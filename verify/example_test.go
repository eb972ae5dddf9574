package verify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

func ExampleVerifier_Verify() {
	// An issuer's document signer (in production: from the trust list).
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DSC", Country: []string{"AT"}},
		NotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	store := trust.NewStore()
	if err := store.Add(cert, ""); err != nil {
		panic(err)
	}

	text, err := hc1.Sign(hc1.SignInput{
		Issuer:    "AT",
		IssuedAt:  time.Date(2021, 5, 3, 10, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2022, 5, 3, 10, 0, 0, 0, time.UTC),
		DCC: &dcc.Payload{Version: "1.3.0", DateOfBirth: "1998-02-26",
			Name: dcc.Name{Family: "Musterfrau", FamilyICAO: "MUSTERFRAU", Given: "Gabriele", GivenICAO: "GABRIELE"},
			Vaccinations: []dcc.Vaccination{{Disease: "840539006", VaccineType: "1119349007", Product: "EU/1/20/1528",
				Manufacturer: "ORG-100030215", DoseNumber: 2, TotalDoses: 2, Date: "2021-04-18", Country: "AT",
				Issuer: "Ministry of Health, Austria", ID: "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"}},
		},
	}, key, hc1.SignOptions{Certificate: cert})
	if err != nil {
		panic(err)
	}

	v := verify.New(store, verify.Options{Now: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), ClockSkew: 5 * time.Minute})
	r := v.Verify(text)
	fmt.Println(r.Status, r.PayloadKind, r.Signer.Country, r.Signer.Algorithm)
	fmt.Println(r.Reason.EN)

	later := verify.New(store, verify.Options{Now: time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)})
	r = later.Verify(text)
	fmt.Println(r.Status, r.Stage)
	fmt.Println(r.Reason.ZH)
	// Output:
	// verified dcc AT ES256
	// The certificate is authentic and currently valid.
	// expired validity
	// 证书已过期。
}
