package trust

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// Role is the purpose of a certificate in a country's PKI. The names are
// those the gateway stores onboarded certificates under.
type Role string

// The roles of the DCC / GDHCN certificate governance.
const (
	// RoleCSCA is the country signing CA (the governance's SCA): it
	// issues document signers and nothing else.
	RoleCSCA Role = "csca"
	// RoleDSC is a document signer: its key signs health certificates.
	RoleDSC Role = "dsc"
	// RoleUpload is the upload certificate (NB_UP, TNP_UP): its key signs
	// what a country sends the gateway.
	RoleUpload Role = "upload"
	// RoleTLS is the TLS client certificate (NB_TLS, TNP_TLS) a country's
	// backend authenticates to the gateway with.
	RoleTLS Role = "tls"
)

// ParseRole parses a role name: csca, dsc (or signer), upload or tls, in
// any case.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(s)); r {
	case RoleCSCA, RoleDSC, RoleUpload, RoleTLS:
		return r, nil
	case "signer":
		return RoleDSC, nil
	}
	return "", fmt.Errorf("trust: unknown certificate role %q (want csca, dsc, upload or tls)", s)
}

func (r Role) valid() bool {
	return r == RoleCSCA || r == RoleDSC || r == RoleUpload || r == RoleTLS
}

// The rules a Violation names. They are stable: callers may branch on them.
const (
	RuleParse                = "parse"                  // the DER does not parse as a certificate
	RuleVersion              = "version"                // not an X.509 v3 certificate
	RuleSerial               = "serial"                 // serial number not positive or longer than 20 bytes
	RuleSignatureAlgorithm   = "signature-algorithm"    // not ECDSA, RSA (PSS or PKCS#1 v1.5) or Ed25519 with SHA-2
	RuleKeyAlgorithm         = "key-algorithm"          // a key type the role may not use
	RuleKeySize              = "key-size"               // RSA modulus too short or public exponent too small
	RuleECCurve              = "ec-curve"               // an elliptic curve the role may not use
	RuleECExplicitParameters = "ec-explicit-parameters" // EC domain parameters spelt out instead of a named curve
	RuleSubject              = "subject"                // C, O or CN missing or malformed
	RuleCountry              = "country"                // C differs from the issuer's or the expected country
	RuleIssuer               = "issuer"                 // wrong issuer name, bad signature, no CSCA given
	RuleValidity             = "validity"               // inverted, not nested in the CSCA's, expired, not yet valid
	RuleBasicConstraints     = "basic-constraints"      // CA flag or path length wrong for the role
	RuleKeyUsage             = "key-usage"              // key usage missing or wrong for the role
	RuleExtKeyUsage          = "extended-key-usage"     // extended key usage wrong for the role
	RuleKeyIdentifier        = "key-identifier"         // subject or authority key identifier missing or wrong
	RuleCriticalExtension    = "critical-extension"     // a critical extension nobody here understands
)

// Violation is one way a certificate breaks the governance.
type Violation struct {
	// Rule is one of the Rule constants.
	Rule string `json:"rule"`
	// Detail says what is wrong, for a person.
	Detail string `json:"detail"`
}

// String returns "rule: detail".
func (v Violation) String() string { return v.Rule + ": " + v.Detail }

// ErrGovernance is what a *GovernanceError matches with errors.Is.
var ErrGovernance = errors.New("trust: certificate governance violated")

// GovernanceError lists every violation of one certificate.
type GovernanceError struct {
	// Role is the role the certificate was checked for.
	Role Role
	// Subject is the certificate's subject (RFC 2253 form), when known.
	Subject string
	// Violations are in the order the checks run; never empty.
	Violations []Violation
}

// Error returns the subject, role and every violation on one line.
func (e *GovernanceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "trust: %s certificate %q breaks the certificate governance: ", e.Role, e.Subject)
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// Is reports whether target is ErrGovernance.
func (e *GovernanceError) Is(target error) bool { return target == ErrGovernance }

