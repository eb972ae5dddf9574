package envelope_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/ithc/ithc/envelope"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/testca"
)

// signedCode returns a signed HC1 code, as an issuer makes it.
func signedCode() string {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	text, err := hc1.Sign(hc1.SignInput{Issuer: "XA", IssuedAt: now, ExpiresAt: now.AddDate(0, 6, 0), DCC: testca.SampleDCC()},
		key, hc1.SignOptions{KID: []byte{1, 2, 3, 4, 5, 6, 7, 8}})
	if err != nil {
		panic(err)
	}
	return text
}

// A code is encrypted for the countries the traveller goes to, with the
// recipient keys they published (here made on the spot), and opened by a
// verifier of one of them.
func ExampleSeal() {
	signed := signedCode()
	var recipients []envelope.Recipient
	var keys []*ecdh.PrivateKey
	for _, country := range []string{"XB", "XC"} {
		priv, _ := ecdh.P256().GenerateKey(rand.Reader)
		kid, _ := envelope.KeyID(priv.PublicKey())
		recipients = append(recipients, envelope.Recipient{Country: country, KID: kid, Key: priv.PublicKey()})
		keys = append(keys, priv)
	}
	encrypted, err := envelope.Seal(signed, recipients, envelope.SealOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(encrypted, "HCE1:"))

	// A verifier of XC: verify.Options{Decrypter: opener} does the same
	// and then verifies the signed code.
	opener, _ := envelope.NewOpener([]envelope.OpenKey{{Country: "XC", Key: keys[1]}}, nil)
	inner, info, err := opener.Open(encrypted)
	fmt.Println(inner == signed, len(info.Recipients), info.Recipients[1], err)
	// Output:
	// true
	// true 2 XC <nil>
}

// An issuer picks each destination's current key from the keys published
// in the trust list, here a file of key records.
func ExampleKeyRing_Recipients() {
	priv, _ := ecdh.X25519().GenerateKey(rand.Reader)
	rec, _ := envelope.NewKeyRecord("XB", priv.PublicKey(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	ring, err := envelope.ParseKeyRecords(rec.Marshal())
	if err != nil {
		panic(err)
	}
	rs, err := ring.Recipients([]string{"XB"}, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(len(rs), rs[0].Country, err)
	_, err = ring.Recipients([]string{"XC"}, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(err)
	// Output:
	// 1 XB <nil>
	// envelope: XC has published no recipient key
}
