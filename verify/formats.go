package verify

import (
	"strings"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/vdsnc"
)

// Trust is the trust material of every format a Verifier reads. Each
// source is optional: a code of a format whose source is nil is refused
// with issuer_not_trusted, and a reason saying that this verifier has no
// trust material for that format (not that the issuer is untrusted).
type Trust struct {
	// HC1 resolves the document signers of HCERT codes (EU DCC and native
	// ITHC), such as a *trust.Store.
	HC1 trust.Resolver
	// SHC resolves SMART Health Card issuer keys, such as a *shc.KeyStore
	// loaded from issuers' JWK sets or the VCI directory snapshot.
	SHC shc.KeyResolver
	// VDSNC holds the country signing CAs of ICAO VDS-NC seals, such as a
	// *vdsnc.CSCAPool.
	VDSNC vdsnc.Anchors
}

// NewWithTrust returns a Verifier of every format (see Detect) over the
// trust material of each. A nil pointer of a known type (*trust.Store,
// *shc.KeyStore, *vdsnc.CSCAPool) counts as no source.
func NewWithTrust(t Trust, opts Options) *Verifier {
	if s, ok := t.HC1.(*trust.Store); ok && s == nil {
		t.HC1 = nil
	}
	if s, ok := t.SHC.(*shc.KeyStore); ok && s == nil {
		t.SHC = nil
	}
	if p, ok := t.VDSNC.(*vdsnc.CSCAPool); ok && p == nil {
		t.VDSNC = nil
	}
	v := New(t.HC1, opts)
	v.shcKeys, v.anchors = t.SHC, t.VDSNC
	return v
}

// noTrustReasons are the reasons of a code of a format for which the
// Verifier has no trust material: the officer must know that the
// verifier, not the issuer, is missing something.
var noTrustReasons = map[string]Reason{
	FormatHC1: {"This verifier has no trusted document signers for HC1 codes (EU DCC and ITHC), so this certificate cannot be checked.",
		"本核验方未配置 HC1 二维码（欧盟数字新冠证书和 ITHC）的可信签名证书，无法核验此证书。"},
	FormatSHC: {"This verifier has no trusted issuer keys for SMART Health Cards, so this certificate cannot be checked.",
		"本核验方未配置 SMART 健康卡的可信签发机构密钥，无法核验此证书。"},
	FormatVDSNC: {"This verifier has no trusted country signing certificates for ICAO VDS-NC seals, so this certificate cannot be checked.",
		"本核验方未配置 ICAO VDS-NC 电子印章的可信国家签名根证书，无法核验此证书。"},
}

// noTrustSource names, in a Detail, the source a format lacks.
var noTrustSource = map[string]string{
	FormatHC1:   "no document signers for HC1 codes are configured (Trust.HC1)",
	FormatSHC:   "no SMART Health Card issuer keys are configured (Trust.SHC)",
	FormatVDSNC: "no VDS-NC country signing CAs are configured (Trust.VDSNC)",
}

// setNoTrust ends r as issuer_not_trusted for lack of trust material for
// its format, at stage.
func (r *Result) setNoTrust(stage Stage) *Result {
	r.setError(fail(StatusIssuerNotTrusted, stage, "%s", noTrustSource[r.Format]))
	r.Reason = noTrustReasons[r.Format]
	return r
}

// verifyOther verifies a code that is not an HC1 code, or returns nil
// when detection does not recognise it (Verify then reads it as HC1, whose
// prefix check names the problem as it always has).
func (v *Verifier) verifyOther(text string) *Result {
	if len(text) > limits.MaxVerifyInput {
		return (&Result{}).setError(fail(StatusInvalidEncoding, StageDetect, "input of %d bytes, more than the %d of any supported code or card file", len(text), limits.MaxVerifyInput))
	}
	switch k := detect(text); k {
	case kindSHCQR:
		return v.fromSHC(shc.Verify(text, v.shcKeys, v.shcOptions()))
	case kindSHCChunks:
		return v.fromSHC(shc.VerifyChunks(splitChunks(text), v.shcKeys, v.shcOptions()))
	case kindSHCJWS:
		return v.fromSHC(shc.VerifyJWS(text, v.shcKeys, v.shcOptions(), nil))
	case kindSHCFile, kindSHCResponse:
		cards, err := shcCards(text, k)
		if err != nil {
			return (&Result{Format: FormatSHC}).setError(err)
		}
		if len(cards) != 1 {
			return (&Result{Format: FormatSHC}).setError(fail(StatusInvalidEncoding, StageFile,
				"the file holds %d cards and Verify returns one result: verify them with VerifyAll", len(cards)))
		}
		return v.fromSHC(shc.VerifyJWS(cards[0], v.shcKeys, v.shcOptions(), nil))
	case kindVDSNC:
		return v.fromVDSNC(vdsnc.Verify([]byte(text), v.anchors, v.vdsncOptions()))
	case kindJSON:
		return unknownJSON(text)
	}
	return nil
}

// VerifyAll verifies every card of a container that holds several (a
// .smart-health-card file or a $health-cards-issue response), in order,
// and any other code as Verify does, as a list of one.
func (v *Verifier) VerifyAll(text string) []*Result {
	k := kindUnknown
	if len(text) <= limits.MaxVerifyInput {
		k = detect(text)
	}
	if k != kindSHCFile && k != kindSHCResponse {
		return []*Result{v.Verify(text)}
	}
	cards, err := shcCards(text, k)
	if err != nil {
		return []*Result{(&Result{Format: FormatSHC}).setError(err)}
	}
	out := make([]*Result, len(cards))
	for i, jws := range cards {
		out[i] = v.fromSHC(shc.VerifyJWS(jws, v.shcKeys, v.shcOptions(), nil))
	}
	return out
}

// shcCards returns the JWS texts of a card file or issue response.
func shcCards(text string, k kind) ([]string, error) {
	parse, what := shc.ParseFile, "smart-health-card file"
	if k == kindSHCResponse {
		parse, what = shc.ParseIssueResponse, "$health-cards-issue response"
	}
	cards, err := parse([]byte(text))
	if err != nil {
		return nil, fail(StatusInvalidEncoding, StageFile, "%s: %v", what, err)
	}
	return cards, nil
}

// shcOptions are the options of every SMART Health Card verification. A
// card issued in the future is refused (see the package documentation).
func (v *Verifier) shcOptions() shc.Options {
	return shc.Options{Now: v.opts.Now, ClockSkew: v.opts.ClockSkew, RejectFutureIssuance: true}
}

// vdsncOptions are the options of every seal verification.
func (v *Verifier) vdsncOptions() vdsnc.Options {
	return vdsnc.Options{Now: v.opts.Now, ClockSkew: v.opts.ClockSkew}
}

// prefixed returns a detail naming the package it comes from, once.
func prefixed(pkg, detail string) string {
	if detail == "" || strings.HasPrefix(detail, pkg+": ") {
		return detail
	}
	return pkg + ": " + detail
}
