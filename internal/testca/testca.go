// Package testca is a fake country PKI for the tests of other packages: a
// country signing CA (CSCA) and document signers (DSC) made in memory, in
// the shape the EU DCC / HCERT specification and ICAO 9303 give them, with
// knobs for what verifiers must handle (algorithms, key-usage OIDs current,
// legacy or absent, validity windows, kid collisions).
//
// Use New first:
//
//	ca := testca.New(t, "CN")                      // ES256, all usages
//	code := sign(ca.Signer(), ca.Certificate())      // the issuer side
//	verify(code, ca.Store())                         // a trust.Resolver
//
// Keys are cached for the life of the test process, by algorithm, country
// and role (the CSCA, the first DSC, the second DSC, ...): two New calls
// with the same country and algorithm share keys (their certificates
// differ). Use distinct country codes for independent PKIs, or
// WithFreshKeys. Nothing here is for production use.
package testca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/trust"
)

// The algorithms WithAlgorithm accepts.
const (
	ES256     = "ES256"      // ECDSA P-256, the default
	ES384     = "ES384"      // ECDSA P-384
	PS256     = "PS256"      // RSASSA-PSS, RSA-2048 (fast to generate)
	PS256RSA3 = "PS256-3072" // RSASSA-PSS, RSA-3072 (as trust.GenerateCountry makes)
	EdDSA     = "EdDSA"      // Ed25519
)

// The default validity windows: wide enough to cover the clocks of the
// 2021–2022 conformance vectors and today's date.
var (
	// DefaultNotBefore and DefaultNotAfter bound a document signer.
	DefaultNotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultNotAfter  = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	// CSCANotBefore and CSCANotAfter bound the CSCA (enclosing the DSC).
	CSCANotBefore = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	CSCANotAfter  = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Option changes how New or NewDSC makes certificates.
type Option func(*config)

type config struct {
	alg                   string
	oids                  []asn1.ObjectIdentifier
	notBefore, notAfter   time.Time
	cscaFrom, cscaTo      time.Time
	fresh                 bool
	subjectWithoutCountry bool
}

func defaults() config {
	return config{
		alg:       ES256,
		oids:      trust.UsageOIDs(trust.UsageTest | trust.UsageVaccination | trust.UsageRecovery),
		notBefore: DefaultNotBefore,
		notAfter:  DefaultNotAfter,
		cscaFrom:  CSCANotBefore,
		cscaTo:    CSCANotAfter,
	}
}

// WithAlgorithm selects the key algorithm: ES256 (default), ES384, PS256
// (RSA-2048), PS256RSA3 (RSA-3072) or EdDSA. Given to New it sets both the
// CSCA and the first DSC; given to NewDSC, only that DSC.
func WithAlgorithm(alg string) Option { return func(c *config) { c.alg = alg } }

// WithUsageOIDs sets the extended key usage of the DSC to exactly oids.
// With no OIDs the DSC has no extended key usage at all (unrestricted, as
// the DCC specification reads it). Any OID may be given, such as
// trust.OIDLegacyTest or an unrelated one.
func WithUsageOIDs(oids ...asn1.ObjectIdentifier) Option {
	return func(c *config) { c.oids = append([]asn1.ObjectIdentifier(nil), oids...) }
}

// WithUsage sets the extended key usage of the DSC to the current-arc DCC
// OIDs of u (no OIDs for zero).
func WithUsage(u trust.Usage) Option {
	return func(c *config) { c.oids = trust.UsageOIDs(u) }
}

// WithLegacyUsage sets the extended key usage of the DSC to the legacy
// 1.3.6.1.4.1.0.1847.2021.1.x OIDs of u.
func WithLegacyUsage(u trust.Usage) Option {
	return func(c *config) {
		c.oids = nil
		if u&trust.UsageTest != 0 {
			c.oids = append(c.oids, trust.OIDLegacyTest)
		}
		if u&trust.UsageVaccination != 0 {
			c.oids = append(c.oids, trust.OIDLegacyVaccination)
		}
		if u&trust.UsageRecovery != 0 {
			c.oids = append(c.oids, trust.OIDLegacyRecovery)
		}
	}
}

// WithValidity sets the DSC validity window. It is not checked against the
// CSCA's, so a DSC outside its CA's validity can be made on purpose.
func WithValidity(notBefore, notAfter time.Time) Option {
	return func(c *config) { c.notBefore, c.notAfter = notBefore, notAfter }
}

// WithCSCAValidity sets the CSCA validity window (New only).
func WithCSCAValidity(notBefore, notAfter time.Time) Option {
	return func(c *config) { c.cscaFrom, c.cscaTo = notBefore, notAfter }
}

// WithFreshKeys generates new keys instead of taking cached ones.
func WithFreshKeys() Option { return func(c *config) { c.fresh = true } }

// WithoutCountry leaves the C attribute out of the DSC subject, as some
// real signers do.
func WithoutCountry() Option { return func(c *config) { c.subjectWithoutCountry = true } }

// CA is a fake country PKI: a CSCA and the document signers it issued.
type CA struct {
	// Country is the country code the CA was made for.
	Country string
	// Algorithm is the CSCA's algorithm.
	Algorithm string

	t       testing.TB
	csca    *x509.Certificate
	cscaKey crypto.Signer
	fresh   bool

	mu   sync.Mutex
	dscs []*DSC
}

// DSC is a document signer: its certificate and private key.
type DSC struct {
	// Certificate is the signer certificate, issued by the CA's CSCA.
	Certificate *x509.Certificate
	// Key signs codes.
	Key crypto.Signer
	// KID is trust.KID(Certificate).
	KID []byte
	// Algorithm is the key algorithm (see WithAlgorithm).
	Algorithm string
}

// New makes a CSCA for country and its first document signer. Failures end
// the test through t.Fatalf.
func New(t testing.TB, country string, opts ...Option) *CA {
	t.Helper()
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	key := cachedKey(t, cfg.alg, country, "csca", cfg.fresh)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{Country: []string{country}, Organization: []string{"ITHC Test"}, CommonName: "Test CSCA " + country},
		NotBefore:             cfg.cscaFrom,
		NotAfter:              cfg.cscaTo,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SignatureAlgorithm:    sigAlg(cfg.alg),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("testca: csca %s: %v", country, err)
	}
	csca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testca: csca %s: %v", country, err)
	}
	ca := &CA{Country: country, Algorithm: cfg.alg, t: t, csca: csca, cscaKey: key, fresh: cfg.fresh}
	ca.issue(t, cfg)
	return ca
}