// CheckOptions configure CheckCertificate. The zero value checks the
// certificate on its own, at no particular time.
type CheckOptions struct {
	// Country, when set, is the country the certificate must belong to
	// (subject C), such as the country being onboarded or uploading.
	Country string
	// Now, when set, is the time at which the certificate must be valid.
	Now time.Time
}

// CheckCertificate checks cert against the DCC / GDHCN certificate
// governance for role and returns nil or a *GovernanceError listing every
// violation (never just the first). Issuer is the certificate that issued
// cert: for a document signer, its CSCA (required: without it the
// signer's chain, nesting and country cannot be checked, which is itself a
// violation); for the other roles, nil (self-signed, or issued by a CA
// outside ITHC's view) or the issuing CA. The checks:
//
//   - all roles: X.509 v3; positive serial of at most 20 bytes; signature
//     ECDSA, RSA (PSS or PKCS#1 v1.5) or Ed25519 with SHA-256/384/512;
//     subject with one C (ISO 3166-1 alpha-2, equal to opts.Country when
//     set), an O and a CN; validity not inverted (and covering opts.Now
//     when set); no unknown critical extension; the issuer's name,
//     signature and key identifier, or the self-signature of a
//     self-issued certificate.
//   - keys: ECDSA on a named curve only — explicit EC parameters are
//     refused even where Go's parser would refuse the certificate anyway
//     (CheckCertificateDER reports them for such DER); RSA public
//     exponent at least 65537. CSCA, upload and TLS: P-256, P-384 or
//     P-521, or RSA of at least 3072 bits (the governance's "3000 bits").
//     Document signer: P-256 or P-384, RSA of at least 2048 bits (the DCC
//     allows 2048 to 3072 for document signers; ITHC generates 3072), or
//     Ed25519 (what ITHC verifiers accept).
//   - key usage: the governance lists the usages each role needs "at
//     minimum", so other usages are tolerated, except keyCertSign and
//     cRLSign outside the CSCA.
//   - CSCA: basic constraints CA:TRUE, path length 0, critical; key usage
//     keyCertSign and cRLSign; no extended key usage; a subject key
//     identifier.
//   - document signer: not a CA; key usage digitalSignature; extended key
//     usage, if any, only the current DCC OIDs (the legacy
//     1.3.6.1.4.1.0.1847.2021.1.x arc is accepted when verifying codes, not
//     for new signers); issued by the CSCA with the authority key
//     identifier matching the CSCA's subject key identifier; same country;
//     validity inside the CSCA's.
//   - upload: not a CA; key usage digitalSignature (keyCertSign tolerated
//     on a self-signed certificate, as the governance suggests for
//     OpenSSL's sake); no health key-usage OID.
//   - TLS: as upload, with the extended key usage clientAuth (serverAuth
//     tolerated).
//
// An unknown role or a nil certificate is a plain error.
func CheckCertificate(cert *x509.Certificate, role Role, issuer *x509.Certificate, opts CheckOptions) error {
	if cert == nil {
		return errors.New("trust: check: nil certificate")
	}
	if !role.valid() {
		return fmt.Errorf("trust: check: unknown role %q", role)
	}
	c := &checker{cert: cert, role: role, issuer: issuer, opts: opts}
	c.run()
	if len(c.vs) == 0 {
		return nil
	}
	return &GovernanceError{Role: role, Subject: cert.Subject.String(), Violations: c.vs}
}

