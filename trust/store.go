package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"

	"github.com/ithc/ithc/internal/limits"
)

// Errors returned by the store and the loaders. Callers branch on them with
// errors.Is; the wrapping error says which certificate or file.
var (
	// ErrUnsupportedKey means a certificate or private key holds a key that
	// cannot sign health certificates: only ECDSA P-256 and P-384, RSA of at
	// least 2048 bits and Ed25519 are accepted.
	ErrUnsupportedKey = errors.New("trust: unsupported key")

	// ErrTooManyCertificates means a store or a load reached
	// limits.MaxTrustCertificates.
	ErrTooManyCertificates = errors.New("trust: too many certificates")

	// ErrNotIssuedByCSCA means AddChecked found that a document signer was
	// not issued by the given CSCA (wrong issuer name, bad signature, a CSCA
	// that is not a CA, or a validity not nested in the CSCA's).
	ErrNotIssuedByCSCA = errors.New("trust: document signer not issued by csca")

	// ErrBadCountry means a country code is not an ISO 3166-1 alpha-2 code
	// (two ASCII letters).
	ErrBadCountry = errors.New("trust: invalid country code")
)

// Store is an in-memory Resolver over document signer certificates. The zero
// value is not usable; create one with NewStore. A Store is safe for
// concurrent use: Add may run while verifiers call Signers.
type Store struct {
	mu    sync.RWMutex
	byKID map[[KIDSize]byte][]*Signer
	n     int
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{byKID: make(map[[KIDSize]byte][]*Signer)}
}

// Add adds a document signer certificate. Country, when not empty, is the
// ISO 3166-1 alpha-2 code of the signer's country as the trust list says
// (upper-cased); when empty the certificate subject's C attribute is used.
//
// Add rejects, with ErrUnsupportedKey, certificates whose key cannot sign
// codes: only ECDSA P-256 and P-384, RSA of at least 2048 bits and Ed25519
// are accepted (certificates with explicit EC parameters do not even parse).
// Key usage and the basic constraints are not checked here: real trust lists
// carry signers with and without them, and the verifier checks the health
// key-usage OIDs per event. Adding a certificate already in the store is a
// no-op.
func (s *Store) Add(cert *x509.Certificate, country string) error {
	if cert == nil {
		return errors.New("trust: add: nil certificate")
	}
	if err := CheckPublicKey(cert.PublicKey); err != nil {
		return fmt.Errorf("trust: certificate %q: %w", cert.Subject.String(), err)
	}
	if country != "" {
		c, err := normaliseCountry(country)
		if err != nil {
			return err
		}
		country = c
	}
	sig := NewSigner(cert, country)
	key := [KIDSize]byte(sig.KID)

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.byKID[key] {
		if bytes.Equal(old.Certificate.Raw, cert.Raw) {
			return nil
		}
	}
	if s.n >= limits.MaxTrustCertificates {
		return fmt.Errorf("%w: the store holds %d (limit %d)", ErrTooManyCertificates, s.n, limits.MaxTrustCertificates)
	}
	list := s.byKID[key]
	// Copy on write: slices handed out by Signers are never changed.
	grown := make([]*Signer, len(list), len(list)+1)
	copy(grown, list)
	s.byKID[key] = append(grown, sig)
	s.n++
	return nil
}

// AddChecked adds the document signer dsc after checking that the country
// signing CA csca issued it: the issuer name of dsc is the subject of csca,
// csca is a CA allowed to sign certificates, the signature verifies, and the
// validity of dsc lies inside the validity of csca. When both certificates
// name a country (subject C), they must agree. It does not look at the
// current time (a verifier checks the validity window against the time it
// is given) nor at revocation; a full chain check is the job of the PKI
// layer. Failures wrap ErrNotIssuedByCSCA.
func (s *Store) AddChecked(dsc, csca *x509.Certificate) error {
	country, err := checkIssued(dsc, csca)
	if err != nil {
		return err
	}
	return s.Add(dsc, country)
}

