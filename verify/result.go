package verify

import (
	"errors"
	"fmt"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
)

// Status is the outcome of a verification, from one vocabulary shared by
// every code format (DESIGN.md).
type Status string

// The statuses. StatusRevoked, StatusRulesFailed and StatusDecryptionFailed
// are reserved for the revocation, acceptance-rule and privacy-mode stages.
const (
	StatusVerified             Status = "verified"
	StatusInvalidEncoding      Status = "invalid_encoding"
	StatusInvalidCompression   Status = "invalid_compression"
	StatusInvalidSigningFormat Status = "invalid_signing_format"
	StatusKIDNotIncluded       Status = "kid_not_included"
	StatusIssuerNotTrusted     Status = "issuer_not_trusted"
	StatusInvalidSignature     Status = "invalid_signature"
	StatusKeyUsageMismatch     Status = "key_usage_mismatch"
	StatusExpiredKeys          Status = "expired_keys"
	StatusNotYetValid          Status = "not_yet_valid"
	StatusExpired              Status = "expired"
	StatusRevoked              Status = "revoked"
	StatusRulesFailed          Status = "rules_failed"
	StatusDecryptionFailed     Status = "decryption_failed"
)

// Stage names a verification stage. The decoding stages are those of
// package hc1; a SMART Health Card or a VDS-NC seal has the stages of
// package shc or vdsnc (such as "jws", "revocation", "chain"), under
// the same names.
type Stage string

// The stages, in the order Verify runs them.
const (
	// StageDetect is format detection: input too large for any format, or
	// JSON of no known format.
	StageDetect Stage = "detect"
	// StageFile is reading a file of SMART Health Cards (.smart-health-card
	// file or $health-cards-issue response).
	StageFile      Stage = "file"
	StagePrefix    Stage = "prefix"
	StageBase45    Stage = "base45"
	StageZlib      Stage = "zlib"
	StageCOSE      Stage = "cose"
	StageCWT       Stage = "cwt"
	StagePayload   Stage = "payload"
	StageKID       Stage = "kid"
	StageSigner    Stage = "signer"
	StageSignature Stage = "signature"
	StageKeyUsage  Stage = "key_usage"
	StageValidity  Stage = "validity"
	StageSchema    Stage = "schema"
	// StageDone is the stage of a verified result: every stage passed.
	StageDone Stage = "done"
)

// Reason is a sentence a border officer understands, in English and Chinese.
type Reason struct {
	EN string `json:"en"`
	ZH string `json:"zh"`
}

// reasons holds the reason of each status.
var reasons = map[Status]Reason{
	StatusVerified: {"The certificate is authentic and currently valid.",
		"证书真实有效，且在有效期内。"},
	StatusInvalidEncoding: {"This is not a readable health certificate code: the text is damaged or of another kind.",
		"无法识别为健康证书二维码：内容已损坏或不是此类证书。"},
	StatusInvalidCompression: {"The code is damaged: its compressed content cannot be read.",
		"二维码已损坏：其压缩内容无法读取。"},
	StatusInvalidSigningFormat: {"The code's content is not in the format the standard requires, so it cannot be trusted.",
		"二维码内容不符合标准规定的格式，因此不能信任。"},
	StatusKIDNotIncluded: {"The code does not say which key signed it, so its signature cannot be checked.",
		"二维码未标明签名密钥，无法核验其签名。"},
	StatusIssuerNotTrusted: {"The issuer's signing key is not on the trusted list: this certificate cannot be accepted.",
		"签发机构的签名密钥不在信任列表中：不能接受此证书。"},
	StatusInvalidSignature: {"The signature does not match: the code was altered or not issued by this signer.",
		"签名不匹配：二维码已被篡改，或并非由该签发机构签发。"},
	StatusKeyUsageMismatch: {"The issuer's key is not authorised to sign this kind of certificate.",
		"签发机构的密钥无权签发此类证书。"},
	StatusExpiredKeys: {"The issuer's signing key was not valid when this code was signed or is no longer valid.",
		"签名时签发机构的签名密钥无效，或该密钥已失效。"},
	StatusNotYetValid: {"The certificate is not valid yet: its issue time is in the future.",
		"证书尚未生效：其签发时间晚于当前时间。"},
	StatusExpired: {"The certificate has expired.",
		"证书已过期。"},
	StatusRevoked: {"The issuer has revoked this certificate.",
		"签发机构已撤销此证书。"},
	StatusRulesFailed: {"The certificate does not meet the entry rules of the destination country.",
		"证书不符合目的地国家的入境规则。"},
	StatusDecryptionFailed: {"The protected code could not be decrypted with this verifier's key.",
		"无法用本核验方的密钥解密受保护的二维码。"},
}

// ReasonFor returns the reason sentence of a status.
func ReasonFor(s Status) Reason { return reasons[s] }

