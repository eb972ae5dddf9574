// Package vdsnc issues and verifies ICAO Visible Digital Seals for
// non-constrained environments (VDS-NC), the health proofs of ICAO's
// "Guidelines: VDS for Travel-Related Public Health Proofs": proof of
// vaccination (icao.vacc) and proof of testing (icao.test, antibody tests
// included).
//
// A seal is JSON:
//
//	{"data": {"hdr": {"t": "icao.vacc", "v": 1, "is": "AUS"}, "msg": {...}},
//	 "sig":  {"alg": "ES256", "cer": "<base64url DER>", "sigvl": "<base64url r‖s>"}}
//
// The signature covers the RFC 8785 canonical form (JCS) of data, not its
// bytes as received: the canonicaliser (internal/jcs) sorts members by
// UTF-16 code units, writes numbers as ECMAScript does and escapes strings
// as JSON.stringify does.
//
// What to use first:
//
//   - a verifier: LoadCSCAs (CSCA certificate files) or NewCSCAPool and
//     Add, then Verify(sealJSON, pool, Options{}); the Result has a Status
//     from ITHC's vocabulary (verify.Status(r.Status) converts), the
//     failed Stage, the Seal, its Signer certificate, the CSCA and the
//     seal in the ITHC model (Certificate);
//   - an issuer: FromCertificate (an ITHC certificate to seal Content) or
//     a Content built by hand, then Sign with a crypto.Signer and its
//     signer certificate;
//   - a conformance run over a folder of seals: CheckDir.
//
// # Verification
//
// Verify runs, in order: the JSON (strict I-JSON: no duplicate key, valid
// UTF-8, nothing after the document; invalid_encoding), the header and
// signature fields (invalid_signing_format; kid_not_included without cer),
// the signer certificate from cer, the signature (ES256, ES384, ES512 on
// P-256, P-384, P-521 with SHA-256, -384, -512, raw r‖s of exactly twice
// the curve size: a DER signature is an error; invalid_signature), the
// signer's extended key usage (2.23.136.1.1.14.2) and document type list
// (2.23.136.1.1.6.2: NV for vaccination, NT for test; key_usage_mismatch),
// the chain to a CSCA of the issuing state (issuer_not_trusted), the
// message (invalid_signing_format at stage schema) and the validity of the
// signer certificate and CSCA at Options.Now (expired_keys), and that a
// test report is not issued in the future (not_yet_valid).
//
// Decisions:
//
//   - cer and sigvl are read with or without base64url padding, as issuers
//     write both; wrong padding, the standard alphabet and non-zero trailing
//     bits are errors. Seals we sign carry padding.
//   - A signer certificate that lacks the extended key usage or the
//     document type list is accepted with a warning (the published test
//     signer is an X.509 v1 certificate, which has no extension); one that
//     carries them must allow the seal's type. Options.RequireExtensions
//     refuses a missing extension, as the ICAO profile reads.
//   - The chain: a trusted CA certificate (self-signed CSCA or link
//     certificate) whose subject is the signer's issuer (or whose key
//     identifier is its authority key identifier) must verify the signer
//     certificate, be of the country of the seal's issuing state (data.hdr.is
//     mapped to ISO 3166-1 alpha-2, see Alpha2) and be valid. A non-CA
//     certificate in the pool is trusted only as the signer of seals
//     carrying exactly it. There is no chain longer than CSCA → signer, as
//     in ICAO's PKI.
//   - A seal has no signing time: validity is checked at Options.Now.
//     CheckDir, for sample folders, checks each seal at the earliest time it
//     can verify (DirOptions.Now).
//   - The message is checked against the members the guidelines define;
//     an unknown member is an error (the ICAO JSON schemas forbid them).
//     Two required members of a dose, adm and lot, are read as optional:
//     the ITHC model records neither a lot nor always a centre, so seals
//     converted from it lack them.
//   - ICAO master lists (CMS SignedData of CSCAs, Doc 9303-12) are not read
//     yet: package internal/cms accepts id-data content only.
//
// # The ITHC model
//
// Content.Certificate maps a seal into package healthcert's model and
// FromCertificate maps back; both list what the other side cannot hold.
// Diseases and vaccines are ICD-11 in a seal and SNOMED CT in the model;
// the tables of this package hold only equivalences, and other codes are
// kept as they are. See Content.Certificate and FromCertificate.
package vdsnc
