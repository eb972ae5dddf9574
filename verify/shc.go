package verify

import (
	"encoding/base64"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/shc"
)

// PayloadFHIR is the PayloadKind of a SMART Health Card: its payload is a
// FHIR bundle.
const PayloadFHIR = "fhir"

// fromSHC maps a SMART Health Card result into a Result: the same status
// and stage names (package shc uses this vocabulary), the detail with the
// SMART validator's error code, the card in the native model, the
// issuer's key as signer and the findings as warnings.
func (v *Verifier) fromSHC(sr *shc.Result) *Result {
	r := &Result{Format: FormatSHC, Certificate: sr.Certificate}
	if sr.Payload != nil {
		r.PayloadKind = PayloadFHIR
	}
	for _, f := range sr.Warnings {
		r.Warnings = append(r.Warnings, f.String())
	}
	if shcSignatureChecked(sr) {
		r.Signer = v.shcSigner(sr)
	}
	switch {
	case sr.Status == shc.StatusVerified:
		if q := shcRevocation(sr, r.Certificate); q != nil && v.opts.Revocation != nil {
			if err := v.checkRevocation(r, q); err != nil {
				return r.setError(err)
			}
		}
		r.Status, r.Stage, r.Reason = StatusVerified, StageDone, reasons[StatusVerified]
		c := &RuleContext{}
		if sr.IssuedAt != nil {
			c.IssuedAt = *sr.IssuedAt
		}
		if r.Certificate != nil {
			c.IssuerCountry, c.ExpiresAt = r.Certificate.Issuer.Country, r.Certificate.ExpiresAt
		}
		return v.applyRules(r, c)
	case v.shcKeys == nil && sr.Status == shc.StatusIssuerNotTrusted && sr.Stage == shc.StageKey:
		r.setNoTrust(Stage(sr.Stage))
	default:
		detail := sr.Detail
		if sr.Code != "" {
			detail += " [" + sr.Code + "]"
		}
		r.setError(&Error{Status: Status(sr.Status), Stage: Stage(sr.Stage), Detail: prefixed("shc", detail)})
	}
	return r
}

// shcRevocation returns the revocation query of a verified card that
// carries a rid (docs/revocation.md, hash type SHCRID): its issuer, its
// key's thumbprint (raw, as KID), the rid and its issuance time (nbf); nil
// when the card has no rid, since only a rid names it.
func shcRevocation(sr *shc.Result, cert *healthcert.Certificate) *RevocationQuery {
	if sr.Rid == "" || sr.IssuedAt == nil {
		return nil
	}
	kid, err := base64.RawURLEncoding.DecodeString(sr.KID)
	if err != nil {
		return nil
	}
	q := &RevocationQuery{Format: FormatSHC, KID: kid, Issuer: sr.Issuer, RID: sr.Rid, IssuedAt: *sr.IssuedAt}
	if cert != nil {
		q.Country = cert.Issuer.Country
	}
	return q
}

// shcSignatureChecked reports whether verification got past the
// signature: the key that verified it is then known.
func shcSignatureChecked(sr *shc.Result) bool {
	switch sr.Stage {
	case shc.StageDone, shc.StageValidity, shc.StageRevocation, shc.StageFHIR:
		return true
	case shc.StageKey:
		// The x5c chain is checked after the signature.
		return sr.Code == shc.CodeInvalidKeyX5C
	}
	return false
}

// shcSigner describes the issuer key of a card: its thumbprint, the
// issuer URL and name, and the x5c leaf certificate when the key has one.
func (v *Verifier) shcSigner(sr *shc.Result) *SignerInfo {
	si := &SignerInfo{KID: sr.KID, Issuer: sr.Issuer, Subject: sr.IssuerName, Algorithm: "ES256", Usage: "any"}
	if v.shcKeys == nil {
		return si
	}
	if k, err := v.shcKeys.ResolveKey(sr.Issuer, sr.KID); err == nil && len(k.Chain) > 0 {
		leaf := k.Chain[0]
		si.Subject = leaf.Subject.String()
		if len(leaf.Subject.Country) > 0 {
			si.Country = leaf.Subject.Country[0]
		}
	}
	return si
}
