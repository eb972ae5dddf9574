package shc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// Errors of key resolution, which Verify maps to statuses.
var (
	// ErrUnknownIssuer means the resolver trusts no issuer of that iss.
	ErrUnknownIssuer = errors.New("shc: issuer not trusted")
	// ErrUnknownKey means the issuer is trusted but has no key of that kid.
	ErrUnknownKey = errors.New("shc: no key with that kid")
	// ErrKeyOfOtherIssuer means a key of that kid is known, but not as a
	// key of the card's issuer.
	ErrKeyOfOtherIssuer = errors.New("shc: the key belongs to another issuer")
)

// KeyResolver finds the public key that signed a card: the key whose kid
// is in the JWS header, among the keys of the issuer named by the
// payload's iss. *KeyStore implements it; a verifier service may plug in
// its own, backed by a synchronised trust list.
type KeyResolver interface {
	// ResolveKey returns the key, or an error wrapping ErrUnknownIssuer,
	// ErrUnknownKey or ErrKeyOfOtherIssuer.
	ResolveKey(iss, kid string) (*Key, error)
}

// Key is an issuer's public key, from a JWK.
type Key struct {
	// KID is the RFC 7638 thumbprint, base64url; loading checks it.
	KID string
	// Public is the P-256 key.
	Public *ecdsa.PublicKey
	// Issuer is the iss the key was published for ("" for a key given
	// without an issuer).
	Issuer string
	// IssuerName is the issuer's name in a trust directory, if known.
	IssuerName string
	// Chain is the x5c certificate chain, leaf first, when the JWK has
	// one. Verify checks it at the verification time.
	Chain []*x509.Certificate
	// CRLVersion is the JWK's crlVersion: when non-zero, the issuer
	// publishes a revocation list for this key.
	CRLVersion int
	// CRL is the key's revocation list, when loaded.
	CRL *CRL
	// CRLErr is set when the key announces a revocation list that could
	// not be read or is malformed: Verify refuses the key's cards, as
	// their revocation status cannot be established.
	CRLErr error
}

// Thumbprint returns the RFC 7638 thumbprint of a P-256 public key:
// base64url of SHA-256 over {"crv":"P-256","kty":"EC","x":…,"y":…}.
func Thumbprint(pub *ecdsa.PublicKey) (string, error) {
	x, y, err := coordinates(pub)
	if err != nil {
		return "", err
	}
	canon := `{"crv":"P-256","kty":"EC","x":"` + b64.EncodeToString(x) + `","y":"` + b64.EncodeToString(y) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:]), nil
}

// coordinates returns the 32-byte big-endian x and y of a P-256 key.
func coordinates(pub *ecdsa.PublicKey) (x, y []byte, err error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, nil, errNotES256
	}
	raw, err := pub.ECDH()
	if err != nil {
		return nil, nil, fmt.Errorf("shc: invalid public key: %w", err)
	}
	b := raw.Bytes() // 0x04 ‖ x ‖ y
	return b[1:33], b[33:65], nil
}

// jwk is the wire form of one JWK.
type jwk struct {
	Kty        string          `json:"kty"`
	Kid        string          `json:"kid"`
	Use        string          `json:"use"`
	Alg        string          `json:"alg"`
	Crv        string          `json:"crv"`
	X          string          `json:"x"`
	Y          string          `json:"y"`
	D          string          `json:"d"`
	X5C        []string        `json:"x5c"`
	CRLVersion json.RawMessage `json:"crlVersion"`
}

