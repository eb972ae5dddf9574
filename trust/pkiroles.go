package trust

import (
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
	"errors"
	"fmt"
	"io"
	"time"
)

// The default validity of each role's certificate. CSCA and document
// signer follow the DCC / GDHCN certificate governance (4 and 2 years).
// The governance recommends 1 to 2 years for the upload and TLS client
// certificates; ITHC takes 1 year because both keys sit on the country's
// online backend, the most exposed place, and renewing them only needs a
// new onboarding record.
const (
	DefaultCSCAValidity   = 4 * 365 * 24 * time.Hour
	DefaultDSCValidity    = 2 * 365 * 24 * time.Hour
	DefaultUploadValidity = 365 * 24 * time.Hour
	DefaultTLSValidity    = 365 * 24 * time.Hour
)

// CertOptions configure NewCSCA, NewDSC, NewUploadCertificate and
// NewTLSCertificate. The zero value of each field is documented next to it.
type CertOptions struct {
	// Country is the ISO 3166-1 alpha-2 code of the subject C attribute
	// (lower case is upper-cased). Required, except for a document
	// signer, where empty means the CSCA's country and anything else must
	// equal it.
	Country string
	// Organisation is the subject O attribute; empty means the CSCA's O
	// for a document signer, and "ITHC Health Authority" otherwise.
	Organisation string
	// CommonName is the subject CN attribute; empty means "ITHC <ROLE>
	// <country> <first 8 hex digits of the serial number>", such as
	// "ITHC DSC CN 5f1e2d3c", so that successive certificates of a role
	// have distinct subjects (the governance wants them unique).
	CommonName string
	// NotBefore is the start of the validity; zero means now. It is
	// truncated to the second.
	NotBefore time.Time
	// Validity is how long the certificate is valid; zero means the
	// role's default (DefaultCSCAValidity, DefaultDSCValidity,
	// DefaultUploadValidity, DefaultTLSValidity).
	Validity time.Duration
	// Usage is, for a document signer only, the event classes it may
	// sign, written as DCC extended-key-usage OIDs; zero means
	// test|vaccination|recovery.
	Usage Usage
	// Random is the source of serial numbers; nil means crypto/rand.
	Random io.Reader
}

// NewCSCA makes the self-signed certificate of a country signing CA whose
// key is key (a file key or an HSM key): subject C, O, CN; basic
// constraints CA:TRUE with path length 0 (critical); key usage
// keyCertSign|cRLSign (critical); a subject key identifier. The key must
// be ECDSA P-256, P-384 or P-521 or RSA of at least 3072 bits; the
// signature is ECDSA with SHA-256/384/512 or RSASSA-PSS with SHA-256. The
// result passes CheckCertificate for RoleCSCA, or NewCSCA fails.
func NewCSCA(key crypto.Signer, opts CertOptions) (*x509.Certificate, error) {
	return newSelfSigned(RoleCSCA, key, opts, DefaultCSCAValidity, func(t *x509.Certificate) {
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		t.IsCA = true
		t.MaxPathLen = 0
		t.MaxPathLenZero = true
	})
}

// NewUploadCertificate makes the self-signed certificate of a country's
// upload key, the key that signs what the country sends to the gateway:
// subject C, O, CN; CA:FALSE; key usage digitalSignature; no extended key
// usage. It is self-signed, not issued by the CSCA, on purpose: anything
// the CSCA signs chains to the country's trust anchor for health
// certificates, so the CSCA issues document signers only (the gateway pins
// upload and TLS certificates one by one at onboarding, so a chain adds
// nothing). Keys as for NewCSCA.
func NewUploadCertificate(key crypto.Signer, opts CertOptions) (*x509.Certificate, error) {
	return newSelfSigned(RoleUpload, key, opts, DefaultUploadValidity, func(t *x509.Certificate) {
		t.KeyUsage = x509.KeyUsageDigitalSignature
	})
}

// NewTLSCertificate makes the self-signed TLS client certificate of a
// country's backend, for mutual TLS with the gateway: as
// NewUploadCertificate, with the extended key usage clientAuth.
func NewTLSCertificate(key crypto.Signer, opts CertOptions) (*x509.Certificate, error) {
	return newSelfSigned(RoleTLS, key, opts, DefaultTLSValidity, func(t *x509.Certificate) {
		t.KeyUsage = x509.KeyUsageDigitalSignature
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	})
}

