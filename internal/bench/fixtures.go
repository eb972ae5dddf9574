package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"math/big"
	"math/bits"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/vdsnc"
	"github.com/ithc/ithc/verify"
)

// fixtures are the keys, certificates, codes and verifier the
// verification and issuance figures share: a country (AT) with a P-256
// CSCA and two document signers (ES256 on P-256, PS256 on RSA-2048, the
// size most DCC issuers with RSA use), a SMART Health Cards issuer key,
// and a VDS-NC country CA with its seal signer.
type fixtures struct {
	now time.Time

	es256, ps256 *signer
	shcKey       *ecdsa.PrivateKey
	sealKey      *ecdsa.PrivateKey

	// The codes, each verified once at construction.
	dccES256, dccPS256, native, card, seal string

	verifier *verify.Verifier
	// dccIn and nativeIn are what issue_hc1_es256 signs.
	dccIn, nativeIn hc1.SignInput
}

// signer is a document signer: its key and certificate.
type signer struct {
	key  crypto.Signer
	cert *x509.Certificate
}

// newFixtures makes the keys and certificates, signs one code of each
// kind and checks that each verifies.
func newFixtures() (*fixtures, error) {
	now := time.Now().UTC().Truncate(time.Second)
	f := &fixtures{now: now}
	start := now.Add(-24 * time.Hour)

	cscaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csca, err := trust.NewCSCA(cscaKey, trust.CertOptions{Country: "AT", Organisation: "ITHC Benchmark", NotBefore: start})
	if err != nil {
		return nil, fmt.Errorf("bench: csca: %w", err)
	}
	esKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	store := trust.NewStore()
	for _, s := range []struct {
		key  crypto.Signer
		dest **signer
	}{{esKey, &f.es256}, {rsaKey, &f.ps256}} {
		cert, err := trust.NewDSC(s.key.Public(), csca, cscaKey, trust.CertOptions{NotBefore: start, Validity: 365 * 24 * time.Hour})
		if err != nil {
			return nil, fmt.Errorf("bench: document signer: %w", err)
		}
		if err := store.Add(cert, "AT"); err != nil {
			return nil, fmt.Errorf("bench: trust store: %w", err)
		}
		*s.dest = &signer{key: s.key, cert: cert}
	}

	// SMART Health Cards: an issuer key in a key store.
	if f.shcKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	kid, err := shc.Thumbprint(&f.shcKey.PublicKey)
	if err != nil {
		return nil, err
	}
	shcKeys := shc.NewKeyStore()
	shcKeys.AddKeys(&shc.Key{KID: kid, Public: &f.shcKey.PublicKey, Issuer: shcIssuer, IssuerName: "ITHC Benchmark Health Authority"})

	// VDS-NC: a country signing CA and a seal signer restricted to
	// VDS-NC seals of both document types (ICAO Doc 9303-12).
	sealCSCAKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	sealCSCA, err := trust.NewCSCA(sealCSCAKey, trust.CertOptions{Country: "AT", Organisation: "ITHC Benchmark", NotBefore: start})
	if err != nil {
		return nil, fmt.Errorf("bench: seal csca: %w", err)
	}
	if f.sealKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	sealCert, err := newSealSigner(f.sealKey, sealCSCA, sealCSCAKey, start)
	if err != nil {
		return nil, err
	}
	anchors := vdsnc.NewCSCAPool()
	if err := anchors.Add(sealCSCA); err != nil {
		return nil, fmt.Errorf("bench: seal csca: %w", err)
	}

	f.verifier = verify.NewWithTrust(verify.Trust{HC1: store, SHC: shcKeys, VDSNC: anchors}, verify.Options{Now: now})

	iat, exp := now.Add(-time.Hour), now.Add(30*24*time.Hour)
	f.dccIn = hc1.SignInput{Issuer: "AT", IssuedAt: iat, ExpiresAt: exp, DCC: sampleDCC()}
	cert := nativeCertificate(iat, exp)
	f.nativeIn = hc1.SignInput{Native: cert}
	if f.dccES256, err = signZlib(f.dccIn, f.es256); err != nil {
		return nil, err
	}
	if f.dccPS256, err = signZlib(f.dccIn, f.ps256); err != nil {
		return nil, err
	}
	if f.native, err = hc1.Sign(f.nativeIn, f.es256.key, hc1.SignOptions{Certificate: f.es256.cert}); err != nil {
		return nil, fmt.Errorf("bench: native code: %w", err)
	}
	bundle, err := shc.FromCertificate(cert)
	if err != nil {
		return nil, fmt.Errorf("bench: smart health card: %w", err)
	}
	jws, err := shc.Issue(bundle, f.shcKey, shc.IssueOptions{Issuer: shcIssuer, IssuedAt: iat})
	if err != nil {
		return nil, fmt.Errorf("bench: smart health card: %w", err)
	}
	if f.card, err = shc.EncodeQR(jws); err != nil {
		return nil, fmt.Errorf("bench: smart health card: %w", err)
	}
	vacc := *cert
	vacc.Events = vacc.Events[2:3]
	content, _, err := vdsnc.FromCertificate(&vacc, vdsnc.ConvertOptions{})
	if err != nil {
		return nil, fmt.Errorf("bench: seal: %w", err)
	}
	seal, err := vdsnc.Sign(content, f.sealKey, sealCert, vdsnc.SignOptions{})
	if err != nil {
		return nil, fmt.Errorf("bench: seal: %w", err)
	}
	f.seal = string(seal)

	for _, c := range []struct{ name, text string }{
		{"dcc es256", f.dccES256}, {"dcc ps256", f.dccPS256}, {"native", f.native},
		{"smart health card", f.card}, {"vds-nc seal", f.seal},
	} {
		if err := f.check(c.text); err != nil {
			return nil, fmt.Errorf("bench: the %s code: %w", c.name, err)
		}
	}
	return f, nil
}

