package vdsnc

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/ithc/ithc/healthcert"
)

// Status is the outcome of Verify. The values are those of package
// verify's vocabulary (DESIGN.md), so that verify.Status(s) converts.
type Status string

// The statuses Verify returns.
const (
	StatusVerified             Status = "verified"
	StatusInvalidEncoding      Status = "invalid_encoding"
	StatusInvalidSigningFormat Status = "invalid_signing_format"
	StatusKIDNotIncluded       Status = "kid_not_included"
	StatusIssuerNotTrusted     Status = "issuer_not_trusted"
	StatusInvalidSignature     Status = "invalid_signature"
	StatusKeyUsageMismatch     Status = "key_usage_mismatch"
	StatusExpiredKeys          Status = "expired_keys"
	StatusNotYetValid          Status = "not_yet_valid"
)

// Stage names the verification stage that failed.
type Stage string

// The stages, in the order Verify runs them.
const (
	// StageJSON reads the JSON (invalid_encoding).
	StageJSON Stage = "json"
	// StageSeal reads data.hdr and sig (invalid_signing_format;
	// kid_not_included without a signer certificate).
	StageSeal Stage = "seal"
	// StageSigner parses the signer certificate (invalid_signing_format).
	StageSigner Stage = "signer"
	// StageSignature checks sigvl with the signer's key
	// (invalid_signature).
	StageSignature Stage = "signature"
	// StageKeyUsage checks the signer certificate's extended key usage and
	// document types (key_usage_mismatch).
	StageKeyUsage Stage = "key_usage"
	// StageChain finds the issuing state's CSCA that issued the signer
	// (issuer_not_trusted, expired_keys for an expired CSCA).
	StageChain Stage = "chain"
	// StageSchema checks data.msg (invalid_signing_format).
	StageSchema Stage = "schema"
	// StageValidity checks the signer's validity window and a test
	// report's time (expired_keys, not_yet_valid).
	StageValidity Stage = "validity"
	// StageDone is the stage of a verified seal.
	StageDone Stage = "done"
)

// Error is a verification failure: its status, stage and a technical
// detail naming the field or check.
type Error struct {
	Status Status
	Stage  Stage
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("vdsnc: %s at stage %s: %s", e.Status, e.Stage, e.Detail)
}

func fail(status Status, stage Stage, format string, args ...any) *Error {
	return &Error{Status: status, Stage: stage, Detail: fmt.Sprintf(format, args...)}
}

// Anchors is the trust material of Verify: the CSCAs (and any signer
// certificate trusted as it is). *CSCAPool implements it.
type Anchors interface {
	// Issuers returns the trusted certificates that may have issued cert:
	// those whose subject is cert's issuer or whose key identifier is
	// cert's authority key identifier, and cert itself when it is trusted
	// as it is. The caller checks signatures, validity and country.
	Issuers(cert *x509.Certificate) []*x509.Certificate
}

// Options configure Verify. The zero value verifies at the current time,
// without clock skew, accepting a signer certificate that carries neither
// VDS-NC extension (with a warning).
type Options struct {
	// Now is the verification time; zero means time.Now().
	Now time.Time
	// ClockSkew is the tolerance of every time comparison.
	ClockSkew time.Duration
	// RequireExtensions refuses a signer certificate without the VDS-NC
	// extended key usage or without the document type list, as the ICAO
	// certificate profile requires. By default a certificate that lacks
	// one is accepted with a warning (the published test signer is an
	// X.509 v1 certificate, without extensions); one that carries them
	// must allow the seal's type either way.
	RequireExtensions bool
	// SkipChainUnsafe checks the signature with the certificate the seal
	// carries without chaining it to a CSCA: anyone can make such a seal.
	// For conformance runs and inspection only; Verify warns.
	SkipChainUnsafe bool
}

// Result is the outcome of Verify. Fields are set as far as verification
// got: read them only together with Status.
type Result struct {
	Status Status `json:"status"`
	// Stage is the stage that failed, or StageDone.
	Stage Stage `json:"stage"`
	// Detail is the technical cause of a failure.
	Detail string `json:"detail,omitempty"`
	// Type is the seal type (data.hdr.t) and IssuingState data.hdr.is.
	Type         string `json:"type,omitempty"`
	IssuingState string `json:"issuing_state,omitempty"`
	// Seal is the parsed seal; its message is set once the schema stage
	// passed.
	Seal *Seal `json:"-"`
	// Signer is the signer certificate of the seal, once parsed.
	Signer *x509.Certificate `json:"-"`
	// CSCA is the trusted certificate that issued the signer (the signer
	// itself when trusted as it is); nil when the chain was not checked.
	CSCA *x509.Certificate `json:"-"`
	// Certificate is the seal in the ITHC model (Content.Certificate),
	// when it maps.
	Certificate *healthcert.Certificate `json:"-"`
	// Warnings list what is tolerated but irregular, and why the seal has
	// no ITHC form when it has none.
	Warnings []string `json:"warnings,omitempty"`
	// Notes list what the ITHC form of the seal leaves out.
	Notes []string `json:"notes,omitempty"`
}

