package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
)

// fileKey is a key read from or written to a file.
type fileKey struct {
	signer crypto.Signer
	path   string
	closed atomic.Bool
}

func (k *fileKey) Public() crypto.PublicKey { return k.signer.Public() }

func (k *fileKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if k.closed.Load() {
		return nil, fmt.Errorf("keys: %s: key is closed", k.path)
	}
	return k.signer.Sign(rand, digest, opts)
}

func (k *fileKey) Close() error {
	k.closed.Store(true)
	return nil
}

func openFile(path string, opts Options) (Key, error) {
	data, err := readSecretFile(path, "key", limits.MaxPrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	s, err := ParsePrivateKeyPEM(data, opts.Passphrase)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return &fileKey{signer: s, path: path}, nil
}

func generateFile(path, alg string, opts Options) (Key, error) {
	// Fail before a slow RSA generation when the answer is known.
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%w: %s (keys are never overwritten; remove it first if you really mean to replace it)", ErrExists, path)
	}
	var pass []byte
	if opts.Passphrase != nil {
		p, err := opts.Passphrase()
		if err != nil {
			return nil, fmt.Errorf("keys: %s: passphrase: %w", path, err)
		}
		if len(p) == 0 {
			return nil, fmt.Errorf("keys: %s: empty passphrase", path)
		}
		pass = p
	}
	s, err := trust.GenerateKey(alg)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	data, err := MarshalPrivateKeyPEM(s, pass)
	if err != nil {
		return nil, err
	}
	if err := writeKeyFile(path, data); err != nil {
		return nil, err
	}
	return &fileKey{signer: s, path: path}, nil
}

// ParsePrivateKeyPEM parses the private key in data, in one of the PEM
// forms a key file may hold: PKCS#8 "PRIVATE KEY", PKCS#8 "ENCRYPTED
// PRIVATE KEY" (PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, decrypted
// with the passphrase from passphrase, which may be nil for plain keys),
// SEC 1 "EC PRIVATE KEY" (optionally after an "EC PARAMETERS" block, as
// openssl ecparam -genkey writes it) or PKCS#1 "RSA PRIVATE KEY". The data
// must hold exactly one key and nothing but keys; the key must be of a
// type ErrUnsupportedKey allows. It does not look at file permissions.
func ParsePrivateKeyPEM(data []byte, passphrase func() ([]byte, error)) (crypto.Signer, error) {
	var found crypto.Signer
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if bytes.Contains(rest, []byte("-----BEGIN ")) {
				return nil, fmt.Errorf("keys: pem block %d is malformed (bad armour or base64)", n)
			}
			break
		}
		if _, ok := block.Headers["Proc-Type"]; ok {
			return nil, fmt.Errorf("keys: pem block %d uses legacy PEM encryption (Proc-Type; an MD5 key derivation); convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256", n)
		}
		var (
			k   any
			err error
		)
		switch block.Type {
		case "EC PARAMETERS":
			continue
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
			var der []byte
			if der, err = DecryptPKCS8(block.Bytes, pass); err != nil {
				return nil, fmt.Errorf("%w (pem block %d)", err, n)
			}
			if k, err = x509.ParsePKCS8PrivateKey(der); err != nil {
				// The padding was right by chance (1 in 256) but the
				// passphrase was wrong.
				return nil, fmt.Errorf("%w (pem block %d)", ErrDecrypt, n)
			}
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			return nil, fmt.Errorf("keys: pem block %d: unexpected type %q (want PRIVATE KEY or ENCRYPTED PRIVATE KEY)", n, block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("keys: pem block %d: %v", n, err)
		}
		if found != nil {
			return nil, errors.New("keys: more than one private key")
		}
		signer, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: %T cannot sign", ErrUnsupportedKey, k)
		}
		if err := CheckPublicKey(signer.Public()); err != nil {
			return nil, err
		}
		found = signer
	}
	if found == nil {
		return nil, errors.New("keys: no private key pem block")
	}
	return found, nil
}

// MarshalPrivateKeyPEM returns k as a PKCS#8 PEM block: "PRIVATE KEY" when
// passphrase is empty, else "ENCRYPTED PRIVATE KEY" encrypted with
// EncryptPKCS8. k must be a software key (*ecdsa.PrivateKey,
// *rsa.PrivateKey or ed25519.PrivateKey).
func MarshalPrivateKeyPEM(k crypto.Signer, passphrase []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("keys: marshal private key: %v", err)
	}
	if len(passphrase) == 0 {
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	enc, err := EncryptPKCS8(der, passphrase)
	clear(der)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}), nil
}

// CheckPublicKey reports, with an error wrapping ErrUnsupportedKey, a key
// that cannot sign certificates or health codes. Accepted: ECDSA P-256,
// P-384 and P-521, RSA of at least 2048 bits, and Ed25519. Which of these
// a given role may use is the certificate governance's business
// (trust.CheckCertificate).
func CheckPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		name := "unknown"
		if k.Curve != nil {
			name = k.Curve.Params().Name
		}
		return fmt.Errorf("%w: ecdsa curve %s (want P-256, P-384 or P-521)", ErrUnsupportedKey, name)
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
	}
	return fmt.Errorf("%w: key type %T", ErrUnsupportedKey, pub)
}

// readSecretFile reads a key, PIN or passphrase file (what names it in
// errors) of at most max bytes, after checking that it is a regular file
// only its owner may access.
func readSecretFile(path, what string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s file: %w", ErrNotFound, what, err)
		}
		return nil, fmt.Errorf("keys: %s file: %w", what, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keys: %s file: %w", what, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("keys: %s file %s: not a regular file", what, path)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s file %s has mode %#o; run: chmod 600 %s", ErrKeyPermissions, what, path, info.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("keys: %s file %s: %v", what, path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("keys: %s file %s is larger than %d bytes", what, path, max)
	}
	return data, nil
}

// writeKeyFile writes data to path through a temporary file in the same
// directory (created with mode 0700 when missing): mode 0600, synced, then
// linked into place, which fails rather than replace a file that exists.
func writeKeyFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keys: write %s: %v", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("keys: write %s: %v", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		tmp.Close()
		os.Remove(tmpName)
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("keys: write %s: %v", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("keys: write %s: %v", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("keys: write %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keys: write %s: %v", path, err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s (keys are never overwritten)", ErrExists, path)
		}
		return fmt.Errorf("keys: write %s: %v", path, err)
	}
	// Make the new name durable.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// FileError says which key file could not be used, and why.
type FileError struct {
	// Path is the key file.
	Path string
	// Err is the problem; it may wrap ErrPassphraseRequired, ErrDecrypt or
	// ErrUnsupportedKey.
	Err error
}

// Error returns "keys: PATH: problem".
func (e *FileError) Error() string {
	return "keys: " + e.Path + ": " + strings.TrimPrefix(e.Err.Error(), "keys: ")
}

// Unwrap returns e.Err.
func (e *FileError) Unwrap() error { return e.Err }