// NewDSC issues one more document signer. Options default as for New, with
// the CA's algorithm; WithCSCAValidity is ignored.
func (ca *CA) NewDSC(opts ...Option) *DSC {
	ca.t.Helper()
	cfg := defaults()
	cfg.alg = ca.Algorithm
	cfg.fresh = ca.fresh
	for _, o := range opts {
		o(&cfg)
	}
	return ca.issue(ca.t, cfg)
}

func (ca *CA) issue(t testing.TB, cfg config) *DSC {
	t.Helper()
	ca.mu.Lock()
	n := len(ca.dscs) + 1
	ca.mu.Unlock()
	key := cachedKey(t, cfg.alg, ca.Country, fmt.Sprintf("dsc%d", n), cfg.fresh)
	subject := pkix.Name{Country: []string{ca.Country}, Organization: []string{"ITHC Test"}, CommonName: fmt.Sprintf("Test DSC %s %d", ca.Country, n)}
	if cfg.subjectWithoutCountry {
		subject.Country = nil
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               subject,
		NotBefore:             cfg.notBefore,
		NotAfter:              cfg.notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage:    cfg.oids,
		BasicConstraintsValid: true,
		SignatureAlgorithm:    sigAlg(ca.Algorithm),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.csca, key.Public(), ca.cscaKey)
	if err != nil {
		t.Fatalf("testca: dsc %s %d: %v", ca.Country, n, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testca: dsc %s %d: %v", ca.Country, n, err)
	}
	d := &DSC{Certificate: cert, Key: key, KID: trust.KID(cert), Algorithm: cfg.alg}
	ca.mu.Lock()
	ca.dscs = append(ca.dscs, d)
	ca.mu.Unlock()
	return d
}

// DSC returns the first document signer.
func (ca *CA) DSC() *DSC { return ca.dscs[0] }

// Signer returns the private key of the first document signer.
func (ca *CA) Signer() crypto.Signer { return ca.dscs[0].Key }

// Certificate returns the certificate of the first document signer.
func (ca *CA) Certificate() *x509.Certificate { return ca.dscs[0].Certificate }

// KID returns the key identifier of the first document signer.
func (ca *CA) KID() []byte { return ca.dscs[0].KID }

// CSCA returns the country signing CA certificate.
func (ca *CA) CSCA() *x509.Certificate { return ca.csca }

// CSCAKey returns the CSCA private key.
func (ca *CA) CSCAKey() crypto.Signer { return ca.cscaKey }

// Store returns a new trust store holding every document signer the CA
// has issued so far (not the CSCA).
func (ca *CA) Store() *trust.Store {
	ca.t.Helper()
	ca.mu.Lock()
	dscs := append([]*DSC(nil), ca.dscs...)
	ca.mu.Unlock()
	s := trust.NewStore()
	for _, d := range dscs {
		if err := s.Add(d.Certificate, ca.Country); err != nil {
			ca.t.Fatalf("testca: store: %v", err)
		}
	}
	return s
}

// TrustSigner returns d as a verifier sees it.
func (d *DSC) TrustSigner() *trust.Signer { return trust.NewSigner(d.Certificate, "") }

// Store returns a new trust store holding only d.
func (d *DSC) Store() *trust.Store {
	s := trust.NewStore()
	if err := s.Add(d.Certificate, ""); err != nil {
		panic("testca: " + err.Error()) // a testca certificate always has a supported key
	}
	return s
}

// CollidingResolver is a TEST-ONLY trust.Resolver that simulates a kid
// collision, which cannot be produced for real (a kid is a hash). For the
// kid KID it returns the Extra signers first, each rewritten to carry KID,
// then whatever Base returns; every other kid goes to Base unchanged. A
// correct verifier tries every candidate, so a code signed by a Base signer
// still verifies, and a code signed by an Extra signer verifies too.
type CollidingResolver struct {
	// Base answers every lookup; it may be nil (no other signers).
	Base trust.Resolver
	// KID is the colliding key identifier.
	KID []byte
	// Extra are the signers forced onto KID.
	Extra []*trust.Signer
}

// Collide returns a resolver in which the signers of others also answer to
// kid, ahead of base's own signers.
func Collide(base trust.Resolver, kid []byte, others ...*DSC) *CollidingResolver {
	r := &CollidingResolver{Base: base, KID: append([]byte(nil), kid...)}
	for _, d := range others {
		s := d.TrustSigner()
		s.KID = r.KID
		r.Extra = append(r.Extra, s)
	}
	return r
}

// Signers implements trust.Resolver.
func (r *CollidingResolver) Signers(kid []byte, country string) ([]*trust.Signer, error) {
	var base []*trust.Signer
	if r.Base != nil {
		var err error
		if base, err = r.Base.Signers(kid, country); err != nil {
			return nil, err
		}
	}
	if string(kid) != string(r.KID) {
		return base, nil
	}
	out := make([]*trust.Signer, 0, len(r.Extra)+len(base))
	out = append(out, r.Extra...)
	return append(out, base...), nil
}

// NewCollision issues a new document signer and returns it with a resolver
// in which it and the CA's first signer share the first signer's kid (the
// new one listed first). Opts apply to the new signer.
func (ca *CA) NewCollision(opts ...Option) (*DSC, *CollidingResolver) {
	ca.t.Helper()
	first := ca.DSC()
	d := ca.NewDSC(opts...)
	return d, Collide(first.Store(), first.KID, d)
}

var keyCache struct {
	sync.Mutex
	keys map[string]crypto.Signer
}

// cachedKey returns the key for (alg, country, role), generating it once per
// test process.
func cachedKey(t testing.TB, alg, country, role string, fresh bool) crypto.Signer {
	t.Helper()
	if fresh {
		return generate(t, alg)
	}
	id := alg + "/" + country + "/" + role
	keyCache.Lock()
	defer keyCache.Unlock()
	if k, ok := keyCache.keys[id]; ok {
		return k
	}
	k := generate(t, alg)
	if keyCache.keys == nil {
		keyCache.keys = make(map[string]crypto.Signer)
	}
	keyCache.keys[id] = k
	return k
}

func generate(t testing.TB, alg string) crypto.Signer {
	t.Helper()
	var (
		k   crypto.Signer
		err error
	)
	switch alg {
	case ES256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ES384:
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case PS256:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case PS256RSA3:
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	case EdDSA:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("testca: unknown algorithm %q", alg)
	}
	if err != nil {
		t.Fatalf("testca: generate %s key: %v", alg, err)
	}
	return k
}

func sigAlg(alg string) x509.SignatureAlgorithm {
	switch alg {
	case ES384:
		return x509.ECDSAWithSHA384
	case PS256, PS256RSA3:
		return x509.SHA256WithRSAPSS
	case EdDSA:
		return x509.PureEd25519
	}
	return x509.ECDSAWithSHA256
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatalf("testca: serial: %v", err)
	}
	return n.Add(n, big.NewInt(1))
}
