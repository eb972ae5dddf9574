package verify

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/trust"
)

// The stages after the signature that the optional checks add. A
// revocation check runs right after the signature (only a code whose
// signature verified can be matched to a revocation entry, and a revoked
// code is refused whatever its dates say); acceptance rules run last, on
// a code that passed every other stage; decryption runs first, on an
// encrypted code.
const (
	StageDecrypt    Stage = "decrypt"
	StageRevocation Stage = "revocation"
	StageRules      Stage = "rules"
)

// EncryptedPrefix starts the QR text of an encrypted code
// (docs/format.md): distinct from "HC1:" so that a verifier without a
// decryption key knows what it holds instead of calling it damaged.
const EncryptedPrefix = "HCE1:"

// RevocationQuery is what a revocation checker needs of a code whose
// signature verified: the identifiers its entries hash (docs/revocation.md).
type RevocationQuery struct {
	// Format is FormatHC1, FormatSHC or FormatVDSNC.
	Format string
	// Country is the issuing country (ISO 3166-1 alpha-2).
	Country string
	// KID is the signer's key identifier (HC1: the COSE kid; SHC: the
	// issuer key's RFC 7638 thumbprint, the 32 bytes its base64url kid
	// encodes).
	KID []byte
	// UCI is the certificate identifier: the DCC's ci, the native
	// certificate's identifier (every event's, for the EU's per-entry
	// identifiers, in UCIs).
	UCIs []string
	// Signature is the raw signature (for ES256 r‖s); ECDSA says whether
	// only its first half (r) identifies it.
	Signature []byte
	ECDSA     bool
	// Issuer and RID are a SMART Health Card's iss and vc.rid; a card
	// without a rid gets no query.
	Issuer, RID string
	// IssuedAt is the code's issue time (a SMART card's nbf: rid entries
	// with a timestamp revoke the cards issued before it).
	IssuedAt time.Time
}

// Revocation tells why a code is revoked.
type Revocation struct {
	// Batch is the identifier of the revocation batch holding the entry.
	Batch string `json:"batch"`
	// Kind is what matched: "uci", "countrycodeuci", "signature" or "rid".
	Kind string `json:"kind"`
	// Reason is the issuer's reason, as given in the batch.
	Reason string `json:"reason,omitempty"`
	// Date is when the batch was created (the revocation's date).
	Date time.Time `json:"date"`
}

// RevocationChecker answers whether a code is revoked. Implementations
// (package revocation) must be safe for concurrent use and must not
// return a false positive.
//
// The query's byte slices may alias decoding buffers that are reused once
// Verify returns: an implementation must not keep them.
type RevocationChecker interface {
	Revoked(q *RevocationQuery) *Revocation
}

// RuleContext is what acceptance rules evaluate: the certificate in the
// form of its format and the external parameters of the EU engines.
type RuleContext struct {
	// Country is the destination country whose rules apply.
	Country string
	// Region is an optional region of Country.
	Region string
	// Now is the validation clock.
	Now time.Time
	// Format and PayloadKind are those of the Result.
	Format, PayloadKind string
	// IssuerCountry, KID, IssuedAt and ExpiresAt are the code's claims.
	IssuerCountry       string
	KID                 []byte
	IssuedAt, ExpiresAt time.Time
	// DCC is the EU DCC payload of an HC1 DCC code; Certificate the
	// native certificate (of a native code, or the mapping of a foreign
	// one).
	DCC         *dcc.Payload
	Certificate *healthcert.Certificate
}

// RuleOutcome is one rule's result.
type RuleOutcome struct {
	Identifier string `json:"identifier"`
	Version    string `json:"version"`
	// Type is "Acceptance" or "Invalidation".
	Type    string `json:"type"`
	Country string `json:"country"`
	// Result is RulePassed, RuleFailed, RuleNotApplicable or RuleError.
	Result string `json:"result"`
	// Description is the rule's description in each language it gives
	// (ISO 639-1 code → text).
	Description map[string]string `json:"description,omitempty"`
	// Detail says why a rule errored.
	Detail string `json:"detail,omitempty"`
}

// Rule results.
const (
	RulePassed        = "passed"
	RuleFailed        = "failed"
	RuleNotApplicable = "not_applicable"
	RuleError         = "error"
)

// RuleEvaluator evaluates the rules that apply to a certificate at
// c.Now: the destination's acceptance rules and the issuer's invalidation
// rules (package rules). Safe for concurrent use.
//
// The context's KID may alias decoding buffers that are reused once Verify
// returns: an implementation must not keep it.
type RuleEvaluator interface {
	Evaluate(c *RuleContext) ([]RuleOutcome, error)
}

// Encryption describes the encrypted layer of a code that was decrypted.
type Encryption struct {
	// Recipients are the countries the code was encrypted for.
	Recipients []string `json:"recipients"`
	// KID identifies the recipient key that opened it.
	KID string `json:"kid"`
}