// NewDSC makes a document signer certificate for the public key pub,
// issued by csca with cscaKey (a file key or an HSM key): subject C (the
// CSCA's), O, CN; CA:FALSE; key usage digitalSignature (critical); the
// DCC extended-key-usage OIDs of opts.Usage; subject and authority key
// identifiers. The document signer key may be ECDSA P-256 or P-384, RSA of
// at least 2048 bits or Ed25519 (what verifiers accept).
//
// The validity, NotBefore to NotBefore+Validity, must lie inside the
// CSCA's: a window that does not is an error naming both, never silently
// shortened, since a document signer outliving its CSCA would make
// verifiers reject codes without warning (the shell model of the
// governance). The result passes CheckCertificate for RoleDSC against
// csca, or NewDSC fails.
func NewDSC(pub crypto.PublicKey, csca *x509.Certificate, cscaKey crypto.Signer, opts CertOptions) (*x509.Certificate, error) {
	if csca == nil || cscaKey == nil || pub == nil {
		return nil, errors.New("trust: dsc: nil key or csca")
	}
	if !csca.BasicConstraintsValid || !csca.IsCA || csca.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("trust: dsc: %q is not a CA allowed to sign certificates (basic constraints CA:TRUE and key usage keyCertSign)", csca.Subject.String())
	}
	if !publicKeysEqual(cscaKey.Public(), csca.PublicKey) {
		return nil, fmt.Errorf("trust: dsc: the csca key does not belong to the csca certificate %q", csca.Subject.String())
	}
	if vs := checkPublicKeyForRole(RoleDSC, pub); len(vs) > 0 {
		return nil, fmt.Errorf("trust: dsc: %s", vs[0].Detail)
	}
	cscaCountry := ""
	if len(csca.Subject.Country) == 1 {
		cscaCountry = csca.Subject.Country[0]
	}
	country := cscaCountry
	if opts.Country != "" {
		c, err := normaliseCountry(opts.Country)
		if err != nil {
			return nil, err
		}
		if c != cscaCountry {
			return nil, fmt.Errorf("trust: dsc: country %s differs from the csca's %q (a document signer carries its CSCA's country)", c, cscaCountry)
		}
	}
	if country == "" {
		return nil, fmt.Errorf("trust: dsc: the csca %q has no single country (C) attribute", csca.Subject.String())
	}
	org := opts.Organisation
	if org == "" && len(csca.Subject.Organization) > 0 {
		org = csca.Subject.Organization[0]
	}
	usage := opts.Usage
	if usage == 0 {
		usage = UsageTest | UsageVaccination | UsageRecovery
	}
	if usage&^(UsageTest|UsageVaccination|UsageRecovery) != 0 {
		return nil, fmt.Errorf("trust: dsc: unknown usage bits %#x", uint8(usage))
	}
	t, err := newTemplate(RoleDSC, pub, country, org, opts, DefaultDSCValidity)
	if err != nil {
		return nil, err
	}
	if t.NotBefore.Before(csca.NotBefore) || t.NotAfter.After(csca.NotAfter) {
		msg := fmt.Sprintf("trust: dsc: validity %s to %s is not inside the csca's %s to %s",
			t.NotBefore.Format(timeLayout), t.NotAfter.Format(timeLayout),
			csca.NotBefore.UTC().Format(timeLayout), csca.NotAfter.UTC().Format(timeLayout))
		if !t.NotBefore.Before(csca.NotBefore) && t.NotBefore.Before(csca.NotAfter) {
			msg += fmt.Sprintf("; ask for at most %d days", int(csca.NotAfter.Sub(t.NotBefore)/(24*time.Hour)))
		}
		return nil, errors.New(msg)
	}
	t.KeyUsage = x509.KeyUsageDigitalSignature
	t.UnknownExtKeyUsage = UsageOIDs(usage)
	sigAlg, err := signatureAlgorithmFor(cscaKey.Public())
	if err != nil {
		return nil, fmt.Errorf("trust: dsc: csca key: %v", err)
	}
	t.SignatureAlgorithm = sigAlg
	return createChecked(RoleDSC, t, csca, pub, cscaKey, opts.Random)
}

