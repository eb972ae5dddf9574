// Package revocation revokes single certificates: the entries that name a
// certificate, the signed batches a country publishes them in through the
// gateway, and the compact lookup structure a verifier answers from.
//
// It follows the EU DCC revocation scheme (eHealth Network, "Technical
// specification for the DCC revocation", 2022): an entry is the SHA-256 of
// an identifier truncated to its first 128 bits, of one of three hash
// types,
//
//   - HashUCI: the certificate identifier (the DCC's ci, the native
//     certificate's ID), as UTF-8;
//   - HashCountryCodeUCI: the issuing country's ISO 3166-1 alpha-2 code
//     followed by the UCI, as UTF-8, without separator;
//   - HashSignature: the signature of the code; for ECDSA only its first
//     half r, so that the same signature re-encoded (s replaced by n−s)
//     cannot escape revocation.
//
// and one of ITHC's own for SMART Health Cards, HashSHCRID: the card's
// issuer, key thumbprint and rid (HashOfSHCRID), in batches that name the
// issuer key instead of a document signer and carry the rids' timestamp
// (Header.Iss, Header.RevokedBefore) and the rids themselves, so that an
// issuer's revocation list converts to batches and back (ParseSHCList,
// SHCBatches, SHCListOf).
//
// A Batch revokes entries of one hash type for certificates of one
// document signer (named by its kid); its canonical binary body
// (Batch.Marshal, ParseBatch) is what the country signs as CMS with its
// upload certificate. A verifier keeps an Index: entries partitioned by
// signer kid and hash type, in sorted runs bucketed by hash prefix, about
// 15 bytes per entry, answering verify.RevocationChecker exactly (no
// probabilistic filter, hence no false positive). State is what a
// verifier persists of the gateway's batch list (ParseState).
//
// docs/revocation.md describes the formats, the gateway routes and the
// figures.
package revocation