// CheckCertificateDER parses der, a certificate of at most
// limits.MaxCertificateDER bytes, and checks it as CheckCertificate does.
// A certificate Go's parser refuses is a *GovernanceError with a parse
// violation, plus whatever the raw subject public key shows (such as
// explicit EC parameters, which make the parser fail). The certificate is
// returned only when there is no error.
func CheckCertificateDER(der []byte, role Role, issuer *x509.Certificate, opts CheckOptions) (*x509.Certificate, error) {
	if len(der) > limits.MaxCertificateDER {
		return nil, fmt.Errorf("%w: certificate of %d bytes (at most %d)", ErrTooLarge, len(der), limits.MaxCertificateDER)
	}
	if !role.valid() {
		return nil, fmt.Errorf("trust: check: unknown role %q", role)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		ge := &GovernanceError{Role: role}
		var vs []Violation
		if subject, spki, ok := rawSubjectAndSPKI(der); ok {
			ge.Subject = subject
			vs = checkSPKI(role, spki)
		}
		ge.Violations = append(vs, Violation{RuleParse, strings.TrimPrefix(err.Error(), "x509: ")})
		return nil, ge
	}
	if err := CheckCertificate(cert, role, issuer, opts); err != nil {
		return nil, err
	}
	return cert, nil
}

// InferRole guesses the role of a certificate from its extensions: a CA is
// a CSCA; clientAuth makes a TLS certificate; health key-usage OIDs make a
// document signer; another self-issued certificate is an upload
// certificate; anything else a document signer.
func InferRole(cert *x509.Certificate) Role {
	switch {
	case cert.BasicConstraintsValid && cert.IsCA:
		return RoleCSCA
	case hasExtKeyUsage(cert, x509.ExtKeyUsageClientAuth):
		return RoleTLS
	case UsageFromCertificate(cert) != 0:
		return RoleDSC
	case bytes.Equal(cert.RawIssuer, cert.RawSubject):
		return RoleUpload
	}
	return RoleDSC
}

// checker accumulates the violations of one certificate.
type checker struct {
	cert   *x509.Certificate
	role   Role
	issuer *x509.Certificate
	opts   CheckOptions
	vs     []Violation
}