// ParseJWKS reads a JSON Web Key Set ({"keys": [...]}) of an issuer and
// returns its ES256 signing keys for iss (which may be "" for keys not
// tied to an issuer). A key that is not an EC P-256 signing key for ES256
// ("enc" keys sit in the same sets), or whose kid is not its thumbprint,
// or whose x5c chain does not hold its key, is left out with a finding;
// a set that is not a JWK set, or holds no usable key, is an error. A
// key that carries private material ("d") is kept, with a finding: the
// issuer leaked it, and the verifier should know.
func ParseJWKS(iss string, data []byte) ([]*Key, []Finding, error) {
	if len(data) > limits.MaxSHCFile {
		return nil, nil, fmt.Errorf("shc: jwk set of %d bytes, more than %d", len(data), limits.MaxSHCFile)
	}
	if _, err := parseJSON(data); err != nil {
		return nil, nil, fmt.Errorf("shc: jwk set is not json: %v", err)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil || set.Keys == nil {
		return nil, nil, errors.New("shc: not a jwk set: no \"keys\" array")
	}
	if len(set.Keys) > limits.MaxSHCKeys {
		return nil, nil, fmt.Errorf("shc: jwk set of %d keys, more than %d", len(set.Keys), limits.MaxSHCKeys)
	}
	var keys []*Key
	var findings []Finding
	for i, raw := range set.Keys {
		k, f, err := parseJWK(iss, raw)
		findings = append(findings, f...)
		if err != nil {
			findings = append(findings, warn(CodeInvalidKey, "key %d left out: %v", i, err))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, findings, errors.New("shc: the jwk set holds no es256 signing key")
	}
	return keys, findings, nil
}

func parseJWK(iss string, raw json.RawMessage) (*Key, []Finding, error) {
	var w jwk
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, nil, fmt.Errorf("not a jwk: %v", err)
	}
	var findings []Finding
	switch {
	case w.Kty != "EC":
		return nil, nil, fmt.Errorf("kid %q: kty %q, not \"EC\"", w.Kid, w.Kty)
	case w.Crv != "P-256":
		return nil, nil, fmt.Errorf("kid %q: crv %q, not \"P-256\"", w.Kid, w.Crv)
	case w.Use != "" && w.Use != "sig":
		return nil, nil, fmt.Errorf("kid %q: use %q, not \"sig\"", w.Kid, w.Use)
	case w.Alg != "" && w.Alg != "ES256":
		return nil, nil, fmt.Errorf("kid %q: alg %q, not \"ES256\"", w.Kid, w.Alg)
	}
	x, errX := b64.DecodeString(w.X)
	y, errY := b64.DecodeString(w.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, nil, fmt.Errorf("kid %q: x and y are not 32-byte base64url values", w.Kid)
	}
	pub, err := publicKey(x, y)
	if err != nil {
		return nil, nil, fmt.Errorf("kid %q: %v", w.Kid, err)
	}
	tp, err := Thumbprint(pub)
	if err != nil {
		return nil, nil, err
	}
	if w.Kid != tp {
		return nil, nil, fmt.Errorf("kid %q is not the key's rfc 7638 thumbprint %q", w.Kid, tp)
	}
	if w.D != "" {
		findings = append(findings, warn(CodeInvalidKey, "key %s carries private key material (\"d\")", w.Kid))
	}
	k := &Key{KID: tp, Public: pub, Issuer: iss}
	if len(w.CRLVersion) > 0 && string(w.CRLVersion) != "null" {
		v, err := looseInt(w.CRLVersion)
		if err != nil || v < 0 {
			return nil, nil, fmt.Errorf("kid %q: crlVersion %s is not a non-negative integer", w.Kid, w.CRLVersion)
		}
		k.CRLVersion = v
	}
	if len(w.X5C) > 0 {
		if len(w.X5C) > limits.MaxSHCX5C {
			return nil, nil, fmt.Errorf("kid %q: x5c of %d certificates, more than %d", w.Kid, len(w.X5C), limits.MaxSHCX5C)
		}
		for i, s := range w.X5C {
			der, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, nil, fmt.Errorf("kid %q: x5c[%d] is not base64: %v", w.Kid, i, err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, nil, fmt.Errorf("kid %q: x5c[%d]: %v", w.Kid, i, err)
			}
			k.Chain = append(k.Chain, c)
		}
		leaf, ok := k.Chain[0].PublicKey.(*ecdsa.PublicKey)
		if !ok || !leaf.Equal(pub) {
			return nil, nil, fmt.Errorf("kid %q: the x5c leaf certificate does not hold the jwk's key", w.Kid)
		}
	}
	return k, findings, nil
}

// publicKey builds a P-256 public key from its coordinates, checking that
// the point is on the curve.
func publicKey(x, y []byte) (*ecdsa.PublicKey, error) {
	uncompressed := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), uncompressed)
	if err != nil {
		return nil, fmt.Errorf("not a point of p-256: %v", err)
	}
	return pub, nil
}

