// Package cms signs and verifies CMS SignedData (RFC 5652): the envelope in
// which a country's national backend uploads a document signer certificate,
// and later rules or revocation batches, to the mutual-recognition gateway,
// signed with its upload certificate, as the national backends of the EU DCC
// gateway do.
//
// What to use first:
//
//   - a national backend (or a test) calls Sign with the content, its upload
//     certificate and a crypto.Signer (a key file or an HSM object);
//   - the gateway calls Parse on the body, then SignedData.Verify, and
//     compares the signer certificate Verify returns with the upload
//     certificate it onboarded for the caller's country.
//
// # What is signed
//
// Sign writes a DER ContentInfo holding a version 1 SignedData: the
// encapsulated content as id-data (or none with SignOptions.Detached), one
// SignerInfo identified by issuerAndSerialNumber, the signed attributes
// contentType, signingTime and messageDigest, and the signer certificate
// plus any chain certificates. The digest follows the key: SHA-256 for
// P-256 and RSA keys, SHA-384 for P-384, SHA-512 for P-521 and Ed25519
// (RFC 8419 §3.1 requires SHA-512 with Ed25519). RSA keys sign with
// PKCS #1 v1.5 or, with SignOptions.PSS, RSASSA-PSS with explicit
// parameters (MGF1 with the same hash, a salt as long as the hash).
//
// # What Parse accepts
//
// Encoding. Parse accepts DER and, in the envelope only, the two BER
// features that real clients emit: indefinite lengths on constructed values
// and an encapsulated content split into a constructed OCTET STRING of
// primitive segments. The
// EU gateway's reference client (dgc-lib) serialises with Bouncy Castle's
// CMSSignedData.getEncoded(), which writes exactly that (its messages start
// 30 80), and so does `openssl cms -sign -stream`; refusing BER would refuse
// the national backends this gateway is built for. Everything else must be
// DER: lengths minimal even where BER is allowed, strings primitive outside
// the content, and the signed attributes, algorithm identifiers and
// certificates wholly DER, because the signature covers the DER encoding
// of the signed attributes and crypto/x509 parses DER only. Trailing bytes
// after the ContentInfo, or inside any value, are an error.
//
// Structure. The content type must be id-signedData; the encapsulated
// content type may be any (Verify checks it is the one the caller expects:
// id-data, the type the gateway exchanges, unless VerifyOptions.ContentType
// names another, such as an ICAO master list's); the
// certificates must be X.509 (no attribute or other certificate formats);
// revocation information (crls) is refused; unsigned attributes are checked
// for structure and otherwise ignored. Every SignerInfo must carry signed
// attributes with exactly one contentType and one messageDigest (and, if
// present, one signingTime); no attribute type may repeat. A SignerInfo
// without signed attributes, which RFC 5652 allows for id-data, is refused:
// the gateway wants the content type and the signing time signed. Sizes,
// counts and nesting are bounded by the constants of internal/limits
// (MaxCMS and the MaxCMS… caps).
//
// Algorithms. Digests: SHA-256, SHA-384, SHA-512 (parameters absent or
// NULL); SHA-1 and MD5 are refused. Signatures: ecdsa-with-SHA256/384/512,
// sha256/384/512WithRSAEncryption, rsaEncryption (as OpenSSL writes it; the
// hash is then the digest algorithm's), id-RSASSA-PSS with explicit SHA-2
// hash and MGF1 parameters and any salt length, and id-Ed25519. A signature
// algorithm that names a hash must name the digest algorithm's. When the
// signer includes the cmsAlgorithmProtection attribute (RFC 6211, as recent
// Bouncy Castle does), it must match the SignerInfo's algorithms.
//
// # What Verify checks, and what it does not
//
// Verify checks that there is exactly one signer (every signer with
// VerifyOptions.AllSigners), that the encapsulated content type is the one
// expected (id-data by default) and its contentType attribute names it,
// that its messageDigest attribute equals the digest of the content
// (supplied in VerifyOptions.Content for a detached signature), and that
// the signature verifies, with the key of the certificate the signer
// identifier names, over the DER encoding of the signed attributes with the
// SET OF tag (RFC 5652 §5.4). That encoding is the received bytes with the
// [0] tag replaced: since Parse requires them to be DER they are the DER
// encoding. The attributes are used in the order received, not re-sorted
// (OpenSSL verifies the same way); a signer that did not sort them signed
// that order, and re-sorting would only break its signature.
//
// Verify does no certificate path validation, no validity-period, key-usage
// or revocation check and no check of the signing time against a clock: the
// gateway decides whether the signer is the upload certificate it onboarded
// for the caller's country, and whether the signing time is recent. The
// signer certificate is found among the message's certificates (and
// VerifyOptions.Certificates) by issuer and serial number, compared
// byte for byte with the certificate's issuer, or by subject key
// identifier.
package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"time"
)

