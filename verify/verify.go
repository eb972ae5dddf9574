// Package verify checks signed health certificate codes offline: it
// decodes a code, finds its signer in the trust material, checks the
// signature, the signer's key usage, the validity window and the payload
// schema, and returns a Result with a status from the ITHC vocabulary
// (DESIGN.md) and reasons in English and Chinese.
//
// Three formats are read, recognised from the content (Detect):
//
//   - HC1 (HCERT, package hc1) carrying an EU DCC payload (EU eHealth
//     Network HCERT and DCC specifications) or the native ITHC payload
//     (docs/format.md): "HC1:…";
//   - SMART Health Cards 1.3 (package shc): "shc:/…" (one code, or the
//     chunks of a chunked code separated by white space), a compact JWS, a
//     .smart-health-card file or a FHIR $health-cards-issue response;
//   - ICAO VDS-NC seals (package vdsnc): a JSON object with data and sig.
//
// Start with NewWithTrust (New for HC1 alone) and Verifier.Verify;
// VerifyAll verifies every card of a file holding several. Each HC1 stage
// is also exported as a Check function (CheckKID, CheckSigners,
// CheckSignature, CheckKeyUsage, CheckValidity, CheckSchema) with exactly
// the logic Verify uses, so that a conformance runner can evaluate one
// stage at a time. docs/formats.md describes detection and the mapping of
// each format.
//
// # Decisions
//
// Detection costs an HC1 code one prefix comparison: "HC1:" is checked
// first and the HC1 path is unchanged. Text of no known format goes to
// the HC1 path, which refuses it at its prefix stage (invalid_encoding),
// as it always has; JSON of no known format is refused at stage detect.
//
// Each format's trust material is optional (Trust). A code of a format
// without it is issuer_not_trusted, with a reason saying that this
// verifier, not the issuer, lacks something, and a detail naming the
// missing source. The stages before the trust lookup still run (for a
// seal they include its signature, checked with the certificate it
// carries before the chain), so a damaged code is still called damaged.
//
// Statuses and stages of SMART Health Cards and seals are those of
// packages shc and vdsnc, which use this vocabulary string for string;
// their stage names (qr, jws, deflate, key, revocation; json, seal, chain)
// appear in Result.Stage as they are. A verified foreign code is mapped
// into the native model (Result.Certificate) so that the same rules and
// display apply; what the native form leaves out is in Result.Notes or
// Result.Warnings.
//
// One policy for a code issued in the future, in every format: an issue
// time after now+skew is not_yet_valid (HC1 iat; SMART nbf, through
// shc.Options.RejectFutureIssuance; a VDS-NC test report's time). A code
// dated after the moment it is checked is either forged, back-dated
// wrongly or checked on a wrong clock, and a border officer should not
// accept it; the skew absorbs clock drift. Package shc alone (and the
// SMART validator) only warns, because nbf is an issuance date rather than
// a start of validity; through this package, SMART example 01 (issued
// after its x5c certificate expired) is refused at every time: not yet
// valid before its nbf, expired_keys after its certificate expired, as an
// HC1 code signed outside its signer's validity is. A VDS-NC vaccination
// seal carries no time at all: only its signer's validity is checked.
//
// Status of each HC1 time violation (CheckValidity), with skew the allowed
// clock skew:
//
//   - iat after now+skew: not_yet_valid (the code claims to be issued in the future);
//   - now after exp+skew: expired;
//   - iat before the signer's notBefore−skew, now or exp after its
//     notAfter+skew, or now before its notBefore−skew: expired_keys (the
//     signing key was not valid for this code).
//
// The code's own window is checked first, so an officer sees "expired"
// rather than a key problem when both apply. A code without iat or exp is
// accepted with a warning: the EU specification requires both, but the
// signature already binds what the issuer wrote.
//
// A payload that fails its schema (DCC: dcc.Payload.Check; native:
// healthcert.Certificate.Validate) gets invalid_signing_format at stage
// schema: the vocabulary has no status of its own for it, and the signed
// content is not in the format the standard requires.
package verify

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/vdsnc"
)

// DefaultClockSkew is the clock-skew allowance of the ithc command and the
// conformance runner: issuers' and verifiers' clocks drift by seconds to
// minutes, and real certificates carry such differences between their
// claims and their signer's validity.
const DefaultClockSkew = 5 * time.Minute