func (c *checker) add(rule, format string, args ...any) {
	c.vs = append(c.vs, Violation{Rule: rule, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) run() {
	cert := c.cert
	if cert.Version != 3 {
		c.add(RuleVersion, "version %d (want 3)", cert.Version)
	}
	if cert.SerialNumber == nil || cert.SerialNumber.Sign() <= 0 {
		c.add(RuleSerial, "serial number is not positive")
	} else if b := cert.SerialNumber.Bytes(); len(b) > 20 || (len(b) == 20 && b[0]&0x80 != 0) {
		// DER adds a zero byte before a magnitude whose top bit is set.
		c.add(RuleSerial, "serial number longer than 20 bytes (RFC 5280)")
	}
	switch cert.SignatureAlgorithm {
	case x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS,
		x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA, x509.PureEd25519:
	default:
		c.add(RuleSignatureAlgorithm, "signature algorithm %v (want ECDSA, RSA or Ed25519 with SHA-256 or stronger)", cert.SignatureAlgorithm)
	}
	c.vs = append(c.vs, checkSPKI(c.role, cert.RawSubjectPublicKeyInfo)...)
	c.subject()
	c.issuedBy()
	c.validity()
	c.basicConstraints()
	c.keyUsage()
	c.extKeyUsage()
	if len(cert.UnhandledCriticalExtensions) > 0 {
		c.add(RuleCriticalExtension, "unknown critical extensions %v", cert.UnhandledCriticalExtensions)
	}
}

func (c *checker) subject() {
	s := c.cert.Subject
	country := ""
	switch len(s.Country) {
	case 0:
		c.add(RuleSubject, "no country (C) attribute")
	case 1:
		if cc, err := normaliseCountry(s.Country[0]); err != nil || cc != s.Country[0] {
			c.add(RuleSubject, "country %q is not an upper-case ISO 3166-1 alpha-2 code", s.Country[0])
		} else {
			country = cc
		}
	default:
		c.add(RuleSubject, "%d country (C) attributes (want one)", len(s.Country))
	}
	if strings.TrimSpace(s.CommonName) == "" {
		c.add(RuleSubject, "no common name (CN)")
	}
	if len(s.Organization) == 0 || strings.TrimSpace(s.Organization[0]) == "" {
		c.add(RuleSubject, "no organisation (O)")
	}
	if c.opts.Country != "" && country != "" {
		want, err := normaliseCountry(c.opts.Country)
		if err != nil || country != want {
			c.add(RuleCountry, "country %s, expected %s", country, c.opts.Country)
		}
	}
	if c.role == RoleDSC && c.issuer != nil && country != "" {
		if ic := c.issuer.Subject.Country; len(ic) != 1 || ic[0] != country {
			c.add(RuleCountry, "country %s differs from the csca's %v", country, ic)
		}
	}
}

func (c *checker) issuedBy() {
	cert, issuer := c.cert, c.issuer
	if issuer == nil {
		switch {
		case c.role == RoleDSC:
			c.add(RuleIssuer, "a document signer is checked against the CSCA that issued it, and none was given")
		case bytes.Equal(cert.RawIssuer, cert.RawSubject):
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
				c.add(RuleIssuer, "the self-signature does not verify: %v", err)
			}
		}
		if c.role == RoleCSCA && len(cert.SubjectKeyId) == 0 {
			c.add(RuleKeyIdentifier, "a CSCA must carry a subject key identifier")
		}
		return
	}
	if !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
		c.add(RuleIssuer, "issuer %q is not the subject of the given issuer %q", cert.Issuer.String(), issuer.Subject.String())
	} else if err := cert.CheckSignatureFrom(issuer); err != nil {
		c.add(RuleIssuer, "signature by %q: %v", issuer.Subject.String(), err)
	}
	if len(issuer.SubjectKeyId) > 0 && !bytes.Equal(cert.AuthorityKeyId, issuer.SubjectKeyId) {
		if len(cert.AuthorityKeyId) == 0 {
			c.add(RuleKeyIdentifier, "no authority key identifier (want the issuer's subject key identifier %x)", issuer.SubjectKeyId)
		} else {
			c.add(RuleKeyIdentifier, "authority key identifier %x is not the issuer's subject key identifier %x", cert.AuthorityKeyId, issuer.SubjectKeyId)
		}
	}
	if c.role == RoleCSCA && len(cert.SubjectKeyId) == 0 {
		c.add(RuleKeyIdentifier, "a CSCA must carry a subject key identifier")
	}
}

func (c *checker) validity() {
	cert := c.cert
	nb, na := cert.NotBefore.UTC(), cert.NotAfter.UTC()
	if !na.After(nb) {
		c.add(RuleValidity, "validity is inverted or empty: not before %s, not after %s", nb.Format(timeLayout), na.Format(timeLayout))
	}
	if now := c.opts.Now; !now.IsZero() {
		switch {
		case now.Before(nb):
			c.add(RuleValidity, "not yet valid at %s (valid from %s)", now.UTC().Format(timeLayout), nb.Format(timeLayout))
		case now.After(na):
			c.add(RuleValidity, "expired at %s (valid until %s)", now.UTC().Format(timeLayout), na.Format(timeLayout))
		}
	}
	if c.role == RoleDSC && c.issuer != nil {
		inb, ina := c.issuer.NotBefore.UTC(), c.issuer.NotAfter.UTC()
		if nb.Before(inb) || na.After(ina) {
			c.add(RuleValidity, "validity %s to %s is not inside the csca's %s to %s",
				nb.Format(timeLayout), na.Format(timeLayout), inb.Format(timeLayout), ina.Format(timeLayout))
		}
	}
}

var (
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
)

func extension(cert *x509.Certificate, oid asn1.ObjectIdentifier) (pkix.Extension, bool) {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oid) {
			return e, true
		}
	}
	return pkix.Extension{}, false
}

