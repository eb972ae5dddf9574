package envelope

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// BenchFixture is what BenchSetup prepares for measuring encrypted codes
// (internal/bench, BenchmarkOpenVerify): one signed native certificate,
// plain and encrypted for three countries, and a verifier of both.
type BenchFixture struct {
	// Plain is the signed HC1 code.
	Plain string
	// Encrypted is Plain encrypted for three countries (P-256 keys); the
	// verifier holds the second country's key.
	Encrypted string
	// Sizes[k] is the length of Plain encrypted for k+1 recipients
	// (P-256), in QR characters; len(Plain) is the size without
	// encryption.
	Sizes []int
	// SizesX25519 is the same with X25519 recipient keys.
	SizesX25519 []int
	// Verifier verifies Plain, and Encrypted through Opener.
	Verifier *verify.Verifier
	// Opener holds the second recipient country's private key.
	Opener *Opener
	// Now is the verification time at which both verify.
	Now time.Time
}

// BenchSetup builds a BenchFixture with fresh keys: a document signer of
// country "XA" (ES256) and recipient keys of "XB", "XC" and "XD". It is not
// for production use.
func BenchSetup() (*BenchFixture, error) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	dscKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"XA"}, CommonName: "XA bench DSC"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(2, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &dscKey.PublicKey, dscKey)
	if err != nil {
		return nil, err
	}
	dsc, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	cert := sampleCertificate(now.Add(-time.Hour), now.AddDate(0, 6, 0))
	if cert.ID, err = healthcert.NewUVCI("XA", "", rand.Reader, true); err != nil {
		return nil, err
	}
	plain, err := hc1.Sign(hc1.SignInput{Native: cert}, dscKey, hc1.SignOptions{Certificate: dsc})
	if err != nil {
		return nil, err
	}
	f := &BenchFixture{Plain: plain, Now: now}
	for _, curve := range []ecdh.Curve{ecdh.X25519(), ecdh.P256()} {
		var recipients []Recipient
		var privs []*ecdh.PrivateKey
		for _, c := range []string{"XB", "XC", "XD"} {
			priv, err := curve.GenerateKey(rand.Reader)
			if err != nil {
				return nil, err
			}
			kid, err := KeyID(priv.PublicKey())
			if err != nil {
				return nil, err
			}
			privs = append(privs, priv)
			recipients = append(recipients, Recipient{Country: c, KID: kid, Key: priv.PublicKey()})
		}
		var sizes []int
		for k := 1; k <= len(recipients); k++ {
			text, err := Seal(plain, recipients[:k], SealOptions{})
			if err != nil {
				return nil, err
			}
			sizes = append(sizes, len(text))
			if k == len(recipients) && curve == ecdh.P256() {
				f.Encrypted = text
			}
		}
		if curve == ecdh.X25519() {
			f.SizesX25519 = sizes
			continue
		}
		f.Sizes = sizes
		if f.Opener, err = NewOpener([]OpenKey{{Country: "XB", Key: privs[0]}}, nil); err != nil {
			return nil, err
		}
	}
	store := trust.NewStore()
	if err := store.Add(dsc, "XA"); err != nil {
		return nil, err
	}
	f.Verifier = verify.New(store, verify.Options{Now: now, Decrypter: f.Opener})
	for _, text := range []string{f.Plain, f.Encrypted} {
		if r := f.Verifier.Verify(text); r.Status != verify.StatusVerified {
			return nil, fmt.Errorf("envelope: bench setup: the code does not verify: %s (%s)", r.Status, r.Detail)
		}
	}
	return f, nil
}

// sampleCertificate is the usual travel certificate: a nucleic-acid test,
// a quantitative IgG antibody test and a vaccination, with the passport.
func sampleCertificate(iat, exp time.Time) *healthcert.Certificate {
	common := healthcert.Common{Disease: "840539006", Country: "XA", Centre: "Central Laboratory"}
	sample := iat.Add(-20 * time.Hour).Truncate(time.Minute)
	return &healthcert.Certificate{
		Issuer:    healthcert.Issuer{Country: "XA", Name: "Ministry of Health"},
		IssuedAt:  iat.Truncate(time.Second),
		ExpiresAt: exp.Truncate(time.Second),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "Müller", Given: "Jürgen", FamilyICAO: "MUELLER", GivenICAO: "JUERGEN"},
			DateOfBirth: healthcert.Date{Year: 1980, Month: 4, Day: 12},
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "P1234567", IssuingState: "XA"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{Common: common, Method: "LP6464-4", SampleTime: sample, Result: healthcert.ResultNegative},
			&healthcert.AntibodyTest{Common: common, Isotype: healthcert.IgG, Method: "CLIA", SampleTime: sample,
				Result: healthcert.ResultPositive, Quantity: &healthcert.Quantity{Value: 112.5, Unit: "BAU/mL", CutOff: 33.8}},
			&healthcert.Vaccination{Common: common, VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
				DoseNumber: 2, TotalDoses: 2, Date: healthcert.Date{Year: 2021, Month: 4, Day: 1}},
		},
	}
}