// Options configure a Verifier. The zero value verifies against the
// current time with no clock skew and the embedded value sets.
type Options struct {
	// Now is the verification time; zero means time.Now() at each call of
	// Verify.
	Now time.Time
	// ClockSkew is the tolerance applied to every time comparison.
	ClockSkew time.Duration
	// ValueSets are the code systems of the schema stage; nil means
	// valueset.Default().
	ValueSets *valueset.Sets
	// Country (ISO 3166-1 alpha-2) and Region name the destination whose
	// acceptance rules Rules evaluates; with either unset no rules run.
	Country, Region string
	Rules           RuleEvaluator
	// Revocation, when set, is consulted once the signature verified.
	Revocation RevocationChecker
	// Decrypter, when set, opens encrypted codes (EncryptedPrefix);
	// without it they are decryption_failed.
	Decrypter Decrypter
	// Recognised, when not empty, lists the countries (ISO 3166-1
	// alpha-2) whose HC1 signers this verifier accepts: its country's
	// mutual-recognition decisions. A signer of another country on the
	// trust list is then issuer_not_trusted, saying so. Empty accepts
	// every signer of the trust material.
	Recognised []string
}

// Verifier verifies codes against a trust.Resolver. It is safe for
// concurrent use.
type Verifier struct {
	resolver trust.Resolver
	opts     Options
	info     sync.Map // *trust.Signer → *signerStatic
	// shcKeys and anchors are the trust material of SMART Health Cards
	// and VDS-NC seals (NewWithTrust); nil when not configured.
	shcKeys shc.KeyResolver
	anchors vdsnc.Anchors
}

// New returns a Verifier over resolver, for HC1 codes: codes of other
// formats are refused as issuer_not_trusted, for want of their trust
// material (see NewWithTrust).
func New(resolver trust.Resolver, opts Options) *Verifier {
	if opts.ValueSets == nil {
		opts.ValueSets = valueset.Default()
	}
	return &Verifier{resolver: resolver, opts: opts}
}

// scratches pools the decoding buffers of Verify.
//
// Invariant: nothing reachable from a Result aliases a Scratch. The Code
// that Scratch.Parse returns keeps byte slices into the Scratch (the COSE
// headers, payload and signature), but VerifyCode copies none of them into
// the Result: it takes the DCC payload and the certificates, whose strings
// the hc1 and dcc decoders copy out of the input, the claims (strings and
// times), and text it formats itself. The Code is not used after VerifyCode
// returns, so the Scratch goes back to the pool then.
// TestVerifyConcurrentNoAliasing checks this.
var scratches = sync.Pool{New: func() any { return new(hc1.Scratch) }}

// Verify detects the format of a code (see Detect) and verifies it: an
// HC1 code, a SMART Health Card (QR text, chunks separated by white space,
// compact JWS, or a file or response holding one card; see VerifyAll for
// several) or a VDS-NC seal. Text of no known format is read as HC1, whose
// prefix check refuses it.
func (v *Verifier) Verify(text string) *Result {
	if !strings.HasPrefix(text, hc1.Prefix) {
		if strings.HasPrefix(text, EncryptedPrefix) {
			return v.verifyEncrypted(text)
		}
		if r := v.verifyOther(text); r != nil {
			return r
		}
	}
	s := scratches.Get().(*hc1.Scratch)
	defer scratches.Put(s)
	code, err := s.Parse(text)
	if err != nil {
		return (&Result{Format: "hc1"}).setError(decodeError(err))
	}
	return v.VerifyCode(code)
}

// decodeError maps an hc1 decoding error to a status.
func decodeError(err error) error {
	var he *hc1.Error
	if !errors.As(err, &he) {
		return fail(StatusInvalidEncoding, StagePrefix, "%v", err)
	}
	status := StatusInvalidSigningFormat
	switch he.Stage {
	case hc1.StagePrefix, hc1.StageBase45:
		status = StatusInvalidEncoding
	case hc1.StageZlib:
		status = StatusInvalidCompression
	}
	return &Error{Status: status, Stage: Stage(he.Stage), Detail: err.Error()}
}