func (c *checker) basicConstraints() {
	cert := c.cert
	if c.role != RoleCSCA {
		if cert.BasicConstraintsValid && cert.IsCA {
			c.add(RuleBasicConstraints, "a %s certificate must not be a CA (basic constraints CA:TRUE)", c.role)
		}
		return
	}
	ext, ok := extension(cert, oidExtBasicConstraints)
	switch {
	case !ok || !cert.BasicConstraintsValid:
		c.add(RuleBasicConstraints, "no basic constraints (want CA:TRUE, path length 0)")
		return
	case !cert.IsCA:
		c.add(RuleBasicConstraints, "CA:FALSE (a CSCA must be a CA)")
		return
	case !ext.Critical:
		c.add(RuleBasicConstraints, "basic constraints not marked critical (RFC 5280 requires it for a CA)")
	}
	switch {
	case cert.MaxPathLen == 0 && cert.MaxPathLenZero:
	case cert.MaxPathLen < 0 || (cert.MaxPathLen == 0 && !cert.MaxPathLenZero):
		c.add(RuleBasicConstraints, "no path length constraint (want 0: a CSCA issues document signers, not CAs)")
	default:
		c.add(RuleBasicConstraints, "path length %d (want 0: a CSCA issues document signers, not CAs)", cert.MaxPathLen)
	}
}

// keyUsageNames are the names RFC 5280 gives the key usage bits.
var keyUsageNames = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "contentCommitment"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