// Err returns the result as an *Error, or nil when verified.
func (r *Result) Err() error {
	if r.Status == StatusVerified {
		return nil
	}
	return &Error{Status: r.Status, Stage: r.Stage, Detail: r.Detail}
}

// asError returns err as an *Error, invalid_signing_format at stage when
// it is none.
func asError(err error, stage Stage) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return fail(StatusInvalidSigningFormat, stage, "%v", err)
}

func (r *Result) set(err *Error) *Result {
	r.Status, r.Stage, r.Detail = err.Status, err.Stage, err.Detail
	return r
}

// Verify verifies a seal given as its JSON text. It runs the stages in
// the order of the Stage constants: the JSON; the header and signature
// fields; the signer certificate from cer; the signature over the RFC 8785
// canonical form of data; the signer's extended key usage and document
// types against the seal type; the chain of the signer to a CSCA of
// anchors whose country is the seal's issuing state (skipped with
// Options.SkipChainUnsafe), the CSCA being valid at Options.Now; the
// message; and the validity window of the signer at Options.Now (a seal
// carries no signing time), and for a test seal that its report was not
// issued in the future.
//
// The result always holds a status. The seal in the ITHC model is given
// once the message passed the schema stage, when its content maps (see
// Content.Certificate): read it only together with the status.
func Verify(text []byte, anchors Anchors, opts Options) *Result {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	r := &Result{}
	env, err := parseEnvelope(text)
	if err != nil {
		return r.set(asError(err, StageSeal))
	}
	seal := env.seal
	r.Seal, r.Type, r.IssuingState = seal, seal.Header.Type, seal.Header.IssuingState

	cert, err := x509.ParseCertificate(seal.Signature.Certificate)
	if err != nil {
		return r.set(fail(StatusInvalidSigningFormat, StageSigner, "sig.cer: %v", err))
	}
	r.Signer = cert
	if err := verifySignature(seal.Signature.Algorithm, cert.PublicKey, seal.Signed, seal.Signature.Value); err != nil {
		return r.set(fail(StatusInvalidSignature, StageSignature, "%v", strings.TrimPrefix(err.Error(), "vdsnc: ")))
	}
	warnings, err := checkKeyUsage(cert, seal.Header.Type, opts.RequireExtensions)
	r.Warnings = append(r.Warnings, warnings...)
	if err != nil {
		return r.set(fail(StatusKeyUsageMismatch, StageKeyUsage, "%v", err))
	}

	if opts.SkipChainUnsafe {
		r.Warnings = append(r.Warnings, "the signer certificate was not chained to a CSCA (SkipChainUnsafe): anyone can make such a seal")
		if w := countryMismatch(cert, seal.Header.IssuingState); w != "" {
			r.Warnings = append(r.Warnings, w)
		}
	} else {
		csca, err := checkChain(cert, anchors, seal.Header.IssuingState, now, opts.ClockSkew)
		if err != nil {
			return r.set(err)
		}
		r.CSCA = csca
	}

	if err := decodeMessage(env.msg, &seal.Content); err != nil {
		return r.set(asError(err, StageSchema))
	}
	// The ITHC form, for display, also when the validity stage fails.
	if c, notes, err := seal.Content.Certificate(); err != nil {
		r.Warnings = append(r.Warnings, "the seal has no ITHC form: "+strings.TrimPrefix(err.Error(), "vdsnc: "))
	} else {
		r.Certificate, r.Notes = c, notes
	}
	if err := checkValidity(cert, seal, now, opts.ClockSkew); err != nil {
		return r.set(err)
	}
	r.Status, r.Stage = StatusVerified, StageDone
	return r
}

// checkValidity checks the signer's validity window at now, and that a
// test report was not issued after now.
func checkValidity(cert *x509.Certificate, s *Seal, now time.Time, skew time.Duration) *Error {
	switch nb, na := cert.NotBefore, cert.NotAfter; {
	case now.Before(nb.Add(-skew)):
		return fail(StatusExpiredKeys, StageValidity, "signer certificate valid from %s, after now %s", stamp(nb), stamp(now))
	case now.After(na.Add(skew)):
		return fail(StatusExpiredKeys, StageValidity, "signer certificate expired at %s, before now %s", stamp(na), stamp(now))
	}
	if t := s.Test; t != nil && t.ReportTime.After(now.Add(skew)) {
		return fail(StatusNotYetValid, StageValidity, "test report issued at %s, after now %s", stamp(t.ReportTime), stamp(now))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
