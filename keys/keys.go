// Package keys opens and creates the private keys of a country's PKI — the
// country signing CA (CSCA), document signers, the gateway upload and TLS
// client keys — named by a reference string, and hands each one out as a
// crypto.Signer, so that the code that signs certificates and health codes
// never knows whether a key is a file or lives in a hardware security
// module (HSM).
//
// A reference is one of:
//
//   - a file path, or "file:PATH": a PKCS#8 PEM key file, plain ("PRIVATE
//     KEY") or encrypted ("ENCRYPTED PRIVATE KEY", RFC 5958
//     EncryptedPrivateKeyInfo with PBES2 from RFC 8018: PBKDF2 with
//     HMAC-SHA256 and AES-256-CBC, the scheme of
//     `openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256`).
//     SEC 1 ("EC PRIVATE KEY") and PKCS#1 ("RSA PRIVATE KEY") files are
//     read too, for convenience; keys are always written as PKCS#8.
//   - "pkcs11:token=LABEL;object=LABEL[;id=%01%02]": a key pair in a
//     PKCS#11 token, in the URI syntax of RFC 7512 (see ParseRef for the
//     attributes understood), used through github.com/ThalesGroup/crypto11.
//
// Use Open for an existing key and Generate for a new one; both return a
// Key, which is a crypto.Signer with a Close method. ParseRef checks a
// reference without touching any key.
//
// Decisions:
//
//   - A key file readable or writable by group or others is refused
//     (ErrKeyPermissions): a signing key others can read must be treated
//     as leaked, and failing loudly beats signing with it. PIN and
//     passphrase files follow the same rule.
//   - Keys are never overwritten: Generate fails with ErrExists when the
//     file or a token object with the same label or id already exists.
//     Key files are written to a temporary file, synced and then linked
//     into place, so a crash leaves either no key or a whole one.
//   - Encrypted key files are written with PBKDF2Iterations iterations and
//     a 16-byte salt; the iteration count read from a file is bounded by
//     limits.MaxPBKDF2Iterations. Only the one scheme above is read: the
//     PEM "Proc-Type: 4,ENCRYPTED" form (an MD5-based key derivation) and
//     PBES1 are refused with a hint to convert the file.
//   - In a token, Generate makes P-256 (ES256) or RSA-3072 (PS256) key
//     pairs that are sensitive, not extractable, and may only sign (an RSA
//     key cannot decrypt). Ed25519 is only available for files: crypto11
//     does not support it.
//   - PKCS#11 contexts are shared: every Key of the same module and token
//     uses one crypto11 context (one log-in), which is closed when the
//     last of those keys is closed. Within a process, a token that is
//     already logged in is not logged in again, so a later Open with a
//     wrong PIN still succeeds; PKCS#11 log-in state is per application.
//   - PKCS#11 needs cgo (the module is a C library). A binary built with
//     CGO_ENABLED=0 still reads key files; pkcs11: references then fail
//     with ErrNoPKCS11.
//
// Encryption keys (recipient keys of encrypted codes, ECDH on P-256 or
// X25519) are files only: GenerateECDH and OpenECDH in ecdh.go, which says
// why tokens are refused.
//
// Key material only leaves this package as a crypto.Signer (an
// ecdh.KeyExchanger for encryption keys), and PINs and
// passphrases are never put in error messages or in Ref.String.
package keys