// checkIssued makes AddChecked's checks and returns the signer's country.
func checkIssued(dsc, csca *x509.Certificate) (string, error) {
	if dsc == nil || csca == nil {
		return "", errors.New("trust: add checked: nil certificate")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %q: %s", ErrNotIssuedByCSCA, dsc.Subject.String(), fmt.Sprintf(format, args...))
	}
	if !bytes.Equal(dsc.RawIssuer, csca.RawSubject) {
		return "", fail("issuer %q is not the csca subject %q", dsc.Issuer.String(), csca.Subject.String())
	}
	if !csca.BasicConstraintsValid || !csca.IsCA {
		return "", fail("csca %q is not a ca (basic constraints)", csca.Subject.String())
	}
	if err := dsc.CheckSignatureFrom(csca); err != nil {
		return "", fail("signature: %v", err)
	}
	if dsc.NotBefore.Before(csca.NotBefore) || dsc.NotAfter.After(csca.NotAfter) {
		return "", fail("validity %s to %s is not inside the csca validity %s to %s",
			dsc.NotBefore.UTC().Format(timeLayout), dsc.NotAfter.UTC().Format(timeLayout),
			csca.NotBefore.UTC().Format(timeLayout), csca.NotAfter.UTC().Format(timeLayout))
	}
	country := ""
	if len(csca.Subject.Country) > 0 {
		country = csca.Subject.Country[0]
	}
	if len(dsc.Subject.Country) > 0 {
		if country != "" && dsc.Subject.Country[0] != country {
			return "", fail("country %q differs from the csca country %q", dsc.Subject.Country[0], country)
		}
		country = dsc.Subject.Country[0]
	}
	return country, nil
}

const timeLayout = "2006-01-02T15:04:05Z"

// Signers returns every signer whose key identifier is kid. It implements
// Resolver.
//
// The country argument is ignored: every candidate with that kid is
// returned, because a verifier tries them all and the country a code claims
// is not authenticated. A kid that is not KIDSize bytes long matches nothing.
// The lookup does not allocate. The returned slice is shared: callers must
// not modify it (appending to it is safe: it has no spare capacity).
func (s *Store) Signers(kid []byte, country string) ([]*Signer, error) {
	if len(kid) != KIDSize {
		return nil, nil
	}
	s.mu.RLock()
	list := s.byKID[[KIDSize]byte(kid)]
	s.mu.RUnlock()
	return list[:len(list):len(list)], nil
}

// Len returns the number of certificates in the store.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.n
}

// All returns every signer in the store, in no particular order.
func (s *Store) All() []*Signer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Signer, 0, s.n)
	for _, list := range s.byKID {
		out = append(out, list...)
	}
	return out
}

// CheckPublicKey reports, with an error wrapping ErrUnsupportedKey, whether
// pub cannot sign health certificates. Accepted: ECDSA P-256 and P-384 (the
// ES256 and ES384 algorithms), RSA with a modulus of at least 2048 bits
// (PS256) and Ed25519 (EdDSA).
func CheckPublicKey(pub any) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() || k.Curve == elliptic.P384() {
			return nil
		}
		name := "unknown"
		if k.Curve != nil {
			name = k.Curve.Params().Name
		}
		return fmt.Errorf("%w: ecdsa curve %s (want P-256 or P-384)", ErrUnsupportedKey, name)
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < 2048 {
			bits := 0
			if k.N != nil {
				bits = k.N.BitLen()
			}
			return fmt.Errorf("%w: rsa key of %d bits (want at least 2048)", ErrUnsupportedKey, bits)
		}
		return nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: ed25519 key of %d bytes", ErrUnsupportedKey, len(k))
		}
		return nil
	case nil:
		return fmt.Errorf("%w: no public key", ErrUnsupportedKey)
	}
	return fmt.Errorf("%w: key type %T", ErrUnsupportedKey, pub)
}

// normaliseCountry upper-cases an ISO 3166-1 alpha-2 code and checks that it
// is two ASCII letters.
func normaliseCountry(c string) (string, error) {
	if len(c) != 2 {
		return "", fmt.Errorf("%w: %q is not two letters", ErrBadCountry, c)
	}
	b := []byte(c)
	for i, ch := range b {
		switch {
		case ch >= 'A' && ch <= 'Z':
		case ch >= 'a' && ch <= 'z':
			b[i] = ch - 'a' + 'A'
		default:
			return "", fmt.Errorf("%w: %q is not two letters", ErrBadCountry, c)
		}
	}
	return string(b), nil
}
