package trust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/shareddata"
)

// govKeys are the keys of the governance tests, made once.
var govKeys struct {
	once                  sync.Once
	csca, dsc, p384, p521 *ecdsa.PrivateKey
	p224                  *ecdsa.PrivateKey
	rsa2048, rsa3072      *rsa.PrivateKey
	ed                    ed25519.PrivateKey
}

func keysForTests(t testing.TB) {
	t.Helper()
	govKeys.once.Do(func() {
		gen := func(c elliptic.Curve) *ecdsa.PrivateKey {
			k, err := ecdsa.GenerateKey(c, rand.Reader)
			if err != nil {
				panic(err)
			}
			return k
		}
		govKeys.csca, govKeys.dsc = gen(elliptic.P256()), gen(elliptic.P256())
		govKeys.p384, govKeys.p521, govKeys.p224 = gen(elliptic.P384()), gen(elliptic.P521()), gen(elliptic.P224())
		var err error
		if govKeys.rsa2048, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if govKeys.rsa3072, err = rsa.GenerateKey(rand.Reader, 3072); err != nil {
			panic(err)
		}
		_, govKeys.ed, _ = ed25519.GenerateKey(rand.Reader)
	})
}

var govNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// govCSCA is a CSCA made by NewCSCA with the shared P-256 key.
func govCSCA(t testing.TB) *x509.Certificate {
	t.Helper()
	keysForTests(t)
	c, err := NewCSCA(govKeys.csca, CertOptions{Country: "CN", NotBefore: govNow})
	if err != nil {
		t.Fatalf("NewCSCA() = %v", err)
	}
	return c
}

// baseTemplate returns a template that passes the governance for role.
func baseTemplate(role Role, pub crypto.PublicKey) *x509.Certificate {
	ski, _ := subjectKeyID(pub)
	t := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{Country: []string{"CN"}, Organization: []string{"NHC"}, CommonName: "test " + string(role)},
		NotBefore:             govNow,
		NotAfter:              govNow.Add(365 * 24 * time.Hour),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		SubjectKeyId:          ski,
	}
	switch role {
	case RoleCSCA:
		t.IsCA, t.MaxPathLenZero = true, true
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	case RoleDSC:
		t.UnknownExtKeyUsage = UsageOIDs(UsageTest | UsageVaccination | UsageRecovery)
	case RoleTLS:
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	return t
}

// makeCert signs tmpl: by csca when role is a document signer, else self-
// signed with key.
func makeCert(t testing.TB, role Role, tmpl *x509.Certificate, pub crypto.PublicKey, key crypto.Signer, csca *x509.Certificate) *x509.Certificate {
	t.Helper()
	parent, signer := tmpl, key
	if role == RoleDSC {
		parent, signer = csca, govKeys.csca
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("CreateCertificate() = %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate() = %v", err)
	}
	return c
}

func rulesOf(err error) []string {
	var ge *GovernanceError
	if !errors.As(err, &ge) {
		return nil
	}
	var rules []string
	for _, v := range ge.Violations {
		if !slices.Contains(rules, v.Rule) {
			rules = append(rules, v.Rule)
		}
	}
	return rules
}

