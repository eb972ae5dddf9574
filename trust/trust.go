// Package trust holds the trust material of a verifier: country signing CAs
// (CSCA), document signer certificates (DSC), their key identifiers and the
// event types each signer may sign.
//
// The key identifier (kid) follows the EU DCC / HCERT specification: the
// first 8 bytes of the SHA-256 digest of the signer certificate's DER. Key
// usage follows the DCC extended-key-usage OIDs
// 1.3.6.1.4.1.1847.2021.1.{1 test, 2 vaccination, 3 recovery}, the legacy
// 1.3.6.1.4.1.0.1847.2021.1.x arc, and ITHC's own OIDs for native event
// types (see OIDs in keyusage.go).
//
// Verifiers consume a Resolver; NewSigner precomputes everything the hot
// path needs from a certificate, so a lookup does no parsing.
//
// What to use first:
//
//   - a verifier: LoadFiles (a file or a directory of PEM, DER or base64
//     DER certificates) or NewStore with Store.Add / Store.AddChecked, and
//     hand the Store to the verifier as its Resolver;
//   - an issuer: GenerateCountry creates a country signing CA (CSCA) and a
//     document signer (DSC) with the DCC key-usage OIDs and Country.WriteDir
//     stores them (this is what `ithc pki init` does); NewCSCA, NewDSC,
//     NewUploadCertificate and NewTLSCertificate make each role's
//     certificate through any crypto.Signer, and CheckCertificate applies
//     the DCC/GDHCN certificate governance;
//   - a verifier of a gateway: VerifyList checks a signed list against the
//     trust anchor, BuildStore checks its entries, SaveSynced / LoadSynced
//     keep the offline copy (see list.go and synced.go).
//
// Private keys are not read here: package keys opens them by reference
// (PKCS#8 files or PKCS#11 objects in an HSM) as crypto.Signer, so that
// verifiers, which import trust, do not link the PKCS#11 machinery.
package trust

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
)

// KIDSize is the length of a key identifier in bytes.
const KIDSize = 8

// KID returns the key identifier of a signer certificate: the first 8 bytes of
// SHA-256 over its DER encoding.
func KID(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	return sum[:KIDSize]
}

// Resolver finds the candidate signers of a code. A verifier tries every
// candidate, so kid collisions are harmless.
type Resolver interface {
	// Signers returns every signer whose key identifier is kid. Country is
	// the issuer country claimed by the code (possibly empty); a resolver may
	// use it to narrow the search but must not rely on it for security. An
	// unknown kid is not an error: it returns no signers.
	Signers(kid []byte, country string) ([]*Signer, error)
}

// Signer is a document signer as the verification hot path needs it.
type Signer struct {
	// Certificate is the signer certificate.
	Certificate *x509.Certificate
	// PublicKey is Certificate.PublicKey.
	PublicKey crypto.PublicKey
	// KID is KID(Certificate).
	KID []byte
	// Country is the ISO 3166-1 alpha-2 code of the signer's country, from
	// the certificate subject's C attribute or the trust list entry.
	Country string
	// Usage is the set of event types the signer may sign. The zero value
	// means the certificate carries no health key-usage OID, which allows
	// every type (as the DCC specification says).
	Usage Usage
}