// Decrypter opens an encrypted code (text starting with EncryptedPrefix)
// and returns the signed code inside it. An error means decryption_failed:
// not a recipient, a wrong key, or a changed byte. Package envelope
// implements it; safe for concurrent use.
type Decrypter interface {
	Decrypt(text string) (inner string, info *Encryption, err error)
}

// checkRevocation consults Options.Revocation for a code whose signature
// verified; it returns nil when there is no checker or the code is not
// revoked.
func (v *Verifier) checkRevocation(r *Result, q *RevocationQuery) error {
	if v.opts.Revocation == nil {
		return nil
	}
	rev := v.opts.Revocation.Revoked(q)
	if rev == nil {
		return nil
	}
	r.Revocation = rev
	detail := fmt.Sprintf("entry of kind %s in batch %s, revoked %s", rev.Kind, rev.Batch, rev.Date.UTC().Format(time.DateOnly))
	if rev.Reason != "" {
		detail += ": " + rev.Reason
	}
	return fail(StatusRevoked, StageRevocation, "%s", detail)
}

// recognisedSigners keeps the signers of recognised countries.
func recognisedSigners(signers []*trust.Signer, recognised []string) ([]*trust.Signer, error) {
	var kept []*trust.Signer
	var others []string
	for _, s := range signers {
		if slices.Contains(recognised, s.Country) {
			kept = append(kept, s)
		} else if !slices.Contains(others, s.Country) {
			others = append(others, s.Country)
		}
	}
	if len(kept) == 0 {
		return nil, fail(StatusIssuerNotTrusted, StageSigner, "the signer is of %s, which this verifier does not recognise (it recognises %s)",
			strings.Join(others, ", "), strings.Join(recognised, ", "))
	}
	return kept, nil
}

// verifyEncrypted decrypts an encrypted code with Options.Decrypter and
// verifies the code inside as Verify does.
func (v *Verifier) verifyEncrypted(text string) *Result {
	if v.opts.Decrypter == nil {
		return (&Result{}).setError(fail(StatusDecryptionFailed, StageDecrypt, "the code is encrypted and this verifier has no decryption key"))
	}
	inner, info, err := v.opts.Decrypter.Decrypt(text)
	if err != nil {
		return (&Result{}).setError(fail(StatusDecryptionFailed, StageDecrypt, "%v", err))
	}
	if strings.HasPrefix(inner, EncryptedPrefix) {
		return (&Result{Encryption: info}).setError(fail(StatusDecryptionFailed, StageDecrypt, "the decrypted content is itself encrypted: one layer only"))
	}
	r := v.Verify(inner)
	r.Encryption = info
	return r
}

// hc1Revocation returns the revocation query of an HC1 code.
func hc1Revocation(code *hc1.Code, country string) *RevocationQuery {
	q := &RevocationQuery{Format: FormatHC1, Country: country, KID: code.KID, Signature: code.Signature,
		ECDSA: code.Alg == hc1.ES256 || code.Alg == hc1.ES384, IssuedAt: code.Claims.IssuedAt}
	q.UCIs = CertificateIdentifiers(code)
	return q
}

// CertificateIdentifiers returns the certificate identifiers (UCIs) a
// decoded HC1 code carries, the names revocation entries hash: the ci of
// every DCC entry, or the native certificate's identifier.
func CertificateIdentifiers(code *hc1.Code) []string {
	var ids []string
	switch code.Kind {
	case hc1.KindDCC:
		for _, e := range code.DCC.Vaccinations {
			ids = append(ids, e.ID)
		}
		for _, e := range code.DCC.Tests {
			ids = append(ids, e.ID)
		}
		for _, e := range code.DCC.Recoveries {
			ids = append(ids, e.ID)
		}
	case hc1.KindNative:
		ids = append(ids, code.Native.ID)
	}
	return ids
}

// applyRules evaluates the destination's rules on a verified result; it
// leaves r unchanged when no country or evaluator is configured.
func (v *Verifier) applyRules(r *Result, c *RuleContext) *Result {
	if v.opts.Rules == nil || v.opts.Country == "" || r.Status != StatusVerified {
		return r
	}
	c.Country, c.Region = v.opts.Country, v.opts.Region
	if c.Now.IsZero() {
		c.Now = v.opts.Now
		if c.Now.IsZero() {
			c.Now = time.Now()
		}
	}
	c.Format, c.PayloadKind = r.Format, r.PayloadKind
	if c.Certificate == nil {
		c.Certificate = r.Certificate
	}
	if c.DCC == nil {
		c.DCC = r.DCC
	}
	out, err := v.opts.Rules.Evaluate(c)
	if err != nil {
		return r.setError(fail(StatusRulesFailed, StageRules, "the rules of %s could not be evaluated: %v", c.Country, err))
	}
	r.Rules = out
	var bad []string
	for _, o := range out {
		if o.Result == RuleFailed || o.Result == RuleError {
			bad = append(bad, fmt.Sprintf("%s %s (%s)", o.Identifier, o.Version, o.Result))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return r.setError(fail(StatusRulesFailed, StageRules, "%d of %d rules of %s not met: %s", len(bad), len(out), c.Country, strings.Join(bad, ", ")))
	}
	return r
}
