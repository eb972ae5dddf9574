// Package envelope is ITHC's encrypted code: a signed HC1 code encrypted
// for the authorities of one or more recipient countries, so that anyone
// who scans it learns nothing of the holder's health data unless they hold
// a recipient country's private key (docs/format.md §8).
//
// It signs then encrypts. The inner object is an ordinary signed HC1 code
// (COSE_Sign1, as package hc1 writes it); its zlib-compressed COSE bytes
// are encrypted with AES-128-GCM under a fresh content key, and the content
// key is encrypted for each recipient with HPKE (RFC 9180, base mode,
// DHKEM(P-256) or DHKEM(X25519), HKDF-SHA256, AES-128-GCM) in the key
// encryption mode of draft-ietf-cose-hpke. The outer object is a
// COSE_Encrypt (RFC 9052) with one COSE_recipient per country, each
// carrying the key identifier of the recipient key and the HPKE
// encapsulated key, written as "HCE1:" + Base45. The recipient keys are
// published by each country through the gateway (KeyRecord, entries of
// kind "encryption" in the signed trust list).
//
// Start with Seal on the issuer's side (after hc1.Sign) and an Opener on
// the verifier's side: an Opener is a verify.Decrypter, so
// verify.Options{Decrypter: opener} verifies encrypted codes like plain
// ones, with the status decryption_failed (stage decrypt) when the
// verifier is not a recipient, holds the wrong key, or a byte changed.
// KeyRing selects the recipient keys of countries from a synced trust list
// (LoadSyncedKeys) or a file (ParseKeyRecords).
//
// # Decisions
//
//   - Nothing of the certificate is readable without a recipient key: no
//     public header (issuer country, kid, expiry, certificate type). Such a
//     header could be signed, but its authenticity is worth little without
//     the identity it belongs to (a copied code shows the same header), it
//     would itself be health data (a recovery, a recent test), and it costs
//     about 150 QR characters. What anyone can read are the recipient key
//     identifiers, which the trust list maps to countries: a verifier that
//     is not a recipient says for whom the code is encrypted.
//   - Every byte is authenticated for every recipient: the content's
//     additional data (Enc_structure external_aad) is the encoded
//     recipients array, so no recipient's entry can be changed, removed or
//     added without every decryption failing, and the HPKE info binds each
//     recipient's protected header (its algorithm).
//   - The plaintext is compressed before encryption (the HC1 zlib stream);
//     the outer object is not compressed, since ciphertext does not
//     compress. Its length reveals the compressed certificate's length,
//     as the plain code does.
//   - Opening checks only the encryption. The inner code is verified by
//     package verify as any HC1 code: trust, validity, revocation and
//     rules are not weakened by encryption, nor repeated here.
//   - Sizes are bounded by internal/limits (MaxRecipients,
//     MaxEnvelopeText, MaxEnvelopeKID); the parser is strict (see
//     cose.go) and fuzzed.
package envelope

import (
	"errors"
	"strings"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/verify"
)

// Prefix starts the QR text of an encrypted code (verify.EncryptedPrefix).
const Prefix = verify.EncryptedPrefix

// Errors callers branch on with errors.Is; the wrapping error says what
// and where.
var (
	// ErrMalformed means the text is not a well-formed encrypted code.
	ErrMalformed = errors.New("envelope: malformed encrypted code")
	// ErrNotRecipient means none of the code's recipients is a key the
	// Opener holds.
	ErrNotRecipient = errors.New("envelope: not a recipient")
	// ErrDecrypt means a key did not decrypt: a wrong private key under
	// the recipient's kid, or a changed byte.
	ErrDecrypt = errors.New("envelope: decryption failed")
	// ErrKeyRecord means a published recipient key record is invalid.
	ErrKeyRecord = errors.New("envelope: invalid recipient key record")
	// ErrUnsupportedKey means a key of a curve other than P-256 or X25519.
	ErrUnsupportedKey = errors.New("envelope: unsupported recipient key")
)

// decodeText checks the prefix and length of an encrypted code and returns
// its CBOR.
func decodeText(text string) ([]byte, error) {
	if len(text) > limits.MaxEnvelopeText {
		return nil, errorsf(ErrMalformed, "%d characters, more than the %d a QR code holds", len(text), limits.MaxEnvelopeText)
	}
	body, ok := strings.CutPrefix(text, Prefix)
	if !ok {
		return nil, errorsf(ErrMalformed, "the text does not start with %q", Prefix)
	}
	b, err := base45.Decode(body)
	if err != nil {
		return nil, errorsf(ErrMalformed, "base45: %v", err)
	}
	return b, nil
}

// innerCOSE returns the zlib-compressed COSE_Sign1 of a signed HC1 code.
func innerCOSE(inner string) ([]byte, error) {
	if len(inner) > limits.MaxQRText {
		return nil, errorsf(ErrMalformed, "the signed code has %d characters, more than %d", len(inner), limits.MaxQRText)
	}
	body, err := hc1.Unprefix(inner)
	if err != nil {
		return nil, errorsf(ErrMalformed, "the signed code: %v", err)
	}
	b, err := hc1.DecodeBase45(body)
	if err != nil {
		return nil, errorsf(ErrMalformed, "the signed code: %v", err)
	}
	return b, nil
}

// Parse checks the structure of an encrypted code without decrypting it
// and returns the key identifiers of its recipients, in order. It is what
// a verifier without a key can learn.
func Parse(text string) (kids [][]byte, err error) {
	b, err := decodeText(text)
	if err != nil {
		return nil, err
	}
	m, err := parseMessage(b)
	if err != nil {
		return nil, err
	}
	for _, r := range m.recipients {
		kids = append(kids, r.kid)
	}
	return kids, nil
}
