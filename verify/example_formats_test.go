package verify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/verify"
)

func ExampleDetect() {
	for _, text := range []string{
		"HC1:NCFOXN%TS3DH0YOJ58S S-W5HDC",
		"shc:/56762909524320603460292437404460312229595326546034602925",
		`{"data": {"hdr": {"t": "icao.vacc", "v": 1, "is": "UTO"}, "msg": {}}, "sig": {}}`,
		`{"verifiableCredential": ["eyJ..."]}`,
		"no code",
	} {
		fmt.Printf("%q\n", verify.Detect(text))
	}
	// Output:
	// "hc1"
	// "shc"
	// "vdsnc"
	// "shc"
	// ""
}

func ExampleNewWithTrust() {
	// An issuer's SMART Health Card key (in production: from its JWK set
	// or the VCI directory snapshot).
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kid, _ := shc.Thumbprint(&key.PublicKey)
	keys := shc.NewKeyStore()
	keys.AddKeys(&shc.Key{KID: kid, Public: &key.PublicKey, Issuer: "https://health.example.org"})

	bundle := `{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Anyperson","given":["John"]}],"birthDate":"1951-01-20"}},` +
		`{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed",` +
		`"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},` +
		`"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01"}}]}`
	issued := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	jws, err := shc.Issue([]byte(bundle), key, shc.IssueOptions{Issuer: "https://health.example.org", IssuedAt: issued})
	if err != nil {
		panic(err)
	}
	qr, _ := shc.EncodeQR(jws)

	// One verifier for every format; this one has no HC1 or VDS-NC trust.
	v := verify.NewWithTrust(verify.Trust{SHC: keys}, verify.Options{Now: issued.Add(time.Hour), ClockSkew: verify.DefaultClockSkew})
	r := v.Verify(qr)
	fmt.Println(r.Status, r.Format, r.Certificate.Events[0].Type(), r.Signer.Issuer)

	// A verifier without SMART Health Card keys says that it lacks them.
	r = verify.NewWithTrust(verify.Trust{}, verify.Options{Now: issued.Add(time.Hour)}).Verify(qr)
	fmt.Println(r.Status, r.Stage)
	fmt.Println(r.Reason.EN)
	// Output:
	// verified shc vaccination https://health.example.org
	// issuer_not_trusted key
	// This verifier has no trusted issuer keys for SMART Health Cards, so this certificate cannot be checked.
}
