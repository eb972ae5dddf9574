package verify

import (
	"crypto/x509"
	"encoding/base64"

	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/vdsnc"
)

// fromVDSNC maps a seal's result into a Result: the same status and stage
// names (package vdsnc uses this vocabulary), the seal type as
// PayloadKind, the seal in the native model, its signer certificate as
// signer, and what the native form leaves out as Notes.
func (v *Verifier) fromVDSNC(vr *vdsnc.Result) *Result {
	r := &Result{Format: FormatVDSNC, PayloadKind: vr.Type, Certificate: vr.Certificate, Notes: vr.Notes}
	r.Warnings = append(r.Warnings, vr.Warnings...)
	if vr.Signer != nil && vdsncSignatureChecked(vr.Stage) {
		r.Signer = sealSigner(vr.Signer, vr.Seal)
	}
	switch {
	case vr.Status == vdsnc.StatusVerified:
		r.Status, r.Stage, r.Reason = StatusVerified, StageDone, reasons[StatusVerified]
		c := &RuleContext{}
		if r.Certificate != nil {
			c.IssuerCountry, c.IssuedAt, c.ExpiresAt = r.Certificate.Issuer.Country, r.Certificate.IssuedAt, r.Certificate.ExpiresAt
		}
		return v.applyRules(r, c)
	case v.anchors == nil && vr.Status == vdsnc.StatusIssuerNotTrusted && vr.Stage == vdsnc.StageChain:
		r.setNoTrust(Stage(vr.Stage))
	default:
		r.setError(&Error{Status: Status(vr.Status), Stage: Stage(vr.Stage), Detail: prefixed("vdsnc", vr.Detail)})
	}
	return r
}

// vdsncSignatureChecked reports whether verification got past the
// signature.
func vdsncSignatureChecked(s vdsnc.Stage) bool {
	switch s {
	case vdsnc.StageKeyUsage, vdsnc.StageChain, vdsnc.StageSchema, vdsnc.StageValidity, vdsnc.StageDone:
		return true
	}
	return false
}

// sealSigner describes a seal's signer certificate. A seal has no key
// identifier; KID is the HCERT kid of the certificate (the first 8 bytes
// of the SHA-256 of its DER), which names it as trust lists do. Usage
// lists the seal types its document type list allows, "any" without one.
func sealSigner(cert *x509.Certificate, seal *vdsnc.Seal) *SignerInfo {
	si := &SignerInfo{KID: base64.StdEncoding.EncodeToString(trust.KID(cert)), Subject: cert.Subject.String(), Usage: "any"}
	if len(cert.Subject.Country) > 0 {
		si.Country = cert.Subject.Country[0]
	}
	if seal != nil {
		si.Algorithm = seal.Signature.Algorithm
	}
	if types, ok, err := vdsnc.DocumentTypes(cert); ok && err == nil {
		var u trust.Usage
		for _, t := range types {
			switch t {
			case vdsnc.DocumentTypeVaccination:
				u |= trust.UsageVaccination
			case vdsnc.DocumentTypeTest:
				u |= trust.UsageTest
			}
		}
		si.Usage = u.String()
		if u == 0 {
			si.Usage = "none"
		}
	}
	return si
}