// newSelfSigned makes a self-signed certificate of role for key; set adds
// the role's extensions to the template.
func newSelfSigned(role Role, key crypto.Signer, opts CertOptions, validity time.Duration, set func(*x509.Certificate)) (*x509.Certificate, error) {
	if key == nil {
		return nil, fmt.Errorf("trust: %s: nil key", role)
	}
	pub := key.Public()
	if vs := checkPublicKeyForRole(role, pub); len(vs) > 0 {
		return nil, fmt.Errorf("trust: %s: %s", role, vs[0].Detail)
	}
	if opts.Country == "" {
		return nil, fmt.Errorf("trust: %s: no country", role)
	}
	country, err := normaliseCountry(opts.Country)
	if err != nil {
		return nil, err
	}
	org := opts.Organisation
	if org == "" {
		org = "ITHC Health Authority"
	}
	t, err := newTemplate(role, pub, country, org, opts, validity)
	if err != nil {
		return nil, err
	}
	set(t)
	sigAlg, err := signatureAlgorithmFor(pub)
	if err != nil {
		return nil, fmt.Errorf("trust: %s: %v", role, err)
	}
	t.SignatureAlgorithm = sigAlg
	return createChecked(role, t, t, pub, key, opts.Random)
}

// newTemplate returns a template with serial, subject, validity, basic
// constraints (CA:FALSE unless the caller changes it) and subject key
// identifier.
func newTemplate(role Role, pub crypto.PublicKey, country, org string, opts CertOptions, defaultValidity time.Duration) (*x509.Certificate, error) {
	random := opts.Random
	if random == nil {
		random = rand.Reader
	}
	serial, err := randomSerial(random)
	if err != nil {
		return nil, err
	}
	validity := opts.Validity
	if validity == 0 {
		validity = defaultValidity
	}
	if validity < 0 {
		return nil, fmt.Errorf("trust: %s: negative validity %v", role, validity)
	}
	notBefore := opts.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now()
	}
	notBefore = notBefore.UTC().Truncate(time.Second)
	cn := opts.CommonName
	if cn == "" {
		cn = fmt.Sprintf("ITHC %s %s %x", roleTitle(role), country, serial.Bytes()[:4])
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("trust: %s: %v", role, err)
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{country}, Organization: []string{org}, CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(validity),
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
	}, nil
}

func roleTitle(r Role) string {
	switch r {
	case RoleCSCA:
		return "CSCA"
	case RoleDSC:
		return "DSC"
	case RoleUpload:
		return "Upload"
	case RoleTLS:
		return "TLS"
	}
	return string(r)
}

// createChecked signs the certificate, parses it and applies the
// governance check for role, so that no function of this file returns a
// certificate the gateway would refuse.
func createChecked(role Role, t, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer, random io.Reader) (*x509.Certificate, error) {
	if random == nil {
		random = rand.Reader
	}
	der, err := x509.CreateCertificate(random, t, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("trust: %s: sign: %v", role, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("trust: %s: %v", role, err)
	}
	var issuer *x509.Certificate
	if parent != t {
		issuer = parent
	}
	if err := CheckCertificate(cert, role, issuer, CheckOptions{}); err != nil {
		return nil, err
	}
	return cert, nil
}

// subjectKeyID is RFC 7093 method 1: the leftmost 160 bits of the SHA-256
// of the subjectPublicKey BIT STRING's value.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// signatureAlgorithmFor is the signature a key of this type makes on a
// certificate: ECDSA with the hash matching the curve, RSASSA-PSS with
// SHA-256 (the governance's recommended padding; HSM friendly with a salt
// as long as the hash), Ed25519.
func signatureAlgorithmFor(pub crypto.PublicKey) (x509.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return x509.ECDSAWithSHA256, nil
		case elliptic.P384():
			return x509.ECDSAWithSHA384, nil
		case elliptic.P521():
			return x509.ECDSAWithSHA512, nil
		}
	case *rsa.PublicKey:
		return x509.SHA256WithRSAPSS, nil
	case ed25519.PublicKey:
		return x509.PureEd25519, nil
	}
	return 0, fmt.Errorf("no signature algorithm for a %T key", pub)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