// looseInt reads a JSON integer, or a string holding one (the VCI
// snapshot writes crlVersion and ctr as strings).
func looseInt(raw json.RawMessage) (int, error) {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || !n.IsInt64() || n.Int64() > 1<<31 {
		return 0, fmt.Errorf("%s is not an integer", raw)
	}
	return int(n.Int64()), nil
}

// issuerKeys holds the keys of one issuer.
type issuerKeys struct {
	name string
	keys map[string]*Key
}

// KeyStore is a KeyResolver over keys loaded from JWK sets, issuer
// folders and the VCI directory. Build it with AddKeys, LoadIssuerDir or
// ParseVCISnapshot, then use it read-only: it is then safe for concurrent
// use.
type KeyStore struct {
	issuers map[string]*issuerKeys
	// byKID indexes every key by kid, to tell a kid of another issuer
	// from an unknown one.
	byKID map[string]*Key
}

// NewKeyStore returns an empty store.
func NewKeyStore() *KeyStore {
	return &KeyStore{issuers: map[string]*issuerKeys{}, byKID: map[string]*Key{}}
}

// AddKeys adds keys for their issuer (Key.Issuer). Keys without an issuer
// verify no card: they only let Verify tell a card signed by a known key
// of another issuer (ISSUER_KID_MISMATCH) from one signed by an unknown key.
func (s *KeyStore) AddKeys(keys ...*Key) {
	for _, k := range keys {
		s.byKID[k.KID] = k
		if k.Issuer == "" {
			continue
		}
		ik := s.issuers[k.Issuer]
		if ik == nil {
			ik = &issuerKeys{keys: map[string]*Key{}}
			s.issuers[k.Issuer] = ik
		}
		if k.IssuerName != "" {
			ik.name = k.IssuerName
		}
		ik.keys[k.KID] = k
	}
}

// Issuers returns the number of issuers in the store.
func (s *KeyStore) Issuers() int { return len(s.issuers) }

// ResolveKey implements KeyResolver.
func (s *KeyStore) ResolveKey(iss, kid string) (*Key, error) {
	ik := s.issuers[iss]
	if ik != nil {
		if k := ik.keys[kid]; k != nil {
			return k, nil
		}
	}
	if k := s.byKID[kid]; k != nil {
		return nil, fmt.Errorf("%w: kid %s is a key of %q, the card names %q", ErrKeyOfOtherIssuer, kid, k.Issuer, iss)
	}
	if ik == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownIssuer, iss)
	}
	return nil, fmt.Errorf("%w: issuer %q has no key %s", ErrUnknownKey, iss, kid)
}

// checkIssuerURL checks the form of an iss: an https URL without a
// trailing slash, query or fragment.
func checkIssuerURL(iss string) error {
	switch {
	case !strings.HasPrefix(iss, "https://"):
		return fmt.Errorf("issuer url %q does not use https", iss)
	case strings.HasSuffix(iss, "/"):
		return fmt.Errorf("issuer url %q ends with a slash", iss)
	case strings.ContainsAny(iss, "?# \t\r\n"):
		return fmt.Errorf("issuer url %q has a query, fragment or white space", iss)
	case len(iss) == len("https://"):
		return fmt.Errorf("issuer url %q has no host", iss)
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