// Error is a verification failure: the status, the stage that failed and a
// technical detail. Library callers get it from the Check functions.
type Error struct {
	Status Status
	Stage  Stage
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("verify: %s at stage %s: %s", e.Status, e.Stage, e.Detail)
}

func fail(status Status, stage Stage, format string, args ...any) *Error {
	return &Error{Status: status, Stage: stage, Detail: fmt.Sprintf(format, args...)}
}

// SignerInfo describes the signer of a verified (or signature-checked) code.
type SignerInfo struct {
	Country string `json:"country,omitempty"`
	// KID is the key identifier, standard base64 as in trust lists. For a
	// SMART Health Card it is the key's RFC 7638 thumbprint (base64url, as
	// the card names it); for a VDS-NC seal, which names no key, the HCERT
	// kid of its signer certificate.
	KID string `json:"kid"`
	// Issuer is a SMART Health Card's issuer URL (iss).
	Issuer string `json:"issuer,omitempty"`
	// Subject is the signer certificate's subject; for a SMART Health
	// Card without an x5c chain, the issuer's name when the trust
	// material gives one.
	Subject   string `json:"subject,omitempty"`
	Algorithm string `json:"algorithm"`
	// Usage lists the event classes the signer may sign ("any" when
	// unrestricted).
	Usage string `json:"usage"`
}

// Result is the outcome of Verify. It marshals to JSON.
type Result struct {
	Status Status `json:"status"`
	// Stage is the stage that failed, or StageDone.
	Stage Stage `json:"stage"`
	// Reason is ReasonFor(Status), except for a code of a format this
	// verifier has no trust material for (see Trust): issuer_not_trusted
	// then says that the verifier, not the issuer, lacks something.
	Reason Reason `json:"reason"`
	// Detail is the technical cause, for logs and experts.
	Detail string `json:"detail,omitempty"`
	// Format is the code format: FormatHC1, FormatSHC or FormatVDSNC; empty
	// for JSON of no known format.
	Format string `json:"format"`
	// PayloadKind is, once the payload was found, "dcc" or "ithc" for HC1,
	// "fhir" for a SMART Health Card, the seal type ("icao.vacc",
	// "icao.test") for a VDS-NC seal.
	PayloadKind string `json:"payload_kind,omitempty"`
	// Certificate is the decoded certificate, when decoding got that far
	// (for a DCC, its conversion to the ITHC model). It is present on
	// failures after decoding too: read it only together with Status.
	Certificate *healthcert.Certificate `json:"certificate,omitempty"`
	// CertificateError is set in the JSON form instead of certificate when
	// the decoded certificate has no valid JSON form (such as a date the
	// model cannot hold: San Marino's test issuer wrote the year 0021). The
	// DCC as received is still given.
	CertificateError string `json:"certificate_error,omitempty"`
	// DCC is the EU DCC payload as received, for DCC codes.
	DCC *dcc.Payload `json:"dcc,omitempty"`
	// Signer is the signer whose key verified the signature.
	Signer *SignerInfo `json:"signer,omitempty"`
	// Warnings list what is tolerated but irregular, such as a kid in the
	// unprotected header. A SMART Health Card's carry the SMART validator's
	// code ("QR_CHUNKING_DEPRECATED: …").
	Warnings []string `json:"warnings,omitempty"`
	// Notes list what the native form of a foreign code leaves out (VDS-NC
	// seals: lot numbers, the travel document's issuing state).
	Notes []string `json:"notes,omitempty"`
	// Revocation says why a revoked code is revoked.
	Revocation *Revocation `json:"revocation,omitempty"`
	// Rules are the outcomes of the destination's acceptance rules (and
	// the issuer's invalidation rules), when rules were evaluated.
	Rules []RuleOutcome `json:"rules,omitempty"`
	// Encryption describes the encrypted layer of a decrypted code.
	Encryption *Encryption `json:"encryption,omitempty"`
}

// MarshalJSON writes the result: the bytes of AppendJSON, and never an
// error. A result always marshals: a decoded certificate that cannot (see
// CertificateError) is left out. json.Marshal of a Result HTML-escapes
// '<', '>' and '&' again; MarshalJSON and AppendJSON do not.
func (r Result) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, r.jsonSizeHint())), nil
}

// Err returns the result as an *Error, or nil when verified.
func (r *Result) Err() error {
	if r.Status == StatusVerified {
		return nil
	}
	return &Error{Status: r.Status, Stage: r.Stage, Detail: r.Detail}
}

func (r *Result) setError(err error) *Result {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: StatusInvalidSigningFormat, Stage: StagePayload, Detail: err.Error()}
	}
	r.Status, r.Stage, r.Detail = e.Status, e.Stage, e.Detail
	r.Reason = reasons[e.Status]
	return r
}