// VerifyCode verifies a decoded code.
func (v *Verifier) VerifyCode(code *hc1.Code) *Result {
	now := v.opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	// The Result and its SignerInfo in one allocation.
	block := &struct {
		r  Result
		si SignerInfo
	}{r: Result{Format: "hc1", PayloadKind: string(code.Kind)}}
	r := &block.r
	switch code.Kind {
	case hc1.KindDCC:
		r.DCC = code.DCC
		if c, err := code.DCC.Certificate(); err == nil {
			c.Issuer.Country = code.Claims.Issuer
			c.IssuedAt, c.ExpiresAt = code.Claims.IssuedAt, code.Claims.ExpiresAt
			r.Certificate = c
		} else {
			r.Warnings = append(r.Warnings, "the DCC payload has no ITHC form: "+err.Error())
		}
	case hc1.KindNative:
		r.Certificate = code.Native
	}
	if code.KIDFrom == hc1.HeaderUnprotected {
		r.Warnings = append(r.Warnings, "the kid is in the unprotected header")
	}
	if code.AlgFrom == hc1.HeaderUnprotected {
		r.Warnings = append(r.Warnings, "the algorithm is in the unprotected header")
	}
	if code.TaggedByteStrings {
		r.Warnings = append(r.Warnings, "byte strings of the COSE message are wrapped in CBOR tags")
	}
	if code.Claims.IssuedAt.IsZero() {
		r.Warnings = append(r.Warnings, "the code has no issue time (iat)")
	}
	if code.Claims.ExpiresAt.IsZero() {
		r.Warnings = append(r.Warnings, "the code has no expiry time (exp)")
	}

	if err := CheckKID(code); err != nil {
		return r.setError(err)
	}
	if v.resolver == nil {
		return r.setNoTrust(StageSigner)
	}
	signers, err := CheckSigners(v.resolver, code)
	if err != nil {
		return r.setError(err)
	}
	if len(v.opts.Recognised) > 0 {
		if signers, err = recognisedSigners(signers, v.opts.Recognised); err != nil {
			return r.setError(err)
		}
	}
	signer, err := CheckSignature(code, signers)
	if err != nil {
		return r.setError(err)
	}
	block.si = v.signerInfo(signer, code.Alg)
	r.Signer = &block.si
	if v.opts.Revocation != nil {
		if err := v.checkRevocation(r, hc1Revocation(code, signer.Country)); err != nil {
			return r.setError(err)
		}
	}
	if err := CheckKeyUsage(code, signer); err != nil {
		return r.setError(err)
	}
	if err := CheckValidity(code, signer, now, v.opts.ClockSkew); err != nil {
		return r.setError(err)
	}
	if err := CheckSchema(code, v.opts.ValueSets); err != nil {
		return r.setError(err)
	}
	r.Status, r.Stage, r.Reason = StatusVerified, StageDone, reasons[StatusVerified]
	if v.opts.Rules == nil {
		return r
	}
	return v.applyRules(r, &RuleContext{IssuerCountry: code.Claims.Issuer, KID: code.KID,
		IssuedAt: code.Claims.IssuedAt, ExpiresAt: code.Claims.ExpiresAt})
}

// signerStatic is what SignerInfo needs from a signer, computed once.
type signerStatic struct {
	kid, subject string
	// usage is the text of usageOf, the signer's Usage when it was cached.
	usage   string
	usageOf trust.Usage
}

func (v *Verifier) signerInfo(s *trust.Signer, alg hc1.Algorithm) SignerInfo {
	var st *signerStatic
	if x, ok := v.info.Load(s); ok {
		st = x.(*signerStatic)
	} else {
		st = &signerStatic{kid: base64.StdEncoding.EncodeToString(s.KID), usage: s.Usage.String(), usageOf: s.Usage}
		if s.Certificate != nil {
			st.subject = s.Certificate.Subject.String()
		}
		v.info.Store(s, st)
	}
	usage := st.usage
	if s.Usage != st.usageOf {
		usage = s.Usage.String()
	}
	return SignerInfo{Country: s.Country, KID: st.kid, Subject: st.subject, Algorithm: alg.String(), Usage: usage}
}

// The Check functions return nil or an *Error.

// CheckKID fails with kid_not_included when the code has no key
// identifier in either header.
func CheckKID(code *hc1.Code) error {
	if len(code.KID) == 0 {
		if code.EmptyKIDFrom != hc1.HeaderAbsent {
			return fail(StatusKIDNotIncluded, StageKID, "the kid in the %s header is empty", code.EmptyKIDFrom)
		}
		return fail(StatusKIDNotIncluded, StageKID, "no kid in the protected or unprotected header")
	}
	return nil
}

// CheckSigners looks the code's kid up in the resolver and fails with
// issuer_not_trusted when no signer has it.
func CheckSigners(r trust.Resolver, code *hc1.Code) ([]*trust.Signer, error) {
	signers, err := r.Signers(code.KID, code.Claims.Issuer)
	if err != nil {
		return nil, fail(StatusIssuerNotTrusted, StageSigner, "trust lookup of kid %s: %v", base64.StdEncoding.EncodeToString(code.KID), err)
	}
	if len(signers) == 0 {
		return nil, fail(StatusIssuerNotTrusted, StageSigner, "no trusted signer has kid %s (issuer %q)", base64.StdEncoding.EncodeToString(code.KID), code.Claims.Issuer)
	}
	return signers, nil
}