import (
	"crypto"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// Key is a private signing key. Close releases what the key holds (for a
// token key, its share of the PKCS#11 session); a closed key cannot sign.
// Close is safe to call more than once.
type Key interface {
	crypto.Signer
	Close() error
}

// The environment variables the package reads.
const (
	// EnvPassphrase holds the passphrase of encrypted key files for the
	// ithc command (PassphraseFromEnv); the library itself only reads it
	// through that function.
	EnvPassphrase = "ITHC_KEY_PASSPHRASE"
	// EnvPKCS11Module is the PKCS#11 module used when a reference has no
	// module-path and Options.Module is empty.
	EnvPKCS11Module = "ITHC_PKCS11_MODULE"
	// EnvPKCS11PIN is the token user PIN used when a reference has neither
	// pin-source nor pin-value and Options.PIN is nil.
	EnvPKCS11PIN = "ITHC_PKCS11_PIN"
)

// DefaultModule is the PKCS#11 module used when neither the reference,
// Options.Module nor ITHC_PKCS11_MODULE names one: SoftHSM 2 as Debian and
// Ubuntu install it.
const DefaultModule = "/usr/lib/softhsm/libsofthsm2.so"

// The algorithms Generate makes keys for; the names are those of
// trust.AlgES256, trust.AlgPS256 and trust.AlgEdDSA.
const (
	AlgES256 = "ES256" // ECDSA P-256
	AlgPS256 = "PS256" // RSA-3072, for RSASSA-PSS
	AlgEdDSA = "EdDSA" // Ed25519 (files only)
)

// Options configure Open and Generate. The zero value opens plain key files
// and token keys with the PIN from ITHC_PKCS11_PIN, and generates
// unencrypted key files.
type Options struct {
	// Passphrase returns the passphrase of encrypted key files. Open calls
	// it only when the file is encrypted; Generate encrypts the new file
	// when Passphrase is set, and refuses an empty passphrase. Nil means
	// no passphrase: Open refuses an encrypted file with
	// ErrPassphraseRequired and Generate writes a plain PKCS#8 file.
	// Ignored for pkcs11: references.
	Passphrase func() ([]byte, error)

	// PIN returns the user PIN of the token a reference names, when the
	// reference has neither pin-source nor pin-value. Nil means the
	// environment variable ITHC_PKCS11_PIN.
	PIN func(ref Ref) (string, error)

	// Module is the PKCS#11 module (shared library) for references without
	// module-path. Empty means ITHC_PKCS11_MODULE, and DefaultModule when
	// that is unset too.
	Module string
}

// Errors callers branch on with errors.Is. The wrapping error says which
// key and why.
var (
	// ErrExists means Generate would replace an existing key file or token
	// object.
	ErrExists = errors.New("keys: key already exists")

	// ErrNotFound means Open found no key under the reference.
	ErrNotFound = errors.New("keys: key not found")

	// ErrKeyPermissions means a key, PIN or passphrase file is accessible
	// to users other than its owner (mode & 0077 != 0).
	ErrKeyPermissions = errors.New("keys: secret file accessible by others")

	// ErrPassphraseRequired means a key file is encrypted and no
	// passphrase was given.
	ErrPassphraseRequired = errors.New("keys: key file is encrypted and no passphrase was given")

	// ErrDecrypt means an encrypted key did not decrypt: a wrong
	// passphrase or a corrupted file (the two cannot be told apart).
	ErrDecrypt = errors.New("keys: wrong passphrase or corrupted key")

	// ErrUnsupportedKey means a key of a type or size that cannot sign
	// certificates or health codes: accepted are ECDSA P-256, P-384 and
	// P-521, RSA of at least 2048 bits, and Ed25519.
	ErrUnsupportedKey = errors.New("keys: unsupported key")

	// ErrBadRef means a reference does not parse.
	ErrBadRef = errors.New("keys: invalid key reference")

	// ErrNoPKCS11 means the binary was built without cgo and cannot load
	// a PKCS#11 module.
	ErrNoPKCS11 = errors.New("keys: pkcs11 support is not compiled in (this binary was built with CGO_ENABLED=0)")
)

// Open opens the existing key named by ref (see ParseRef).
func Open(ref string, opts Options) (Key, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	return r.Open(opts)
}

// Generate creates a key for alg (AlgES256, AlgPS256 or AlgEdDSA) under
// ref and returns it opened. It never replaces an existing key: the file,
// or a token object with the same label or id, must not exist (ErrExists).
// A new key file gets mode 0600 in a directory created with mode 0700 if
// missing, and is encrypted when opts.Passphrase is set. In a token, the
// pair gets the reference's object label, its id or else 16 random bytes
// as CKA_ID, and is sensitive and not extractable.
func Generate(ref string, alg string, opts Options) (Key, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	return r.Generate(alg, opts)
}

// Open opens the existing key r names.
func (r Ref) Open(opts Options) (Key, error) {
	switch r.Kind {
	case KindFile:
		return openFile(r.Path, opts)
	case KindPKCS11:
		return openPKCS11(r, opts)
	}
	return nil, fmt.Errorf("%w: empty reference", ErrBadRef)
}

// Generate creates a key for alg under r; see the function Generate.
func (r Ref) Generate(alg string, opts Options) (Key, error) {
	switch alg {
	case AlgES256, AlgPS256, AlgEdDSA:
	default:
		return nil, fmt.Errorf("keys: generate: unknown algorithm %q (want %s, %s or %s)", alg, AlgES256, AlgPS256, AlgEdDSA)
	}
	switch r.Kind {
	case KindFile:
		return generateFile(r.Path, alg, opts)
	case KindPKCS11:
		return generatePKCS11(r, alg, opts)
	}
	return nil, fmt.Errorf("%w: empty reference", ErrBadRef)
}

// PassphraseFromEnv returns a passphrase function reading ITHC_KEY_PASSPHRASE,
// or nil when the variable is unset or empty, for Options.Passphrase.
func PassphraseFromEnv() func() ([]byte, error) {
	v := os.Getenv(EnvPassphrase)
	if v == "" {
		return nil
	}
	return func() ([]byte, error) { return []byte(v), nil }
}

// PassphraseFile returns a passphrase function reading the file path, for
// Options.Passphrase. The file must be accessible by its owner only
// (ErrKeyPermissions) and is bounded by limits.MaxSecretFile; one trailing
// line ending ("\n" or "\r\n") is removed.
func PassphraseFile(path string) func() ([]byte, error) {
	return func() ([]byte, error) {
		b, err := readSecretFile(path, "passphrase", limits.MaxSecretFile)
		if err != nil {
			return nil, err
		}
		return trimLineEnd(b), nil
	}
}

// trimLineEnd removes one trailing "\n" or "\r\n".
func trimLineEnd(b []byte) []byte {
	if s, ok := strings.CutSuffix(string(b), "\n"); ok {
		return []byte(strings.TrimSuffix(s, "\r"))
	}
	return b
}
