// Package shc issues and verifies SMART Health Cards 1.3
// (https://spec.smarthealth.cards): the "shc:/" numeric QR text, the
// compact JWS it carries (ES256 with a raw r‖s signature, a raw DEFLATE
// payload, kid = RFC 7638 thumbprint of the issuer's key), the payload
// (iss, nbf, exp, vc) and its FHIR R4 bundle, .smart-health-card files
// and FHIR $health-cards-issue responses, issuers' JWK sets (x5c chains
// checked when present), the VCI directory's signed key snapshot, and
// rid revocation lists. It maps a card's Patient, Immunizations and
// COVID-19 test Observations to and from the native model (package
// healthcert).
//
// Start with Verify (a QR text or a JWS), VerifyChunks (the deprecated
// chunked QR form) and a KeyStore (LoadIssuerDir, ParseVCISnapshot,
// AddKeys) as the KeyResolver; Issue and EncodeQR to issue. Each layer
// is exported on its own: DecodeQR, ParseJWS, ParsePayload, ParseBundle,
// ToCertificate, FromCertificate, ParseFile, ParseIssueResponse,
// ParseJWKS, ParseCRL, ParseDirectory, CheckPayload.
//
// A Result's Status is a status of the verify package's vocabulary
// (the same strings, so that verify.Status(r.Status) maps it; shc does
// not import verify, so that verify can import shc). Every refusal and
// warning also carries the error code the specification's validator
// (health-cards-validation-SDK) gives the same problem, so that reports
// compare with it; package shc/conformance runs the validator's cases.
//
// # Decisions
//
//   - Strict decoding: exact base64url without padding; JSON without
//     duplicate keys, invalid UTF-8, a byte order mark or trailing data;
//     a DER-encoded signature is refused, never converted; inflation stops
//     past limits.MaxSHCPayload, so a decompression bomb costs at most that.
//   - Lenient on purpose, with a warning: the deprecated chunked QR form,
//     in any order; a JWS too long for one QR code when it comes from a
//     file; an nbf after the verification time (nbf is the issuance date,
//     not a start of validity, and the specification's validator warns;
//     Options.RejectFutureIssuance refuses instead); an exp that looks like
//     milliseconds; the specification's SHOULDs on FHIR content (short
//     references), which Strict makes errors, as Issue and the validator
//     apply them.
//   - Fail closed on revocation: a key that announces a revocation list
//     that is missing or malformed refuses its cards. A rid listed with a
//     timestamp revokes the cards issued (nbf) before it.
//   - Time comes in through Options.Now; nothing deep inside reads the
//     clock.
//   - The mapping to the native model invents nothing: what cards lack
//     (an identifier, a country, dose numbers) stays empty, and resources
//     the model does not hold are listed in a warning. Codes of other
//     systems than the EU value sets are prefixed in the native model:
//     "cvx:207", "icd11:XM0GQ8", "snomed:…", "mvx:MOD".
//
// docs/shc.md has the stage table, the mapping table and the conformance
// decisions.
package shc