// check verifies text and fails unless it is verified.
func (f *fixtures) check(text string) error {
	if r := f.verifier.Verify(text); r.Status != verify.StatusVerified {
		return fmt.Errorf("verify: %s at stage %s: %s", r.Status, r.Stage, r.Detail)
	}
	return nil
}

// shcIssuer is the iss of the benchmark's SMART Health Cards.
const shcIssuer = "https://bench.ithc.example/issuer"

// signZlib signs in and compresses it in the form most issuers' codes
// take: one fixed-Huffman deflate block (88 of the 151 HC1 codes of the EU
// DCC test data; 39 are dynamic Huffman, 24 stored). hc1.Sign writes this
// DCC as a stored block, which inflates at the speed of a copy, and so
// does compress/zlib at any level: a signed CBOR message hardly compresses.
func signZlib(in hc1.SignInput, s *signer) (string, error) {
	cose, err := hc1.SignCOSE(in, s.key, hc1.SignOptions{Certificate: s.cert})
	if err != nil {
		return "", fmt.Errorf("bench: sign: %w", err)
	}
	return hc1.Prefix + base45.Encode(fixedHuffmanZlib(cose)), nil
}

// fixedHuffmanZlib returns data as a zlib stream (RFC 1950) of one
// fixed-Huffman deflate block (RFC 1951 3.2.6) of literals only: a
// literal below 144 takes the 8-bit code 0x30+v, the others the 9-bit
// code 0x190+v−144, the end of block the 7-bit code 0. Huffman codes are
// packed most significant bit first, everything else least significant
// bit first.
func fixedHuffmanZlib(data []byte) []byte {
	out := []byte{0x78, 0x9c} // deflate, 32 KiB window, default level
	var acc uint64
	var n uint
	put := func(v uint64, bits uint) {
		acc |= v << n
		for n += bits; n >= 8; n -= 8 {
			out = append(out, byte(acc))
			acc >>= 8
		}
	}
	code := func(c uint32, bits uint) { put(uint64(reverseBits(c, bits)), bits) }
	put(1, 1) // BFINAL
	put(1, 2) // BTYPE 01: fixed Huffman
	for _, b := range data {
		if b < 144 {
			code(0x30+uint32(b), 8)
		} else {
			code(0x190+uint32(b)-144, 9)
		}
	}
	code(0, 7) // end of block
	if n > 0 {
		out = append(out, byte(acc))
	}
	return binary.BigEndian.AppendUint32(out, adler32.Checksum(data))
}

// reverseBits returns the low n bits of c in reverse order.
func reverseBits(c uint32, n uint) uint32 { return bits.Reverse32(c) >> (32 - n) }

// newSealSigner makes a VDS-NC seal signer certificate for key, issued
// by csca: extended key usage VDS-NC signer and a document type list of
// NV and NT.
func newSealSigner(key *ecdsa.PrivateKey, csca *x509.Certificate, cscaKey crypto.Signer, start time.Time) (*x509.Certificate, error) {
	types, err := asn1.Marshal(struct {
		Version int
		Types   []string `asn1:"set"`
	}{0, []string{vdsnc.DocumentTypeVaccination, vdsnc.DocumentTypeTest}})
	if err != nil {
		return nil, fmt.Errorf("bench: seal signer: document type list: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial.Add(serial, big.NewInt(1)),
		Subject:            pkix.Name{Country: []string{"AT"}, Organization: []string{"ITHC Benchmark"}, CommonName: "ITHC VDS-NC signer AT"},
		NotBefore:          start,
		NotAfter:           start.Add(365 * 24 * time.Hour),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{vdsnc.OIDExtKeyUsageVDSNC},
		ExtraExtensions:    []pkix.Extension{{Id: vdsnc.OIDDocumentTypeList, Value: types}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, csca, &key.PublicKey, cscaKey)
	if err != nil {
		return nil, fmt.Errorf("bench: seal signer: %w", err)
	}
	return x509.ParseCertificate(der)
}

// sampleDCC is a valid EU DCC vaccination payload (schema 1.3.0), the
// example holder of the EU test data.
func sampleDCC() *dcc.Payload {
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

// nativeCertificate is the usual travel certificate: a nucleic-acid test,
// a quantitative IgG antibody test and a vaccination, with the passport.
func nativeCertificate(iat, exp time.Time) *healthcert.Certificate {
	common := healthcert.Common{Disease: "840539006", Country: "AT", Centre: "Labor Wien"}
	sample := iat.Add(-20 * time.Hour).Truncate(time.Minute)
	return &healthcert.Certificate{
		ID:        "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
		Issuer:    healthcert.Issuer{Country: "AT", Name: "Ministry of Health"},
		IssuedAt:  iat,
		ExpiresAt: exp,
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "Müller", Given: "Jürgen", FamilyICAO: "MUELLER", GivenICAO: "JUERGEN"},
			DateOfBirth: healthcert.Date{Year: 1980, Month: 4, Day: 12},
			Sex:         healthcert.SexMale,
			Document:    &healthcert.TravelDocument{Type: "P", Number: "P1234567", IssuingState: "AT"},
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
