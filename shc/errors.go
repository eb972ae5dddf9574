package shc

import "fmt"

// Status is the outcome of a verification. Its values are those of the
// verify package's vocabulary (DESIGN.md), string for string, so that
// verify.Status(r.Status) maps a result without a table. Package shc does
// not import verify, so that verify can import shc.
type Status string

// The statuses a SMART Health Card verification can end with.
const (
	StatusVerified             Status = "verified"
	StatusInvalidEncoding      Status = "invalid_encoding"
	StatusInvalidCompression   Status = "invalid_compression"
	StatusInvalidSigningFormat Status = "invalid_signing_format"
	StatusKIDNotIncluded       Status = "kid_not_included"
	StatusIssuerNotTrusted     Status = "issuer_not_trusted"
	StatusInvalidSignature     Status = "invalid_signature"
	StatusExpiredKeys          Status = "expired_keys"
	StatusNotYetValid          Status = "not_yet_valid"
	StatusExpired              Status = "expired"
	StatusRevoked              Status = "revoked"
)

// Stage names the verification stage that failed.
type Stage string

// The stages, in the order Verify runs them.
const (
	StageQR         Stage = "qr"         // shc:/ numeric text and its chunks
	StageJWS        Stage = "jws"        // compact serialisation, base64url
	StageHeader     Stage = "header"     // zip, alg, kid
	StageDeflate    Stage = "deflate"    // raw DEFLATE of the payload
	StagePayload    Stage = "payload"    // iss, nbf, exp, vc
	StageFHIR       Stage = "fhir"       // the FHIR bundle
	StageKey        Stage = "key"        // issuer key lookup, x5c chain
	StageSignature  Stage = "signature"  // ES256 over the signing input
	StageValidity   Stage = "validity"   // nbf, exp against the clock
	StageRevocation Stage = "revocation" // rid against the issuer's list
	StageDone       Stage = "done"       // every stage passed
)

// The finding codes, named as the SMART Health Cards validator
// (health-cards-validation-SDK, src/error.ts) names its error codes, so
// that a report compares with the validator's. A Finding or an Error
// carries one of them.
const (
	CodeTrailingCharacters   = "TRAILING_CHARACTERS"
	CodeJSONParse            = "JSON_PARSE_ERROR"
	CodeInvalidQRHeader      = "INVALID_NUMERIC_QR_HEADER"
	CodeInvalidNumericQR     = "INVALID_NUMERIC_QR"
	CodeMissingQRChunk       = "MISSING_QR_CHUNK"
	CodeQRChunkingDeprecated = "QR_CHUNKING_DEPRECATED"
	CodeInvalidQR            = "INVALID_QR"
	CodeUnbalancedQRChunks   = "UNBALANCED_QR_CHUNKS"
	CodeJWSTooLong           = "JWS_TOO_LONG"
	CodeJWSHeader            = "JWS_HEADER_ERROR"
	CodeJWSVerification      = "JWS_VERIFICATION_ERROR"
	CodeSignatureFormat      = "SIGNATURE_FORMAT_ERROR"
	CodeInflation            = "INFLATION_ERROR"
	CodeSchema               = "SCHEMA_ERROR"
	CodeFHIRSchema           = "FHIR_SCHEMA_ERROR"
	CodeNotYetValid          = "NOT_YET_VALID"
	CodeExpiration           = "EXPIRATION_ERROR"
	CodeInvalidIssuerURL     = "INVALID_ISSUER_URL"
	CodeIssuerKeyDownload    = "ISSUER_KEY_DOWNLOAD_ERROR"
	CodeIssuerKIDMismatch    = "ISSUER_KID_MISMATCH"
	CodeIssuerNotTrusted     = "ISSUER_NOT_TRUSTED"
	CodeInvalidKeyX5C        = "INVALID_KEY_X5C"
	CodeInvalidKey           = "INVALID_KEY_SCHEMA"
	CodeInvalidKeyWrongKID   = "INVALID_KEY_WRONG_KID"
	CodeRevocation           = "REVOCATION_ERROR"
	// CodeRevoked has no counterpart in the validator, which checks the
	// form of revocation lists but not whether a card is on one.
	CodeRevoked = "REVOKED"
)

// Finding is an irregularity that does not, by itself, refuse a card: a
// deprecated form, a value that looks mistaken, a recommendation of the
// specification not followed. Verify returns them as warnings.
type Finding struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (f Finding) String() string { return f.Code + ": " + f.Message }

// Error is a refusal: the status, the stage that failed, the finding code
// and a technical detail naming what is wrong and where.
type Error struct {
	Status Status
	Stage  Stage
	Code   string
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("shc: %s at stage %s (%s): %s", e.Status, e.Stage, e.Code, e.Detail)
}

func fail(status Status, stage Stage, code, format string, args ...any) *Error {
	return &Error{Status: status, Stage: stage, Code: code, Detail: fmt.Sprintf(format, args...)}
}

func warn(code, format string, args ...any) Finding {
	return Finding{Code: code, Message: fmt.Sprintf(format, args...)}
}
