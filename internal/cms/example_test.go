package cms_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"math/big"
	"time"

	"github.com/ithc/ithc/internal/cms"
)

// uploadCertificate makes a throwaway upload key and certificate.
func uploadCertificate() (*x509.Certificate, crypto.Signer) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{Country: []string{"DE"}, CommonName: "DE upload"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}
	return cert, key
}

// A national backend signs an upload; the gateway parses and verifies it,
// then checks the signer against the upload certificate it onboarded.
func Example() {
	cert, key := uploadCertificate()
	dsc := []byte("the DER of a document signer certificate")

	msg, err := cms.Sign(dsc, cert, key, &cms.SignOptions{SigningTime: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		log.Fatal(err)
	}

	sd, err := cms.Parse(msg)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := sd.Verify(cms.VerifyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed by the onboarded certificate:", signer.Equal(cert))
	fmt.Println("signed at:", sd.SigningTime().Format(time.RFC3339))
	fmt.Printf("content: %s\n", sd.Content)
	// Output:
	// signed by the onboarded certificate: true
	// signed at: 2026-05-01T12:00:00Z
	// content: the DER of a document signer certificate
}

// A detached signature: the content travels beside the message.
func ExampleSignedData_Verify_detached() {
	cert, key := uploadCertificate()
	rules := []byte(`{"Identifier":"VR-DE-0001"}`)

	msg, err := cms.Sign(rules, cert, key, &cms.SignOptions{Detached: true})
	if err != nil {
		log.Fatal(err)
	}
	sd, err := cms.Parse(msg)
	if err != nil {
		log.Fatal(err)
	}
	_, err = sd.Verify(cms.VerifyOptions{Content: []byte(`{"Identifier":"VR-DE-0002"}`)})
	fmt.Println(err != nil)
	_, err = sd.Verify(cms.VerifyOptions{Content: rules})
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

// Parse reports malformed input with where it is.
func ExampleParse() {
	cert, key := uploadCertificate()
	msg, err := cms.Sign([]byte("content"), cert, key, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = cms.Parse(append(msg, 0, 0))
	fmt.Println(err)
	_, err = cms.Parse([]byte("MIAGCSqGSIb3DQEHAqCAMIACAQEx")) // base64, not DER
	fmt.Println(err)
	// Output:
	// cms: trailing data (2 bytes) after the ContentInfo
	// cms: contentInfo: expected SEQUENCE, found identifier octet 0x4d
}