func TestCheckCertificate(t *testing.T) {
	keysForTests(t)
	csca := govCSCA(t)
	other, err := NewCSCA(govKeys.p384, CertOptions{Country: "CN", NotBefore: govNow, CommonName: "another csca"})
	if err != nil {
		t.Fatal(err)
	}
	wrongSKI := *csca
	wrongSKI.SubjectKeyId = []byte{1, 2, 3}
	unknownCritical := pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 59999, 99}, Critical: true, Value: []byte{5, 0}}

	type tc struct {
		name   string
		role   Role
		key    crypto.Signer // the subject's key; nil means the role's default
		edit   func(*x509.Certificate)
		issuer *x509.Certificate // for DSCs, the certificate to check against (nil means csca)
		noCSCA bool              // check a DSC without its CSCA
		parent *x509.Certificate // for DSCs, the parent given to CreateCertificate
		opts   CheckOptions
		want   []string // rules; none means the certificate passes
	}
	tests := []tc{
		{name: "csca ok", role: RoleCSCA},
		{name: "csca rsa-3072", role: RoleCSCA, key: govKeys.rsa3072},
		{name: "csca p-521", role: RoleCSCA, key: govKeys.p521},
		{name: "csca digitalSignature tolerated", role: RoleCSCA, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageDigitalSignature }},
		{name: "csca rsa-2048", role: RoleCSCA, key: govKeys.rsa2048, want: []string{RuleKeySize}},
		{name: "csca p-224", role: RoleCSCA, key: govKeys.p224, want: []string{RuleECCurve}},
		{name: "csca ed25519", role: RoleCSCA, key: govKeys.ed, want: []string{RuleKeyAlgorithm}},
		{name: "csca not a ca", role: RoleCSCA, edit: func(c *x509.Certificate) { c.IsCA, c.MaxPathLenZero = false, false }, want: []string{RuleBasicConstraints}},
		{name: "csca no basic constraints", role: RoleCSCA, edit: func(c *x509.Certificate) { c.BasicConstraintsValid, c.IsCA = false, false }, want: []string{RuleBasicConstraints}},
		{name: "csca path length 1", role: RoleCSCA, edit: func(c *x509.Certificate) { c.MaxPathLen, c.MaxPathLenZero = 1, false }, want: []string{RuleBasicConstraints}},
		{name: "csca no path length", role: RoleCSCA, edit: func(c *x509.Certificate) { c.MaxPathLen, c.MaxPathLenZero = -1, false }, want: []string{RuleBasicConstraints}},
		{name: "csca without cRLSign", role: RoleCSCA, edit: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageCertSign }, want: []string{RuleKeyUsage}},
		{name: "csca keyEncipherment tolerated", role: RoleCSCA, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageKeyEncipherment }},
		{name: "csca with eku", role: RoleCSCA, edit: func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDTest} }, want: []string{RuleExtKeyUsage}},
		{name: "no country", role: RoleCSCA, edit: func(c *x509.Certificate) { c.Subject.Country = nil }, want: []string{RuleSubject}},
		{name: "two countries", role: RoleCSCA, edit: func(c *x509.Certificate) { c.Subject.Country = []string{"CN", "FR"} }, want: []string{RuleSubject}},
		{name: "lower-case country", role: RoleCSCA, edit: func(c *x509.Certificate) { c.Subject.Country = []string{"cn"} }, want: []string{RuleSubject}},
		{name: "alpha-3 country", role: RoleCSCA, edit: func(c *x509.Certificate) { c.Subject.Country = []string{"CHN"} }, want: []string{RuleSubject}},
		{name: "no organisation", role: RoleCSCA, edit: func(c *x509.Certificate) { c.Subject.Organization = nil }, want: []string{RuleSubject}},
		{name: "no common name", role: RoleCSCA, edit: func(c *x509.Certificate) { c.Subject.CommonName = "" }, want: []string{RuleSubject}},
		{name: "expected country", role: RoleCSCA, opts: CheckOptions{Country: "cn"}},
		{name: "other expected country", role: RoleCSCA, opts: CheckOptions{Country: "FR"}, want: []string{RuleCountry}},
		{name: "inverted validity", role: RoleCSCA, edit: func(c *x509.Certificate) { c.NotAfter = c.NotBefore.Add(-time.Hour) }, want: []string{RuleValidity}},
		{name: "expired", role: RoleUpload, opts: CheckOptions{Now: govNow.Add(400 * 24 * time.Hour)}, want: []string{RuleValidity}},
		{name: "not yet valid", role: RoleUpload, opts: CheckOptions{Now: govNow.Add(-time.Hour)}, want: []string{RuleValidity}},
		{name: "valid now", role: RoleUpload, opts: CheckOptions{Now: govNow.Add(time.Hour)}},
		{name: "unknown critical extension", role: RoleUpload, edit: func(c *x509.Certificate) { c.ExtraExtensions = []pkix.Extension{unknownCritical} }, want: []string{RuleCriticalExtension}},
		{name: "no key usage", role: RoleUpload, edit: func(c *x509.Certificate) { c.KeyUsage = 0 }, want: []string{RuleKeyUsage}},

		{name: "dsc ok", role: RoleDSC},
		{name: "dsc no eku", role: RoleDSC, edit: func(c *x509.Certificate) { c.UnknownExtKeyUsage = nil }},
		{name: "dsc p-384", role: RoleDSC, key: govKeys.p384},
		{name: "dsc rsa-2048", role: RoleDSC, key: govKeys.rsa2048},
		{name: "dsc ed25519", role: RoleDSC, key: govKeys.ed},
		{name: "dsc contentCommitment tolerated", role: RoleDSC, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageContentCommitment }},
		{name: "dsc p-521", role: RoleDSC, key: govKeys.p521, want: []string{RuleECCurve}},
		{name: "dsc without csca", role: RoleDSC, noCSCA: true, want: []string{RuleIssuer}},
		{name: "dsc checked against another csca", role: RoleDSC, issuer: other, want: []string{RuleIssuer, RuleKeyIdentifier}},
		{name: "dsc wrong authority key id", role: RoleDSC, parent: &wrongSKI, want: []string{RuleKeyIdentifier}},
		{name: "dsc outlives csca", role: RoleDSC, edit: func(c *x509.Certificate) { c.NotAfter = csca.NotAfter.Add(time.Hour) }, want: []string{RuleValidity}},
		{name: "dsc before csca", role: RoleDSC, edit: func(c *x509.Certificate) { c.NotBefore = csca.NotBefore.Add(-time.Hour) }, want: []string{RuleValidity}},
		{name: "dsc other country", role: RoleDSC, edit: func(c *x509.Certificate) { c.Subject.Country = []string{"FR"} }, want: []string{RuleCountry}},
		{name: "dsc is a ca", role: RoleDSC, edit: func(c *x509.Certificate) { c.IsCA = true }, want: []string{RuleBasicConstraints}},
		{name: "dsc keyEncipherment tolerated", role: RoleDSC, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageKeyEncipherment }},
		{name: "dsc certSign with digitalSignature", role: RoleDSC, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageCertSign }, want: []string{RuleKeyUsage}},
		{name: "dsc certSign", role: RoleDSC, edit: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageCertSign }, want: []string{RuleKeyUsage}},
		{name: "dsc clientAuth", role: RoleDSC, edit: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }, want: []string{RuleExtKeyUsage}},
		{name: "dsc legacy oid", role: RoleDSC, edit: func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDLegacyTest} }, want: []string{RuleExtKeyUsage}},
		{name: "dsc other oid", role: RoleDSC, edit: func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{{2, 23, 136, 1, 1, 14, 2}} }, want: []string{RuleExtKeyUsage}},

		{name: "upload ok", role: RoleUpload},
		{name: "upload keyCertSign tolerated when self-signed", role: RoleUpload, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageCertSign }},
		{name: "upload rsa-2048", role: RoleUpload, key: govKeys.rsa2048, want: []string{RuleKeySize}},
		{name: "upload ca", role: RoleUpload, edit: func(c *x509.Certificate) { c.IsCA = true }, want: []string{RuleBasicConstraints}},
		{name: "upload health oid", role: RoleUpload, edit: func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDVaccination} }, want: []string{RuleExtKeyUsage}},
		{name: "upload any eku", role: RoleUpload, edit: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} }, want: []string{RuleExtKeyUsage}},
		{name: "upload keyEncipherment tolerated", role: RoleUpload, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageKeyEncipherment }},
		{name: "upload cRLSign", role: RoleUpload, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageCRLSign }, want: []string{RuleKeyUsage}},

		{name: "tls ok", role: RoleTLS},
		{name: "tls server and client", role: RoleTLS, edit: func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		}},
		{name: "tls rsa keyEncipherment", role: RoleTLS, key: govKeys.rsa3072, edit: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageKeyEncipherment }},
		{name: "tls without clientAuth", role: RoleTLS, edit: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }, want: []string{RuleExtKeyUsage}},
		{name: "tls ed25519", role: RoleTLS, key: govKeys.ed, want: []string{RuleKeyAlgorithm}},
		{name: "many at once", role: RoleTLS, key: govKeys.rsa2048, edit: func(c *x509.Certificate) {
			c.ExtKeyUsage, c.IsCA, c.Subject.Country = nil, true, nil
		}, want: []string{RuleKeySize, RuleSubject, RuleBasicConstraints, RuleExtKeyUsage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.key
			if key == nil {
				key = govKeys.dsc
				if tt.role == RoleCSCA {
					key = govKeys.csca
				}
			}
			tmpl := baseTemplate(tt.role, key.Public())
			if tt.role == RoleDSC {
				tmpl.NotAfter = govNow.Add(2 * 365 * 24 * time.Hour)
			}
			if tt.edit != nil {
				tt.edit(tmpl)
			}
			parent := csca
			if tt.parent != nil {
				parent = tt.parent
			}
			cert := makeCert(t, tt.role, tmpl, key.Public(), key, parent)
			var issuer *x509.Certificate
			if tt.role == RoleDSC && !tt.noCSCA {
				issuer = csca
				if tt.issuer != nil {
					issuer = tt.issuer
				}
			}
			err := CheckCertificate(cert, tt.role, issuer, tt.opts)
			got := rulesOf(err)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CheckCertificate() = %v, want no violation", err)
				}
				return
			}
			if !errors.Is(err, ErrGovernance) {
				t.Fatalf("CheckCertificate() = %v, want a governance error", err)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("CheckCertificate() rules = %v, want %v\n%v", got, want, err)
			}
		})
	}
}

