package envelope

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// KeyFormat is KeyRecord.Format.
const KeyFormat = "ithc-encryption-key/1"

// KeyRecord is a country's published recipient key: the content of a
// gateway entry of kind "encryption", uploaded as CMS signed by the
// country's upload certificate and listed in the signed trust list.
type KeyRecord struct {
	// Format is KeyFormat.
	Format string `json:"format"`
	// Country is the ISO 3166-1 alpha-2 code of the recipient country.
	Country string `json:"country"`
	// KID is KeyID(PublicKey): the first 8 bytes of SHA-256 of the
	// SubjectPublicKeyInfo (standard base64 in JSON). It is the gateway
	// entry's ID and the kid of the code's recipient.
	KID []byte `json:"kid"`
	// Alg is "HPKE-0-KE" (P-256) or "HPKE-3-KE" (X25519).
	Alg string `json:"alg"`
	// PublicKey is the DER SubjectPublicKeyInfo (standard base64 in JSON).
	PublicKey []byte `json:"public_key"`
	// NotBefore and NotAfter bound when issuers may encrypt for the key.
	// Verifiers keep the private key longer: until the last code
	// encrypted for it expires.
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`

	key *ecdh.PublicKey
	alg int64
}

// KeyID returns the key identifier of a recipient public key: the first 8
// bytes of SHA-256 of its DER SubjectPublicKeyInfo.
func KeyID(pub *ecdh.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("envelope: key identifier: %v", err)
	}
	sum := sha256.Sum256(der)
	return sum[:8], nil
}

// algFor returns the key encryption algorithm of a curve.
func algFor(c ecdh.Curve) (int64, error) {
	switch c {
	case ecdh.P256():
		return AlgHPKE0KE, nil
	case ecdh.X25519():
		return AlgHPKE3KE, nil
	}
	return 0, fmt.Errorf("%w: curve %v (want P-256 or X25519)", ErrUnsupportedKey, c)
}

// NewKeyRecord describes pub as country's recipient key, valid from
// notBefore to notAfter.
func NewKeyRecord(country string, pub *ecdh.PublicKey, notBefore, notAfter time.Time) (*KeyRecord, error) {
	alg, err := algFor(pub.Curve())
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("envelope: %v", err)
	}
	kid, _ := KeyID(pub)
	r := &KeyRecord{Format: KeyFormat, Country: country, KID: kid, Alg: algName(alg), PublicKey: der,
		NotBefore: notBefore.UTC().Truncate(time.Second), NotAfter: notAfter.UTC().Truncate(time.Second)}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}

// Marshal returns the record as the JSON that is uploaded and published.
func (r *KeyRecord) Marshal() []byte {
	b, _ := json.Marshal(r)
	return b
}

// ParseKeyRecord parses and checks a published recipient key: its format,
// country, algorithm, public key (which must be of the algorithm's curve),
// key identifier (which must be the key's), and validity (not before
// before not after, at most limits.MaxEncryptionKeyValidity days). It does
// not compare the validity with the time.
func ParseKeyRecord(data []byte) (*KeyRecord, error) {
	if len(data) > limits.MaxEncryptionKeyRecord {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrKeyRecord, len(data), limits.MaxEncryptionKeyRecord)
	}
	var r KeyRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyRecord, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the record", ErrKeyRecord)
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return &r, nil
}

// check checks a record whose key is set or given in PublicKey.
func (r *KeyRecord) check() error {
	if r.Format != KeyFormat {
		return fmt.Errorf("%w: format %q, want %q", ErrKeyRecord, r.Format, KeyFormat)
	}
	if !validCountry(r.Country) {
		return fmt.Errorf("%w: country %q is not an ISO 3166-1 alpha-2 code", ErrKeyRecord, r.Country)
	}
	if r.key == nil {
		pub, err := x509.ParsePKIXPublicKey(r.PublicKey)
		if err != nil {
			return fmt.Errorf("%w: public_key: %v", ErrKeyRecord, err)
		}
		switch k := pub.(type) {
		case *ecdh.PublicKey:
			r.key = k
		case *ecdsa.PublicKey:
			if r.key, err = k.ECDH(); err != nil {
				return fmt.Errorf("%w: public_key: %v", ErrKeyRecord, err)
			}
		default:
			return fmt.Errorf("%w: public_key: %T is not an ECDH key", ErrKeyRecord, pub)
		}
	}
	if r.key == nil {
		return fmt.Errorf("%w: public_key is not an ECDH key", ErrKeyRecord)
	}
	alg, err := algFor(r.key.Curve())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKeyRecord, err)
	}
	if r.Alg != algName(alg) {
		return fmt.Errorf("%w: alg %q does not match the key (%s)", ErrKeyRecord, r.Alg, algName(alg))
	}
	r.alg = alg
	kid, err := KeyID(r.key)
	if err != nil {
		return err
	}
	if !bytes.Equal(kid, r.KID) {
		return fmt.Errorf("%w: kid %s is not the key's (%s)", ErrKeyRecord, KIDString(r.KID), KIDString(kid))
	}
	if r.NotBefore.IsZero() || r.NotAfter.IsZero() || !r.NotBefore.Before(r.NotAfter) {
		return fmt.Errorf("%w: validity %s to %s is empty", ErrKeyRecord, timeString(r.NotBefore), timeString(r.NotAfter))
	}
	if r.NotAfter.Sub(r.NotBefore) > limits.MaxEncryptionKeyValidity*24*time.Hour {
		return fmt.Errorf("%w: validity %s to %s is longer than %d days (rotate keys)", ErrKeyRecord,
			timeString(r.NotBefore), timeString(r.NotAfter), limits.MaxEncryptionKeyValidity)
	}
	return nil
}

// Key returns the public key.
func (r *KeyRecord) Key() *ecdh.PublicKey { return r.key }

// ValidAt reports whether issuers may encrypt for the key at t.
func (r *KeyRecord) ValidAt(t time.Time) bool {
	return !t.Before(r.NotBefore) && !t.After(r.NotAfter)
}

// Recipient returns the record as a recipient of Seal.
func (r *KeyRecord) Recipient() Recipient {
	return Recipient{Country: r.Country, KID: r.KID, Key: r.key}
}

// KIDString returns a key identifier in standard base64, as lists and
// messages write it.
func KIDString(kid []byte) string { return base64.StdEncoding.EncodeToString(kid) }

func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}