func keyUsageString(u x509.KeyUsage) string {
	var names []string
	for _, n := range keyUsageNames {
		if u&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

func (c *checker) keyUsage() {
	cert := c.cert
	if _, ok := extension(cert, oidExtKeyUsage); !ok {
		c.add(RuleKeyUsage, "no key usage extension")
		return
	}
	required := x509.KeyUsageDigitalSignature
	// The governance lists the usages each role needs "at minimum", so
	// others are tolerated, except those that would let a certificate
	// other than the CSCA act as a CA.
	forbidden := x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	switch c.role {
	case RoleCSCA:
		required, forbidden = x509.KeyUsageCertSign|x509.KeyUsageCRLSign, 0
	case RoleUpload, RoleTLS:
		if c.issuer == nil && bytes.Equal(cert.RawIssuer, cert.RawSubject) {
			// The governance suggests keyCertSign on self-signed upload
			// and TLS certificates so that OpenSSL checks their
			// self-signature.
			forbidden &^= x509.KeyUsageCertSign
		}
	}
	if missing := required &^ cert.KeyUsage; missing != 0 {
		c.add(RuleKeyUsage, "key usage lacks %s, which a %s certificate needs", keyUsageString(missing), c.role)
	}
	if extra := cert.KeyUsage & forbidden; extra != 0 {
		c.add(RuleKeyUsage, "key usage %s would let a %s certificate act as a CA", keyUsageString(extra), c.role)
	}
}

var extKeyUsageNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "anyExtendedKeyUsage",
	x509.ExtKeyUsageServerAuth:      "serverAuth",
	x509.ExtKeyUsageClientAuth:      "clientAuth",
	x509.ExtKeyUsageCodeSigning:     "codeSigning",
	x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping:    "timeStamping",
	x509.ExtKeyUsageOCSPSigning:     "OCSPSigning",
}

func extKeyUsageName(u x509.ExtKeyUsage) string {
	if n, ok := extKeyUsageNames[u]; ok {
		return n
	}
	return fmt.Sprintf("extended key usage #%d", int(u))
}

func hasExtKeyUsage(cert *x509.Certificate, u x509.ExtKeyUsage) bool {
	for _, e := range cert.ExtKeyUsage {
		if e == u {
			return true
		}
	}
	return false
}

func isHealthOID(oid asn1.ObjectIdentifier) bool {
	for _, h := range []asn1.ObjectIdentifier{OIDTest, OIDVaccination, OIDRecovery, OIDLegacyTest, OIDLegacyVaccination, OIDLegacyRecovery} {
		if oid.Equal(h) {
			return true
		}
	}
	return false
}

func (c *checker) extKeyUsage() {
	cert := c.cert
	switch c.role {
	case RoleCSCA:
		if len(cert.ExtKeyUsage)+len(cert.UnknownExtKeyUsage) > 0 {
			c.add(RuleExtKeyUsage, "a CSCA carries no extended key usage (it would restrict or confuse the document signers it issues)")
		}
	case RoleDSC:
		for _, u := range cert.ExtKeyUsage {
			c.add(RuleExtKeyUsage, "%s is not for a document signer (only the DCC key-usage OIDs are)", extKeyUsageName(u))
		}
		for _, oid := range cert.UnknownExtKeyUsage {
			switch {
			case oid.Equal(OIDTest), oid.Equal(OIDVaccination), oid.Equal(OIDRecovery):
			case isHealthOID(oid):
				c.add(RuleExtKeyUsage, "%v is the legacy DCC arc, read when verifying but not for new signers (use 1.3.6.1.4.1.1847.2021.1.x)", oid)
			default:
				c.add(RuleExtKeyUsage, "%v is not a DCC key-usage OID", oid)
			}
		}
	case RoleUpload, RoleTLS:
		if c.role == RoleTLS && !hasExtKeyUsage(cert, x509.ExtKeyUsageClientAuth) {
			c.add(RuleExtKeyUsage, "no clientAuth extended key usage, which a TLS client certificate needs")
		}
		if hasExtKeyUsage(cert, x509.ExtKeyUsageAny) {
			c.add(RuleExtKeyUsage, "anyExtendedKeyUsage would let a %s certificate act in every role", c.role)
		}
		for _, oid := range cert.UnknownExtKeyUsage {
			if isHealthOID(oid) {
				c.add(RuleExtKeyUsage, "health key-usage OID %v makes a %s certificate look like a document signer", oid, c.role)
			}
		}
	}
}

// The subject public key algorithms and named curves the governance knows.
var (
	oidPublicKeyEC      = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPublicKeyRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidPublicKeyRSAPSS  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidPublicKeyEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidCurveP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidCurveP384        = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidCurveP521        = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
)

// checkPublicKeyForRole applies the key rules of role to pub.
func checkPublicKeyForRole(role Role, pub crypto.PublicKey) []Violation {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return []Violation{{RuleKeyAlgorithm, fmt.Sprintf("%T keys are not supported", pub)}}
	}
	return checkSPKI(role, der)
}