func TestCheckCertificateBrokenSignature(t *testing.T) {
	keysForTests(t)
	csca := govCSCA(t)
	for _, role := range []Role{RoleCSCA, RoleDSC} {
		der := slices.Clone(csca.Raw)
		issuer := (*x509.Certificate)(nil)
		if role == RoleDSC {
			c := makeCert(t, RoleDSC, baseTemplate(RoleDSC, govKeys.dsc.Public()), govKeys.dsc.Public(), nil, csca)
			der, issuer = slices.Clone(c.Raw), csca
		}
		der[len(der)-3] ^= 0x55 // inside the signature
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		err = CheckCertificate(cert, role, issuer, CheckOptions{})
		if !slices.Contains(rulesOf(err), RuleIssuer) {
			t.Errorf("%s with a broken signature: %v, want an issuer violation", role, err)
		}
	}
}

func TestGovernanceErrorMessage(t *testing.T) {
	keysForTests(t)
	tmpl := baseTemplate(RoleTLS, govKeys.rsa2048.Public())
	tmpl.ExtKeyUsage = nil
	cert := makeCert(t, RoleTLS, tmpl, govKeys.rsa2048.Public(), govKeys.rsa2048, nil)
	err := CheckCertificate(cert, RoleTLS, nil, CheckOptions{})
	var ge *GovernanceError
	if !errors.As(err, &ge) || ge.Role != RoleTLS || ge.Subject != cert.Subject.String() || len(ge.Violations) != 2 {
		t.Fatalf("CheckCertificate() = %#v", err)
	}
	msg := err.Error()
	for _, want := range []string{"trust: tls certificate", `"CN=test tls,O=NHC,C=CN"`, "key-size: RSA key of 2048 bits (a tls key needs at least 3072)",
		"extended-key-usage: no clientAuth"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if _, err := json.Marshal(ge.Violations); err != nil {
		t.Errorf("violations do not marshal: %v", err)
	}
	if err := CheckCertificate(cert, "root", nil, CheckOptions{}); err == nil || errors.Is(err, ErrGovernance) {
		t.Errorf("CheckCertificate(role root) = %v, want a plain error", err)
	}
	if err := CheckCertificate(nil, RoleTLS, nil, CheckOptions{}); err == nil {
		t.Error("CheckCertificate(nil) = nil")
	}
}

// explicitSPKI returns the SubjectPublicKeyInfo of the P-256 key pub with
// the curve spelt out (RFC 3279 ECParameters), as some ICAO-era CSCAs
// encoded it, or with the given raw parameters.
func explicitSPKI(t testing.TB, pub *ecdsa.PublicKey, rawParams []byte) []byte {
	t.Helper()
	p := pub.Curve.Params()
	point, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if rawParams == nil {
		fieldSize := (p.BitSize + 7) / 8
		pad := func(n *big.Int) []byte { return n.FillBytes(make([]byte, fieldSize)) }
		a := new(big.Int).Sub(p.P, big.NewInt(3))
		type fieldID struct {
			FieldType asn1.ObjectIdentifier
			Prime     *big.Int
		}
		type curve struct {
			A, B []byte
		}
		type ecParameters struct {
			Version  int
			FieldID  fieldID
			Curve    curve
			Base     []byte
			Order    *big.Int
			Cofactor int
		}
		g := append([]byte{4}, append(pad(p.Gx), pad(p.Gy)...)...)
		rawParams, err = asn1.Marshal(ecParameters{
			Version:  1,
			FieldID:  fieldID{asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}, p.P},
			Curve:    curve{pad(a), pad(p.B)},
			Base:     g,
			Order:    p.N,
			Cofactor: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	spki, err := asn1.Marshal(struct {
		Algorithm struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}
		Key asn1.BitString
	}{
		Algorithm: struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}{oidPublicKeyEC, asn1.RawValue{FullBytes: rawParams}},
		Key: asn1.BitString{Bytes: point, BitLength: 8 * len(point)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return spki
}

// withSPKI re-signs a document signer issued by csca with another
// SubjectPublicKeyInfo, by hand: x509.CreateCertificate only writes named
// curves.
func withSPKI(t testing.TB, dsc *x509.Certificate, spki []byte) []byte {
	t.Helper()
	var tbs struct {
		Raw       asn1.RawContent
		Version   asn1.RawValue
		Serial    asn1.RawValue
		SigAlg    asn1.RawValue
		Issuer    asn1.RawValue
		Validity  asn1.RawValue
		Subject   asn1.RawValue
		PublicKey asn1.RawValue
		Rest      asn1.RawValue `asn1:"optional,explicit,tag:3"`
	}
	if rest, err := asn1.Unmarshal(dsc.RawTBSCertificate, &tbs); err != nil || len(rest) > 0 {
		t.Fatalf("tbs: %v", err)
	}
	tbs.Raw = nil
	tbs.PublicKey = asn1.RawValue{FullBytes: spki}
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(tbsDER)
	sig, err := govKeys.csca.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var outer struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(dsc.Raw, &outer); err != nil {
		t.Fatal(err)
	}
	outer.TBS = asn1.RawValue{FullBytes: tbsDER}
	outer.Sig = asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}
	der, err := asn1.Marshal(outer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCheckCertificateDERExplicitParameters(t *testing.T) {
	keysForTests(t)
	csca := govCSCA(t)
	dsc := makeCert(t, RoleDSC, baseTemplate(RoleDSC, govKeys.dsc.Public()), govKeys.dsc.Public(), nil, csca)
	pub := &govKeys.dsc.PublicKey

	// The hand-made encoding is right: with the named curve it is the same
	// certificate content, and it verifies.
	named := withSPKI(t, dsc, dsc.RawSubjectPublicKeyInfo)
	if c, err := CheckCertificateDER(named, RoleDSC, csca, CheckOptions{}); err != nil || c == nil {
		t.Fatalf("re-signed certificate with the named curve: %v", err)
	}

	nullParams, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagNull})
	for _, tt := range []struct {
		name   string
		params []byte
		want   string
	}{
		{"explicit", nil, "explicit domain parameters"},
		{"implicitlyCA", nullParams, "implicitlyCA"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			der := withSPKI(t, dsc, explicitSPKI(t, pub, tt.params))
			if _, err := x509.ParseCertificate(der); err == nil {
				t.Fatal("Go's parser accepts the certificate; the DER path is not needed for it")
			}
			cert, err := CheckCertificateDER(der, RoleDSC, csca, CheckOptions{})
			if cert != nil {
				t.Error("CheckCertificateDER() returned a certificate with its error")
			}
			rules := rulesOf(err)
			if !slices.Contains(rules, RuleECExplicitParameters) || !slices.Contains(rules, RuleParse) {
				t.Fatalf("CheckCertificateDER() = %v, want ec-explicit-parameters and parse", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "CN=test dsc") {
				t.Errorf("CheckCertificateDER() = %q, want %q and the subject", err, tt.want)
			}
		})
	}
	// The SPKI check alone, on every role.
	spki := explicitSPKI(t, pub, nil)
	for _, role := range []Role{RoleCSCA, RoleDSC, RoleUpload, RoleTLS} {
		vs := checkSPKI(role, spki)
		if len(vs) != 1 || vs[0].Rule != RuleECExplicitParameters {
			t.Errorf("checkSPKI(%s, explicit) = %v", role, vs)
		}
	}
}

func TestCheckCertificateDER(t *testing.T) {
	keysForTests(t)
	csca := govCSCA(t)
	if c, err := CheckCertificateDER(csca.Raw, RoleCSCA, nil, CheckOptions{Country: "CN", Now: govNow}); err != nil || !bytes.Equal(c.Raw, csca.Raw) {
		t.Errorf("CheckCertificateDER(csca) = %v", err)
	}
	if _, err := CheckCertificateDER(make([]byte, limits.MaxCertificateDER+1), RoleCSCA, nil, CheckOptions{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("CheckCertificateDER(oversized) = %v, want ErrTooLarge", err)
	}
	if _, err := CheckCertificateDER([]byte("not a certificate"), RoleDSC, csca, CheckOptions{}); !slices.Equal(rulesOf(err), []string{RuleParse}) {
		t.Errorf("CheckCertificateDER(garbage) = %v, want a parse violation", err)
	}
	if _, err := CheckCertificateDER(csca.Raw, "ca", nil, CheckOptions{}); err == nil || errors.Is(err, ErrGovernance) {
		t.Errorf("CheckCertificateDER(role ca) = %v, want a plain error", err)
	}
	// A certificate that parses but breaks the governance.
	if _, err := CheckCertificateDER(csca.Raw, RoleDSC, csca, CheckOptions{}); !errors.Is(err, ErrGovernance) {
		t.Errorf("CheckCertificateDER(csca as dsc) = %v, want a governance error", err)
	}
}

func TestParseRoleInferRole(t *testing.T) {
	for in, want := range map[string]Role{"csca": RoleCSCA, "DSC": RoleDSC, "signer": RoleDSC, "Upload": RoleUpload, "tls": RoleTLS} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole(root) = nil error")
	}
	keysForTests(t)
	csca := govCSCA(t)
	dscNoEKU := baseTemplate(RoleDSC, govKeys.dsc.Public())
	dscNoEKU.UnknownExtKeyUsage = nil
	for _, tt := range []struct {
		cert *x509.Certificate
		want Role
	}{
		{csca, RoleCSCA},
		{makeCert(t, RoleDSC, baseTemplate(RoleDSC, govKeys.dsc.Public()), govKeys.dsc.Public(), nil, csca), RoleDSC},
		{makeCert(t, RoleDSC, dscNoEKU, govKeys.dsc.Public(), nil, csca), RoleDSC},
		{makeCert(t, RoleUpload, baseTemplate(RoleUpload, govKeys.dsc.Public()), govKeys.dsc.Public(), govKeys.dsc, nil), RoleUpload},
		{makeCert(t, RoleTLS, baseTemplate(RoleTLS, govKeys.dsc.Public()), govKeys.dsc.Public(), govKeys.dsc, nil), RoleTLS},
	} {
		if got := InferRole(tt.cert); got != tt.want {
			t.Errorf("InferRole(%s) = %s, want %s", tt.cert.Subject.CommonName, got, tt.want)
		}
	}
}

// dgcSigners returns the distinct signer certificates of the EU DCC
// conformance vectors (DER).
func dgcSigners(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	seen := map[[32]byte]bool{}
	for _, f := range shareddata.DGCFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			TESTCTX struct{ CERTIFICATE string }
		}
		if json.Unmarshal(data, &v) != nil || v.TESTCTX.CERTIFICATE == "" {
			continue
		}
		certs, err := LoadPEM(strings.NewReader(v.TESTCTX.CERTIFICATE))
		if err != nil {
			continue
		}
		sum := sha256.Sum256(certs[0].Raw)
		if !seen[sum] {
			seen[sum] = true
			out = append(out, certs[0].Raw)
		}
	}
	return out
}

// TestGovernanceRealSigners checks the real document signers of the EU DCC
// test data without their CSCAs (which the data does not carry). Each
// yields at least the missing-CSCA violation, nothing about parsing or the
// key encoding, and each violation has a rule and a detail. The tally of
// rules shows how far the countries' test signers are from the governance.
func TestGovernanceRealSigners(t *testing.T) {
	signers := dgcSigners(t)
	if len(signers) < 20 {
		t.Fatalf("only %d distinct signers in the dgc data", len(signers))
	}
	tally := map[string]int{}
	for _, der := range signers {
		_, err := CheckCertificateDER(der, RoleDSC, nil, CheckOptions{})
		var ge *GovernanceError
		if !errors.As(err, &ge) {
			t.Fatalf("CheckCertificateDER(real signer) = %v, want a governance error (no CSCA given)", err)
		}
		for _, v := range ge.Violations {
			if v.Rule == "" || v.Detail == "" {
				t.Errorf("%s: empty violation %+v", ge.Subject, v)
			}
			if v.Rule == RuleParse || v.Rule == RuleECExplicitParameters {
				t.Errorf("%s: %v", ge.Subject, v)
			}
		}
		for _, r := range rulesOf(err) {
			tally[r]++
		}
	}
	if tally[RuleIssuer] != len(signers) {
		t.Errorf("%d of %d signers report the missing CSCA", tally[RuleIssuer], len(signers))
	}
	t.Logf("%d distinct real signers; violations by rule: %v", len(signers), tally)
}

// FuzzCheckCertificateDER: no panic on any DER, for every role; a
// certificate is returned only without error, and a governance error
// always lists violations.
func FuzzCheckCertificateDER(f *testing.F) {
	keysForTests(f)
	csca := govCSCA(f)
	dsc := makeCert(f, RoleDSC, baseTemplate(RoleDSC, govKeys.dsc.Public()), govKeys.dsc.Public(), nil, csca)
	f.Add(csca.Raw, uint8(0))
	f.Add(dsc.Raw, uint8(1))
	f.Add(withSPKI(f, dsc, explicitSPKI(f, &govKeys.dsc.PublicKey, nil)), uint8(1))
	if p, err := shareddata.Find("dgc"); err == nil && p != "" {
		for _, der := range dgcSigners(f) {
			f.Add(der, uint8(1))
		}
	}
	roles := []Role{RoleCSCA, RoleDSC, RoleUpload, RoleTLS}
	f.Fuzz(func(t *testing.T, der []byte, r uint8) {
		role := roles[int(r)%len(roles)]
		cert, err := CheckCertificateDER(der, role, csca, CheckOptions{Country: "CN", Now: govNow})
		if err != nil {
			if cert != nil {
				t.Fatal("a certificate returned with an error")
			}
			var ge *GovernanceError
			if errors.As(err, &ge) && len(ge.Violations) == 0 {
				t.Fatal("a governance error without violations")
			}
			return
		}
		if cert == nil {
			t.Fatal("no certificate and no error")
		}
	})
}

// BenchmarkCheckCertificate is the governance check of one document signer
// against its CSCA, as the gateway runs it on every upload (the signature
// check dominates).
func BenchmarkCheckCertificate(b *testing.B) {
	keysForTests(b)
	csca := govCSCA(b)
	dsc := makeCert(b, RoleDSC, baseTemplate(RoleDSC, govKeys.dsc.Public()), govKeys.dsc.Public(), nil, csca)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckCertificateDER(dsc.Raw, RoleDSC, csca, CheckOptions{Country: "CN", Now: govNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCheckCertificateFieldsGoWillNotWrite covers what x509.CreateCertificate
// refuses to produce but a parsed certificate may hold.
func TestCheckCertificateFieldsGoWillNotWrite(t *testing.T) {
	keysForTests(t)
	csca := govCSCA(t)
	tests := []struct {
		name string
		edit func(*x509.Certificate)
		want string
	}{
		{"version 1", func(c *x509.Certificate) { c.Version = 1 }, RuleVersion},
		{"negative serial", func(c *x509.Certificate) { c.SerialNumber = big.NewInt(-5) }, RuleSerial},
		{"21-byte serial", func(c *x509.Certificate) { c.SerialNumber = new(big.Int).Lsh(big.NewInt(1), 159) }, RuleSerial},
		{"sha-1 signature", func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA }, RuleSignatureAlgorithm},
	}
	for _, tt := range tests {
		c := *csca
		tt.edit(&c)
		if rules := rulesOf(CheckCertificate(&c, RoleCSCA, nil, CheckOptions{})); !slices.Contains(rules, tt.want) {
			t.Errorf("%s: rules %v, want %s", tt.name, rules, tt.want)
		}
	}
	c := *csca
	c.SerialNumber = new(big.Int).Lsh(big.NewInt(1), 158) // 20 bytes in DER
	if err := CheckCertificate(&c, RoleCSCA, nil, CheckOptions{}); err != nil {
		t.Errorf("a 20-byte serial: %v", err)
	}
}
