package shc

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ithc/ithc/healthcert"
)

// Options configure Verify. The zero value verifies at the current time
// with no clock skew, any issuer the resolver knows, the bundle read
// leniently, and a future nbf reported as a warning.
type Options struct {
	// Now is the verification time; zero means time.Now() at each call.
	Now time.Time
	// ClockSkew is the tolerance applied to nbf, exp and certificate
	// validity.
	ClockSkew time.Duration
	// Directory, when set, lists the trusted issuers: a card whose iss is
	// not listed is refused (issuer_not_trusted), whatever keys the
	// resolver has.
	Directory *Directory
	// Bundle is how the FHIR bundle's recommendations are treated
	// (Lenient: warnings; Strict: errors, as the specification's
	// validator does).
	Bundle Strictness
	// RejectFutureIssuance refuses a card whose nbf (its issuance time) is
	// after Now+ClockSkew with not_yet_valid, as package verify treats an
	// HCERT issued in the future. By default such a card is accepted with
	// a warning (NOT_YET_VALID), as the specification's validator does: a
	// card has no start of validity, only an issuance date, and the
	// specification's own examples were issued after their x5c
	// certificate expired.
	RejectFutureIssuance bool
}

// Result is the outcome of a verification. It marshals to JSON.
type Result struct {
	Status Status `json:"status"`
	// Stage is the stage that failed, or StageDone.
	Stage Stage `json:"stage"`
	// Code is the finding code of the failure, in the SMART validator's
	// vocabulary; empty when verified.
	Code string `json:"code,omitempty"`
	// Detail is the technical cause.
	Detail string `json:"detail,omitempty"`
	// Format is "shc".
	Format string `json:"format"`
	// Issuer is the payload's iss, IssuerName its name in the trust
	// directory or store when known.
	Issuer     string `json:"issuer,omitempty"`
	IssuerName string `json:"issuer_name,omitempty"`
	// KID is the signing key's thumbprint.
	KID string `json:"kid,omitempty"`
	// IssuedAt is nbf; ExpiresAt exp, when the card has one.
	IssuedAt  *time.Time `json:"issued_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Types are the credential types (vc.type).
	Types []string `json:"types,omitempty"`
	// Rid is the card's revocation identifier, when present.
	Rid string `json:"rid,omitempty"`
	// Bundle is the FHIR bundle's content, once read.
	Bundle *Bundle `json:"bundle,omitempty"`
	// Certificate is the card mapped into the native model (ToCertificate),
	// when verified.
	Certificate *healthcert.Certificate `json:"certificate,omitempty"`
	// CertificateError is set in the JSON form instead of certificate when
	// the mapped certificate has no JSON form (a date the model cannot
	// hold); the bundle is still given.
	CertificateError string `json:"certificate_error,omitempty"`
	// Warnings are what is tolerated but irregular.
	Warnings []Finding `json:"warnings,omitempty"`
	// JWS is the compact JWS, once decoded from its QR text.
	JWS string `json:"jws,omitempty"`
	// Payload is the decoded payload, once read.
	Payload *Payload `json:"-"`
}

// Err returns the failure as an *Error, or nil when verified.
func (r *Result) Err() error {
	if r.Status == StatusVerified {
		return nil
	}
	return &Error{Status: r.Status, Stage: r.Stage, Code: r.Code, Detail: r.Detail}
}

func (r *Result) fail(err error) *Result {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: StatusInvalidEncoding, Stage: StageJWS, Code: CodeJSONParse, Detail: err.Error()}
	}
	r.Status, r.Stage, r.Code, r.Detail = e.Status, e.Stage, e.Code, e.Detail
	return r
}

// Verify decodes and verifies one SMART Health Card: a QR text
// ("shc:/…") or a compact JWS. A deprecated chunked code goes to
// VerifyChunks. See VerifyJWS for the checks.
func Verify(text string, keys KeyResolver, opts Options) *Result {
	if IsQR(text) {
		return VerifyChunks([]string{text}, keys, opts)
	}
	return VerifyJWS(text, keys, opts, nil)
}

// VerifyChunks decodes the QR texts of a card, one or every chunk of a
// deprecated chunked code in any order (DecodeQR), and verifies it.
func VerifyChunks(chunks []string, keys KeyResolver, opts Options) *Result {
	jws, warnings, err := DecodeQR(chunks...)
	if err != nil {
		return (&Result{Format: "shc", Warnings: warnings}).fail(err)
	}
	return VerifyJWS(jws, keys, opts, warnings)
}

// VerifyJWS verifies a compact JWS, adding its findings to the warnings
// given (those of its QR decoding). In order:
//
//  1. the JWS, its header and payload (ParseJWS, ParsePayload);
//  2. iss is an https URL without a trailing slash (invalid_signing_format);
//  3. iss is in Options.Directory when set, and keys resolves the key of
//     (iss, kid) (issuer_not_trusted);
//  4. the ES256 signature over the signing input as received
//     (invalid_signature);
//  5. the key's x5c chain, when present: valid at Now, chained to its
//     last certificate, the leaf naming iss as a URI subject alternative
//     name (expired_keys when out of its validity, else issuer_not_trusted);
//  6. exp against Now (expired); nbf after Now (a warning, or
//     not_yet_valid with Options.RejectFutureIssuance);
//  7. the rid against the key's revocation list (revoked); a key whose
//     announced list is missing or malformed refuses its cards
//     (issuer_not_trusted, REVOCATION_ERROR);
//  8. the FHIR bundle (ParseBundle), then the mapping to the native model
//     (ToCertificate).
func VerifyJWS(jws string, keys KeyResolver, opts Options, warnings []Finding) *Result {
	r := &Result{Format: "shc", Warnings: append([]Finding(nil), warnings...)}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	j, w, err := ParseJWS(jws)
	r.Warnings = append(r.Warnings, w...)
	if err != nil {
		return r.fail(err)
	}
	r.JWS, r.KID = jws, j.Header.Kid
	p, w, err := ParsePayload(j.Payload)
	r.Warnings = append(r.Warnings, w...)
	if err != nil {
		return r.fail(err)
	}
	r.setPayload(p)
	issued := p.NBF.Time()
	if err := checkIssuerURL(p.Iss); err != nil {
		return r.fail(fail(StatusInvalidSigningFormat, StagePayload, CodeInvalidIssuerURL, "%v", err))
	}
	if opts.Directory != nil {
		name, ok := opts.Directory.Lookup(p.Iss)
		if !ok {
			return r.fail(fail(StatusIssuerNotTrusted, StageKey, CodeIssuerNotTrusted, "issuer %q is not in the trusted directory", p.Iss))
		}
		r.IssuerName = name
	}
	if keys == nil {
		return r.fail(fail(StatusIssuerNotTrusted, StageKey, CodeIssuerNotTrusted, "no issuer keys given"))
	}
	key, err := keys.ResolveKey(p.Iss, j.Header.Kid)
	if err != nil {
		code := CodeIssuerKeyDownload
		switch {
		case errors.Is(err, ErrUnknownIssuer):
			code = CodeIssuerNotTrusted
		case errors.Is(err, ErrUnknownKey):
			code = CodeJWSVerification
		case errors.Is(err, ErrKeyOfOtherIssuer):
			code = CodeIssuerKIDMismatch
		}
		return r.fail(fail(StatusIssuerNotTrusted, StageKey, code, "%v", err))
	}
	if key.IssuerName != "" && r.IssuerName == "" {
		r.IssuerName = key.IssuerName
	}
	if !verifyES256(key.Public, j.SigningInput, j.Signature) {
		return r.fail(fail(StatusInvalidSignature, StageSignature, CodeJWSVerification, "the ES256 signature does not verify with key %s of %q", key.KID, p.Iss))
	}
	if len(key.Chain) > 0 {
		if err := checkChain(key, p.Iss, now, opts.ClockSkew); err != nil {
			return r.fail(err)
		}
	}
	if err := r.checkTimes(p, now, opts); err != nil {
		return r.fail(err)
	}
	if key.CRLErr != nil {
		return r.fail(fail(StatusIssuerNotTrusted, StageRevocation, CodeRevocation, "the revocation status cannot be established: %v", key.CRLErr))
	}
	if key.CRL != nil && p.Rid != "" {
		if revoked, at := key.CRL.Revoked(p.Rid, issued); revoked {
			detail := "rid " + p.Rid + " is on the issuer's revocation list"
			if !at.IsZero() {
				detail += " for cards issued before " + at.Format(time.RFC3339)
			}
			return r.fail(fail(StatusRevoked, StageRevocation, CodeRevoked, "%s", detail))
		}
	}
	return r.checkBundle(p, opts)
}

// checkTimes checks exp and nbf against now.
func (r *Result) checkTimes(p *Payload, now time.Time, opts Options) error {
	issued := p.NBF.Time()
	if p.EXP != 0 && now.After(p.EXP.Time().Add(opts.ClockSkew)) {
		return fail(StatusExpired, StageValidity, CodeExpiration, "the card expired at %s", p.EXP.Time().Format(time.RFC3339))
	}
	if issued.After(now.Add(opts.ClockSkew)) {
		if opts.RejectFutureIssuance {
			return fail(StatusNotYetValid, StageValidity, CodeNotYetValid, "the card is issued at %s, after the verification time %s", issued.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
		r.Warnings = append(r.Warnings, warn(CodeNotYetValid, "the card's issuance time %s is after the verification time %s", issued.Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	}
	return nil
}

// checkBundle reads the bundle and maps it, ending the verification.
func (r *Result) checkBundle(p *Payload, opts Options) *Result {
	var b *Bundle
	var w []Finding
	var err error
	if p.bundle != nil {
		b, w, err = parseBundleTree(p.bundle, p.Bundle, opts.Bundle)
	} else {
		b, w, err = ParseBundle(p.Bundle, opts.Bundle)
	}
	r.Warnings = append(r.Warnings, w...)
	if err != nil {
		return r.fail(err)
	}
	r.Bundle = b
	cert, w := ToCertificate(p, b, r.IssuerName)
	r.Warnings = append(r.Warnings, w...)
	r.Certificate = cert
	r.Status, r.Stage = StatusVerified, StageDone
	return r
}

// CheckPayload checks an unsigned card payload, as an issuer does before
// signing or a validator given the payload alone: every check of
// VerifyJWS but the JWS, the key, the signature and revocation. A
// verified result says the payload would make a valid card, not that any
// card is authentic.
func CheckPayload(payload []byte, opts Options) *Result {
	r := &Result{Format: "shc"}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	p, w, err := ParsePayload(payload)
	r.Warnings = append(r.Warnings, w...)
	if err != nil {
		return r.fail(err)
	}
	r.setPayload(p)
	if err := checkIssuerURL(p.Iss); err != nil {
		return r.fail(fail(StatusInvalidSigningFormat, StagePayload, CodeInvalidIssuerURL, "%v", err))
	}
	if opts.Directory != nil {
		name, ok := opts.Directory.Lookup(p.Iss)
		if !ok {
			return r.fail(fail(StatusIssuerNotTrusted, StageKey, CodeIssuerNotTrusted, "issuer %q is not in the trusted directory", p.Iss))
		}
		r.IssuerName = name
	}
	if err := r.checkTimes(p, now, opts); err != nil {
		return r.fail(err)
	}
	return r.checkBundle(p, opts)
}

func (r *Result) setPayload(p *Payload) {
	r.Payload = p
	r.Issuer, r.Types, r.Rid = p.Iss, p.Types, p.Rid
	issued := p.NBF.Time()
	r.IssuedAt = &issued
	if p.EXP != 0 {
		exp := p.EXP.Time()
		r.ExpiresAt = &exp
	}
}

// verifyES256 checks a raw r‖s ES256 signature over input.
func verifyES256(pub *ecdsa.PublicKey, input string, sig []byte) bool {
	if pub == nil || len(sig) != 64 {
		return false
	}
	digest := sha256.Sum256([]byte(input))
	rr := new(big.Int).SetBytes(sig[:32])
	ss := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest[:], rr, ss)
}

// checkChain checks a key's x5c chain at now: the leaf chains to the
// last certificate, which the JWK set brings as its anchor, and names iss.
func checkChain(key *Key, iss string, now time.Time, skew time.Duration) error {
	leaf := key.Chain[0]
	for i, c := range key.Chain {
		if now.Add(skew).Before(c.NotBefore) || now.Add(-skew).After(c.NotAfter) {
			return fail(StatusExpiredKeys, StageKey, CodeInvalidKeyX5C, "x5c[%d] %q is valid from %s to %s, not at %s", i, c.Subject.CommonName,
				c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(key.Chain[len(key.Chain)-1])
	inter := x509.NewCertPool()
	if len(key.Chain) > 2 {
		for _, c := range key.Chain[1 : len(key.Chain)-1] {
			inter.AddCert(c)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fail(StatusIssuerNotTrusted, StageKey, CodeInvalidKeyX5C, "the x5c chain of key %s does not verify: %v", key.KID, err)
	}
	names := make([]string, 0, len(leaf.URIs))
	for _, u := range leaf.URIs {
		names = append(names, u.String())
	}
	if !slices.Contains(names, iss) {
		got := "no URI"
		if len(names) > 0 {
			got = strings.Join(names, ", ")
		}
		return fail(StatusIssuerNotTrusted, StageKey, CodeInvalidKeyX5C, "the x5c leaf certificate names %s, not the issuer %q", got, iss)
	}
	return nil
}

// MarshalJSON writes the result. A result always marshals: a certificate
// with no JSON form is left out (see CertificateError).
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	if r.Certificate != nil {
		if _, err := json.Marshal(r.Certificate); err != nil {
			r.Certificate = nil
			r.CertificateError = err.Error()
		}
	}
	return json.Marshal(plain(r))
}