// checkSPKI applies the key rules of role to a DER SubjectPublicKeyInfo,
// looking at the raw encoding first: the named-curve rule is about the
// encoding, which a parsed key no longer shows.
func checkSPKI(role Role, spki []byte) []Violation {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(spki, &info); err != nil || len(rest) > 0 {
		return []Violation{{RuleKeyAlgorithm, "the subject public key info does not parse"}}
	}
	alg, params := info.Algorithm.Algorithm, info.Algorithm.Parameters
	isDSC := role == RoleDSC
	switch {
	case alg.Equal(oidPublicKeyEC):
		switch {
		case len(params.FullBytes) == 0:
			return []Violation{{RuleECExplicitParameters, "EC key without parameters (want a named curve)"}}
		case params.Class == asn1.ClassUniversal && params.Tag == asn1.TagSequence:
			return []Violation{{RuleECExplicitParameters, "EC key with explicit domain parameters (want a named curve: P-256, P-384 or P-521)"}}
		case params.Class == asn1.ClassUniversal && params.Tag == asn1.TagNull:
			return []Violation{{RuleECExplicitParameters, "EC key with implicitlyCA parameters (want a named curve)"}}
		case params.Class != asn1.ClassUniversal || params.Tag != asn1.TagOID:
			return []Violation{{RuleECExplicitParameters, "EC key parameters are neither a named curve nor explicit parameters"}}
		}
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(params.FullBytes, &curve); err != nil {
			return []Violation{{RuleECCurve, "EC named curve does not parse"}}
		}
		switch {
		case curve.Equal(oidCurveP256), curve.Equal(oidCurveP384):
		case curve.Equal(oidCurveP521) && !isDSC:
		case curve.Equal(oidCurveP521):
			return []Violation{{RuleECCurve, "curve P-521 is not for a document signer (want P-256, or P-384)"}}
		default:
			want := "P-256, P-384 or P-521"
			if isDSC {
				want = "P-256 or P-384"
			}
			return []Violation{{RuleECCurve, fmt.Sprintf("curve %v (want %s)", curve, want)}}
		}
		if _, err := x509.ParsePKIXPublicKey(spki); err != nil {
			return []Violation{{RuleKeyAlgorithm, fmt.Sprintf("EC public key does not parse: %v", strings.TrimPrefix(err.Error(), "x509: "))}}
		}
		return nil
	case alg.Equal(oidPublicKeyRSA):
		pub, err := x509.ParsePKIXPublicKey(spki)
		if err != nil {
			return []Violation{{RuleKeyAlgorithm, fmt.Sprintf("RSA public key does not parse: %v", strings.TrimPrefix(err.Error(), "x509: "))}}
		}
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return []Violation{{RuleKeyAlgorithm, "RSA public key does not parse"}}
		}
		var vs []Violation
		minBits := 3072
		if isDSC {
			minBits = 2048
		}
		if bits := k.N.BitLen(); bits < minBits {
			vs = append(vs, Violation{RuleKeySize, fmt.Sprintf("RSA key of %d bits (a %s key needs at least %d)", bits, role, minBits)})
		}
		if k.E < 65537 {
			vs = append(vs, Violation{RuleKeySize, fmt.Sprintf("RSA public exponent %d (want at least 65537)", k.E)})
		}
		return vs
	case alg.Equal(oidPublicKeyRSAPSS):
		return []Violation{{RuleKeyAlgorithm, "RSASSA-PSS subject public key (id-RSASSA-PSS) is not supported: use an rsaEncryption key, which still signs with PSS"}}
	case alg.Equal(oidPublicKeyEd25519):
		if !isDSC {
			return []Violation{{RuleKeyAlgorithm, fmt.Sprintf("Ed25519 is not for a %s key (want ECDSA or RSA)", role)}}
		}
		if len(info.PublicKey.Bytes) != ed25519.PublicKeySize || info.PublicKey.BitLength != 8*ed25519.PublicKeySize {
			return []Violation{{RuleKeyAlgorithm, "Ed25519 public key of the wrong length"}}
		}
		return nil
	}
	return []Violation{{RuleKeyAlgorithm, fmt.Sprintf("public key algorithm %v (want ECDSA or RSA)", alg)}}
}

// rawSubjectAndSPKI digs the subject and the subject public key info out of
// certificate DER that x509.ParseCertificate refused.
func rawSubjectAndSPKI(der []byte) (subject string, spki []byte, ok bool) {
	var cert struct {
		TBS struct {
			Version   int `asn1:"optional,explicit,default:0,tag:0"`
			Serial    asn1.RawValue
			SigAlg    asn1.RawValue
			Issuer    asn1.RawValue
			Validity  asn1.RawValue
			Subject   asn1.RawValue
			PublicKey asn1.RawValue
		}
		SigAlg    asn1.RawValue
		Signature asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) > 0 {
		return "", nil, false
	}
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(cert.TBS.Subject.FullBytes, &rdn); err == nil && len(rest) == 0 {
		var name pkix.Name
		name.FillFromRDNSequence(&rdn)
		subject = name.String()
	}
	return subject, cert.TBS.PublicKey.FullBytes, len(cert.TBS.PublicKey.FullBytes) > 0
}