// SignedData is a parsed CMS SignedData.
type SignedData struct {
	// Version is the SignedData version (1 or 3).
	Version int

	// ContentType is the encapsulated content type: id-data for the
	// gateway's uploads; Verify checks it against what the caller expects.
	ContentType asn1.ObjectIdentifier

	// Content is the encapsulated content. It is nil, and
	// Detached is true, when the message does not carry its content.
	Content []byte

	// Detached reports a message without encapsulated content: its content
	// is given to Verify in VerifyOptions.Content.
	Detached bool

	// Certificates are the certificates the message carries, in order.
	Certificates []*x509.Certificate

	// SignerInfos are the signers, in order.
	SignerInfos []SignerInfo
}

// SignerInfo is one signer of a SignedData.
type SignerInfo struct {
	// Version is 1 when the signer is identified by Issuer and
	// SerialNumber, 3 when by SubjectKeyID.
	Version int

	// Issuer is the DER issuer name of the signer certificate (version 1).
	Issuer []byte
	// SerialNumber is the signer certificate's serial number (version 1).
	SerialNumber *big.Int
	// SubjectKeyID is the signer certificate's subject key identifier
	// (version 3).
	SubjectKeyID []byte

	// DigestAlgorithm is the hash of the content (crypto.SHA256, SHA384 or
	// SHA512).
	DigestAlgorithm crypto.Hash

	// SignatureAlgorithm is the signature algorithm. An RSASSA-PSS
	// signature is reported with the constant for its hash whatever its
	// salt length.
	SignatureAlgorithm x509.SignatureAlgorithm

	// SigningTime is the signingTime attribute, or the zero time when the
	// signer did not include one. It is what the signer claims, not checked
	// here.
	SigningTime time.Time

	// MessageDigest is the messageDigest attribute: the digest of the
	// content the signer signed.
	MessageDigest []byte

	// Signature is the signature value.
	Signature []byte

	contentType asn1.ObjectIdentifier
	signedAttrs []byte // the signed attributes as signed: DER, with the SET OF tag
	scheme      scheme
}

// SigningTime returns the signing time of the first signer, or the zero
// time when there is no signer or it has no signingTime attribute. The
// gateway, which accepts exactly one signer, reads it after Verify.
func (sd *SignedData) SigningTime() time.Time {
	if len(sd.SignerInfos) == 0 {
		return time.Time{}
	}
	return sd.SignerInfos[0].SigningTime
}

// Errors of Verify, for callers that branch on them; each is returned
// wrapped with details (the signer's index, the digests, ...). Malformed
// input is reported by Parse as a *ParseError.
var (
	// ErrNoContent: the message is detached and VerifyOptions.Content is nil.
	ErrNoContent = errors.New("cms: detached signature and no content supplied (VerifyOptions.Content)")
	// ErrSignerCount: no signer, or more than one without AllSigners.
	ErrSignerCount = errors.New("cms: wrong number of signers")
	// ErrContentTypeMismatch: the contentType attribute is not the
	// encapsulated content type.
	ErrContentTypeMismatch = errors.New("cms: contentType attribute does not match the encapsulated content type")
	// ErrDigestMismatch: the messageDigest attribute is not the digest of
	// the content.
	ErrDigestMismatch = errors.New("cms: message digest does not match content")
	// ErrUnknownSigner: no certificate matches the signer identifier.
	ErrUnknownSigner = errors.New("cms: no certificate matches the signer identifier")
	// ErrInvalidSignature: the signature does not verify with the signer
	// certificate's key.
	ErrInvalidSignature = errors.New("cms: signature does not verify with the signer certificate's key")
)
