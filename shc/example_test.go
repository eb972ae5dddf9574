package shc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/shc"
)

// An issuer signs a native certificate's vaccination as a SMART Health
// Card; a verifier holding the issuer's key verifies its QR text.
func Example() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const iss = "https://health.example.org/shc"

	cert := &healthcert.Certificate{
		Holder: healthcert.Holder{Name: healthcert.Name{Family: "Zhang", Given: "Wei"}, DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17}},
		Events: []healthcert.Event{&healthcert.Vaccination{Product: "cvx:208", Date: healthcert.Date{Year: 2021, Month: 6, Day: 1}}},
	}
	bundle, err := shc.FromCertificate(cert)
	if err != nil {
		panic(err)
	}
	issued := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	jws, err := shc.Issue(bundle, priv, shc.IssueOptions{Issuer: iss, IssuedAt: issued})
	if err != nil {
		panic(err)
	}
	qr, _ := shc.EncodeQR(jws)

	// The verifier's side: the issuer's key, as its JWK set publishes it.
	kid, _ := shc.Thumbprint(&priv.PublicKey)
	keys := shc.NewKeyStore()
	keys.AddKeys(&shc.Key{KID: kid, Public: &priv.PublicKey, Issuer: iss})

	r := shc.Verify(qr, keys, shc.Options{Now: issued.Add(time.Hour)})
	fmt.Println(r.Status, r.Issuer)
	v := r.Certificate.Events[0].(*healthcert.Vaccination)
	fmt.Println(r.Certificate.Holder.Name.Family, v.Product, v.Date)
	// Output:
	// verified https://health.example.org/shc
	// Zhang cvx:208 2021-06-01
}

func ExampleDecodeQR() {
	// The two chunks of a deprecated chunked code, in any order.
	jws, warnings, err := shc.DecodeQR("shc:/2/2/5455", "shc:/1/2/5253")
	fmt.Println(jws, err)
	for _, w := range warnings {
		fmt.Println(w.Code)
	}
	// Output:
	// abcd <nil>
	// QR_CHUNKING_DEPRECATED
	// INVALID_QR
}