// CheckSignature tries every candidate signer (kids may collide) and
// returns the first whose key verifies the signature; otherwise it fails
// with invalid_signature.
func CheckSignature(code *hc1.Code, signers []*trust.Signer) (*trust.Signer, error) {
	var last error
	for _, s := range signers {
		err := code.VerifySignature(s.PublicKey)
		if err == nil {
			return s, nil
		}
		last = err
	}
	if last == nil {
		return nil, fail(StatusInvalidSignature, StageSignature, "no candidate signer")
	}
	if len(signers) > 1 {
		return nil, fail(StatusInvalidSignature, StageSignature, "none of %d signers with this kid verifies the signature; last: %v", len(signers), last)
	}
	return nil, fail(StatusInvalidSignature, StageSignature, "%v", last)
}

// CheckKeyUsage fails with key_usage_mismatch when the signer's key usage
// OIDs do not cover every event type of the certificate. A signer without
// health key-usage OIDs may sign every type.
func CheckKeyUsage(code *hc1.Code, s *trust.Signer) error {
	switch code.Kind {
	case hc1.KindDCC:
		// The DCC groups name the event class: every test entry (NAAT,
		// antigen, or a free-text type) is of the test class.
		groups := []struct {
			key string
			n   int
			t   healthcert.EventType
		}{{"v", len(code.DCC.Vaccinations), healthcert.TypeVaccination},
			{"t", len(code.DCC.Tests), healthcert.TypeNucleicAcidTest},
			{"r", len(code.DCC.Recoveries), healthcert.TypeRecovery}}
		found := false
		for _, g := range groups {
			if g.n == 0 {
				continue
			}
			found = true
			if !s.Usage.Allows(g.t) {
				return fail(StatusKeyUsageMismatch, StageKeyUsage, "signer may sign %s, not the %s entries of this DCC", s.Usage, g.key)
			}
		}
		if !found {
			return fail(StatusInvalidSigningFormat, StageKeyUsage, "the DCC has no v, t or r entry")
		}
	case hc1.KindNative:
		for i, e := range code.Native.Events {
			if !s.Usage.Allows(e.Type()) {
				return fail(StatusKeyUsageMismatch, StageKeyUsage, "signer may sign %s, not event %d (%s)", s.Usage, i, e.Type())
			}
		}
	default:
		return fail(StatusInvalidSigningFormat, StageKeyUsage, "unknown payload kind %q", code.Kind)
	}
	return nil
}

// CheckValidity checks signer notBefore ≤ iat ≤ now ≤ exp ≤ signer
// notAfter, each comparison allowing skew; see the package documentation
// for the status of each violation. A nil signer certificate skips the
// signer window.
func CheckValidity(code *hc1.Code, s *trust.Signer, now time.Time, skew time.Duration) error {
	iat, exp := code.Claims.IssuedAt, code.Claims.ExpiresAt
	if !iat.IsZero() && iat.After(now.Add(skew)) {
		return fail(StatusNotYetValid, StageValidity, "issued at %s, after now %s", stamp(iat), stamp(now))
	}
	if !exp.IsZero() && now.After(exp.Add(skew)) {
		return fail(StatusExpired, StageValidity, "expired at %s, before now %s", stamp(exp), stamp(now))
	}
	if !iat.IsZero() && !exp.IsZero() && iat.After(exp.Add(skew)) {
		return fail(StatusExpired, StageValidity, "issued at %s, after its expiry %s", stamp(iat), stamp(exp))
	}
	if s == nil || s.Certificate == nil {
		return nil
	}
	nb, na := s.Certificate.NotBefore, s.Certificate.NotAfter
	switch {
	case now.Before(nb.Add(-skew)):
		return fail(StatusExpiredKeys, StageValidity, "signer certificate valid from %s, after now %s", stamp(nb), stamp(now))
	case now.After(na.Add(skew)):
		return fail(StatusExpiredKeys, StageValidity, "signer certificate expired at %s, before now %s", stamp(na), stamp(now))
	case !iat.IsZero() && iat.Before(nb.Add(-skew)):
		return fail(StatusExpiredKeys, StageValidity, "issued at %s, before the signer certificate's validity from %s", stamp(iat), stamp(nb))
	case !exp.IsZero() && exp.After(na.Add(skew)):
		return fail(StatusExpiredKeys, StageValidity, "expires at %s, after the signer certificate's expiry %s", stamp(exp), stamp(na))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// CheckSchema checks the payload: a DCC against the schema of its version
// and the value sets (nil means valueset.Default()), a native certificate
// with healthcert's Validate. Failures are invalid_signing_format.
func CheckSchema(code *hc1.Code, sets *valueset.Sets) error {
	var err error
	switch code.Kind {
	case hc1.KindDCC:
		err = code.DCC.Check(sets)
	case hc1.KindNative:
		err = code.Native.Validate()
	default:
		err = fmt.Errorf("unknown payload kind %q", code.Kind)
	}
	if err != nil {
		return fail(StatusInvalidSigningFormat, StageSchema, "%v", err)
	}
	return nil
}
