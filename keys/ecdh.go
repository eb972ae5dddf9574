package keys

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/ithc/ithc/internal/limits"
)

// Encryption keys: a country's recipient key for encrypted codes (package
// envelope) is an ECDH key, P-256 or X25519, used for HPKE. It is kept like
// a signing key: a PKCS#8 file of mode 0600 (plain or encrypted with the
// same passphrase scheme), never overwritten.
//
// Decision: encryption keys are files only for now. crypto11 v1.6.2 has no
// ECDH derive (CKM_ECDH1_DERIVE) and no X25519, so a pkcs11: reference is
// refused with ErrNoECDHToken. crypto/hpke accepts any ecdh.KeyExchanger,
// so a token-backed key can plug in through ECDHKey without other changes
// once the module's C_DeriveKey is wrapped.

// The curves GenerateECDH makes keys on.
const (
	CurveP256   = "P-256"  // HPKE-0-KE; what HSMs support
	CurveX25519 = "X25519" // HPKE-3-KE; 33 bytes shorter per recipient
)

// ErrNoECDHToken means an encryption key was asked of a PKCS#11 token.
var ErrNoECDHToken = errors.New("keys: encryption (ECDH) keys in a PKCS#11 token are not supported: crypto11 has no ECDH derive; keep the key in a file")

// ECDHKey is a private key agreement key. Close releases it; a closed key
// cannot be used.
type ECDHKey interface {
	ecdh.KeyExchanger
	Close() error
}

type fileECDHKey struct {
	key    *ecdh.PrivateKey
	path   string
	closed atomic.Bool
}

func (k *fileECDHKey) PublicKey() *ecdh.PublicKey { return k.key.PublicKey() }
func (k *fileECDHKey) Curve() ecdh.Curve          { return k.key.Curve() }

func (k *fileECDHKey) ECDH(pub *ecdh.PublicKey) ([]byte, error) {
	if k.closed.Load() {
		return nil, fmt.Errorf("keys: %s: key is closed", k.path)
	}
	return k.key.ECDH(pub)
}

func (k *fileECDHKey) Close() error {
	k.closed.Store(true)
	return nil
}

// GenerateECDH creates an encryption key on curve (CurveP256 or
// CurveX25519) in the file ref names and returns it opened. As Generate,
// it never replaces an existing file, writes mode 0600 and encrypts the
// file when opts.Passphrase is set.
func GenerateECDH(ref, curve string, opts Options) (ECDHKey, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if r.Kind == KindPKCS11 {
		return nil, fmt.Errorf("%w (%s)", ErrNoECDHToken, r)
	}
	var c ecdh.Curve
	switch curve {
	case CurveP256:
		c = ecdh.P256()
	case CurveX25519:
		c = ecdh.X25519()
	default:
		return nil, fmt.Errorf("keys: generate: unknown curve %q (want %s or %s)", curve, CurveP256, CurveX25519)
	}
	if _, err := os.Lstat(r.Path); err == nil {
		return nil, fmt.Errorf("%w: %s (keys are never overwritten; remove it first if you really mean to replace it)", ErrExists, r.Path)
	}
	var pass []byte
	if opts.Passphrase != nil {
		if pass, err = opts.Passphrase(); err != nil {
			return nil, fmt.Errorf("keys: %s: passphrase: %w", r.Path, err)
		}
		if len(pass) == 0 {
			return nil, fmt.Errorf("keys: %s: empty passphrase", r.Path)
		}
	}
	k, err := c.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("keys: marshal private key: %v", err)
	}
	block := &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	if len(pass) > 0 {
		enc, err := EncryptPKCS8(der, pass)
		clear(der)
		if err != nil {
			return nil, err
		}
		block = &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}
	}
	if err := writeKeyFile(r.Path, pem.EncodeToMemory(block)); err != nil {
		return nil, err
	}
	return &fileECDHKey{key: k, path: r.Path}, nil
}

// OpenECDH opens the encryption key in the file ref names: a PKCS#8
// "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" holding a P-256 or X25519 key
// (an "EC PRIVATE KEY" on P-256 is read too). The file must be accessible
// by its owner only (ErrKeyPermissions).
func OpenECDH(ref string, opts Options) (ECDHKey, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if r.Kind == KindPKCS11 {
		return nil, fmt.Errorf("%w (%s)", ErrNoECDHToken, r)
	}
	data, err := readSecretFile(r.Path, "key", limits.MaxPrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	k, err := ParseECDHPrivateKeyPEM(data, opts.Passphrase)
	if err != nil {
		return nil, &FileError{Path: r.Path, Err: err}
	}
	return &fileECDHKey{key: k, path: r.Path}, nil
}

// ParseECDHPrivateKeyPEM parses one encryption private key (see OpenECDH)
// from data.
func ParseECDHPrivateKeyPEM(data []byte, passphrase func() ([]byte, error)) (*ecdh.PrivateKey, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("keys: no private key pem block")
	}
	if b, _ := pem.Decode(rest); b != nil {
		return nil, errors.New("keys: more than one pem block (an encryption key file holds one key)")
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		if passphrase == nil {
			return nil, ErrPassphraseRequired
		}
		pass, perr := passphrase()
		if perr != nil {
			return nil, fmt.Errorf("keys: passphrase: %w", perr)
		}
		der, derr := DecryptPKCS8(block.Bytes, pass)
		if derr != nil {
			return nil, derr
		}
		if k, err = x509.ParsePKCS8PrivateKey(der); err != nil {
			return nil, ErrDecrypt
		}
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("keys: pem block type %q (want PRIVATE KEY or ENCRYPTED PRIVATE KEY)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %v", err)
	}
	switch k := k.(type) {
	case *ecdh.PrivateKey:
		if k.Curve() == ecdh.X25519() || k.Curve() == ecdh.P256() {
			return k, nil
		}
	case *ecdsa.PrivateKey:
		e, err := k.ECDH()
		if err == nil && e.Curve() == ecdh.P256() {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: %T is not a P-256 or X25519 key agreement key", ErrUnsupportedKey, k)
}
