package vdsnc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/vdsnc/internal/jcs"
)

// A test PKI: a CSCA and barcode signers in the shape of the ICAO VDS-NC
// certificate profile, with knobs for what the verifier must refuse.

var (
	testNotBefore = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	testNotAfter  = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	// testNow is a time every test certificate is valid at.
	testNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
)

var testKeys sync.Map // string → *ecdsa.PrivateKey

// testKey returns a key cached by name, so that tests stay fast.
func testKey(t testing.TB, name string, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	id := name + "/" + curve.Params().Name
	if k, ok := testKeys.Load(id); ok {
		return k.(*ecdsa.PrivateKey)
	}
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := testKeys.LoadOrStore(id, k)
	return k2.(*ecdsa.PrivateKey)
}

type testCSCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// newCSCA makes a self-signed CSCA of a country.
func newCSCA(t testing.TB, country string, notBefore, notAfter time.Time) *testCSCA {
	t.Helper()
	key := testKey(t, "csca-"+country, elliptic.P384())
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Country: []string{country}, CommonName: "Test CSCA " + country},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          []byte("csca-" + country),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCSCA{cert: c, key: key}
}

// signerOptions shape a barcode signer certificate.
type signerOptions struct {
	country   string // default: the CSCA's
	curve     elliptic.Curve
	noEKU     bool
	eku       []asn1.ObjectIdentifier // default: the VDS-NC OID
	docTypes  []string                // default: NV and NT; nil with noDocTypes
	noDocs    bool
	rawDocs   []byte // the extension value, overriding docTypes
	notBefore time.Time
	notAfter  time.Time
	name      string // key cache name
}

// newSigner issues a barcode signer.
func (ca *testCSCA) newSigner(t testing.TB, o signerOptions) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	if o.curve == nil {
		o.curve = elliptic.P256()
	}
	if o.country == "" {
		o.country = ca.cert.Subject.Country[0]
	}
	if o.notBefore.IsZero() {
		o.notBefore, o.notAfter = testNotBefore, testNotAfter
	}
	key := testKey(t, "signer-"+o.name, o.curve)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{Country: []string{o.country}, CommonName: "Test barcode signer"},
		NotBefore:    o.notBefore,
		NotAfter:     o.notAfter,
	}
	if !o.noEKU {
		tmpl.UnknownExtKeyUsage = o.eku
		if tmpl.UnknownExtKeyUsage == nil {
			tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDExtKeyUsageVDSNC}
		}
	}
	if !o.noDocs {
		val := o.rawDocs
		if val == nil {
			types := o.docTypes
			if types == nil {
				types = []string{DocumentTypeVaccination, DocumentTypeTest}
			}
			var err error
			val, err = asn1.Marshal(documentTypeList{Version: 0, Types: types})
			if err != nil {
				t.Fatal(err)
			}
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: OIDDocumentTypeList, Value: val})
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// pool returns a pool of the given certificates.
func pool(t testing.TB, certs ...*x509.Certificate) *CSCAPool {
	t.Helper()
	p := NewCSCAPool()
	for _, c := range certs {
		if err := p.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// sealData is what resignWith signs: a *Content or a *rawMsg.
type sealData interface {
	dataTree(t testing.TB) *jcs.Value
}

func (c *Content) dataTree(t testing.TB) *jcs.Value {
	t.Helper()
	data, err := c.tree()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rawMsg is a header and a message given as JSON text.
type rawMsg struct {
	hdr Header
	msg *jcs.Value
}

func rawContent(typ, msg string) *rawMsg {
	v, err := jcs.Parse([]byte(msg), jsonLimits)
	if err != nil {
		panic(err)
	}
	return &rawMsg{hdr: Header{Type: typ, Version: Version, IssuingState: "CHN"}, msg: v}
}

func (r *rawMsg) dataTree(testing.TB) *jcs.Value {
	hdr := obj(jcs.Member{Key: "t", Value: str(r.hdr.Type)}, jcs.Member{Key: "v", Value: num(r.hdr.Version)},
		jcs.Member{Key: "is", Value: str(r.hdr.IssuingState)})
	return obj(jcs.Member{Key: "hdr", Value: hdr}, jcs.Member{Key: "msg", Value: r.msg})
}

// resignWith makes a seal as Sign does, without its checks: the data of c
// signed with key, cert as cer.
func resignWith(t testing.TB, c sealData, key *ecdsa.PrivateKey, cert *x509.Certificate) []byte {
	t.Helper()
	data := c.dataTree(t)
	signed, err := jcs.AppendCanonical(nil, data)
	if err != nil {
		t.Fatal(err)
	}
	alg, err := AlgorithmFor(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	curve, h, _ := curveOf(alg)
	der, err := key.Sign(rand.Reader, digest(h, signed), h)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := derToRaw(der, (curve.Params().BitSize+7)/8)
	if err != nil {
		t.Fatal(err)
	}
	sig := obj(jcs.Member{Key: "alg", Value: str(alg)},
		jcs.Member{Key: "cer", Value: str(base64.RawURLEncoding.EncodeToString(cert.Raw))},
		jcs.Member{Key: "sigvl", Value: str(base64.RawURLEncoding.EncodeToString(raw))})
	out, err := jcs.AppendCanonical(nil, obj(jcs.Member{Key: "data", Value: data}, jcs.Member{Key: "sig", Value: sig}))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
