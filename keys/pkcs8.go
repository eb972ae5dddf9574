package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/ithc/ithc/internal/limits"
)

// PBKDF2Iterations is the iteration count EncryptPKCS8 writes: the OWASP
// recommendation for PBKDF2-HMAC-SHA256 (2023), 0.1 to 0.2 s on one core
// of the build machine (BenchmarkOpenEncrypted). Reading accepts any count up to
// limits.MaxPBKDF2Iterations.
const PBKDF2Iterations = 600_000

// The object identifiers of the one PBES2 scheme supported (RFC 8018
// appendix A and C, NIST CSOR for AES).
var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidPBES1Prefix    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5}
	oidPKCS12PBE      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
)

// algorithmIdentifier is X.509's AlgorithmIdentifier with optional
// parameters.
type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// encryptedPrivateKeyInfo is RFC 5958 EncryptedPrivateKeyInfo.
type encryptedPrivateKeyInfo struct {
	Algorithm     algorithmIdentifier
	EncryptedData []byte
}

// pbes2Params is RFC 8018 PBES2-params.
type pbes2Params struct {
	KeyDerivationFunc algorithmIdentifier
	EncryptionScheme  algorithmIdentifier
}

// pbkdf2Params is RFC 8018 PBKDF2-params. The salt is a CHOICE of which
// only "specified" (an OCTET STRING) is defined for use; the PRF defaults to
// hmacWithSHA1, which is refused.
type pbkdf2Params struct {
	Salt           asn1.RawValue
	IterationCount int
	KeyLength      int                 `asn1:"optional"`
	PRF            algorithmIdentifier `asn1:"optional"`
}

const aes256KeySize = 32

// EncryptPKCS8 encrypts a PKCS#8 PrivateKeyInfo (DER) with passphrase and
// returns the DER of an EncryptedPrivateKeyInfo: PBES2, PBKDF2 with
// HMAC-SHA256, PBKDF2Iterations iterations and a random 16-byte salt, and
// AES-256-CBC with a random IV and PKCS#7 padding. OpenSSL reads the result
// (openssl pkcs8 -in FILE), and DecryptPKCS8 reads OpenSSL's
// (openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256).
func EncryptPKCS8(der, passphrase []byte) ([]byte, error) {
	return encryptPKCS8(der, passphrase, PBKDF2Iterations)
}

func encryptPKCS8(der, passphrase []byte, iterations int) ([]byte, error) {
	salt := make([]byte, 16)
	iv := make([]byte, aes.BlockSize)
	rand.Read(salt)
	rand.Read(iv)
	key, err := pbkdf2.Key(sha256.New, string(passphrase), salt, iterations, aes256KeySize)
	if err != nil {
		return nil, fmt.Errorf("keys: encrypt: pbkdf2: %v", err)
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("keys: encrypt: %v", err)
	}
	pad := aes.BlockSize - len(der)%aes.BlockSize
	buf := make([]byte, len(der)+pad)
	copy(buf, der)
	for i := len(der); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)

	nullParams := asn1.RawValue{Tag: asn1.TagNull}
	saltDER, _ := asn1.Marshal(salt)
	kdf, err := asn1.Marshal(pbkdf2Params{
		Salt:           asn1.RawValue{FullBytes: saltDER},
		IterationCount: iterations,
		PRF:            algorithmIdentifier{Algorithm: oidHMACWithSHA256, Parameters: nullParams},
	})
	if err != nil {
		return nil, fmt.Errorf("keys: encrypt: %v", err)
	}
	ivDER, _ := asn1.Marshal(iv)
	params, err := asn1.Marshal(pbes2Params{
		KeyDerivationFunc: algorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		EncryptionScheme:  algorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return nil, fmt.Errorf("keys: encrypt: %v", err)
	}
	out, err := asn1.Marshal(encryptedPrivateKeyInfo{
		Algorithm:     algorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
		EncryptedData: buf,
	})
	if err != nil {
		return nil, fmt.Errorf("keys: encrypt: %v", err)
	}
	return out, nil
}

// DecryptPKCS8 decrypts the DER of an EncryptedPrivateKeyInfo and returns
// the PKCS#8 PrivateKeyInfo DER inside. Only PBES2 with PBKDF2,
// HMAC-SHA256 and AES-256-CBC is supported; other schemes are refused with
// an error naming them. The encoding is parsed strictly (DER, no trailing
// data), the iteration count is bounded by limits.MaxPBKDF2Iterations and
// the salt by limits.MaxPBES2Salt. A wrong passphrase yields ErrDecrypt
// when the padding does not check; the caller must still parse the result,
// since a wrong passphrase passes the padding check once in 256.
func DecryptPKCS8(der, passphrase []byte) ([]byte, error) {
	e, err := parseEncryptedPKCS8(der)
	if err != nil {
		return nil, err
	}
	return e.decrypt(passphrase)
}

// encryptedPKCS8 is a parsed EncryptedPrivateKeyInfo of the supported
// scheme.
type encryptedPKCS8 struct {
	salt       []byte
	iterations int
	iv         []byte
	ciphertext []byte
}

// parseEncryptedPKCS8 parses and checks everything but the passphrase.
func parseEncryptedPKCS8(der []byte) (*encryptedPKCS8, error) {
	var info encryptedPrivateKeyInfo
	if err := unmarshalDER(der, &info, "EncryptedPrivateKeyInfo"); err != nil {
		return nil, err
	}
	alg := info.Algorithm.Algorithm
	if !alg.Equal(oidPBES2) {
		switch {
		case hasPrefix(alg, oidPBES1Prefix), hasPrefix(alg, oidPKCS12PBE):
			return nil, fmt.Errorf("keys: encryption scheme %v is PBES1 or PKCS#12 (weak); re-encrypt with: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256", alg)
		}
		return nil, fmt.Errorf("keys: unsupported encryption scheme %v (want PBES2 %v)", alg, oidPBES2)
	}
	var params pbes2Params
	if err := unmarshalDER(info.Algorithm.Parameters.FullBytes, &params, "PBES2-params"); err != nil {
		return nil, err
	}
	if !params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("keys: unsupported key derivation %v (want PBKDF2 %v)", params.KeyDerivationFunc.Algorithm, oidPBKDF2)
	}
	var kdf pbkdf2Params
	if err := unmarshalDER(params.KeyDerivationFunc.Parameters.FullBytes, &kdf, "PBKDF2-params"); err != nil {
		return nil, err
	}
	if kdf.Salt.Class != asn1.ClassUniversal || kdf.Salt.Tag != asn1.TagOctetString || kdf.Salt.IsCompound {
		return nil, errors.New("keys: PBKDF2 salt is not an OCTET STRING (the otherSource choice is not supported)")
	}
	salt := kdf.Salt.Bytes
	switch {
	case len(salt) == 0:
		return nil, errors.New("keys: PBKDF2 salt is empty")
	case len(salt) > limits.MaxPBES2Salt:
		return nil, fmt.Errorf("keys: PBKDF2 salt of %d bytes (at most %d)", len(salt), limits.MaxPBES2Salt)
	case kdf.IterationCount < 1:
		return nil, fmt.Errorf("keys: PBKDF2 iteration count %d (must be at least 1)", kdf.IterationCount)
	case kdf.IterationCount > limits.MaxPBKDF2Iterations:
		return nil, fmt.Errorf("keys: PBKDF2 iteration count %d exceeds the limit of %d", kdf.IterationCount, limits.MaxPBKDF2Iterations)
	case kdf.KeyLength != 0 && kdf.KeyLength != aes256KeySize:
		return nil, fmt.Errorf("keys: PBKDF2 key length %d (AES-256 needs %d)", kdf.KeyLength, aes256KeySize)
	}
	prf := kdf.PRF.Algorithm
	switch {
	case len(prf) == 0 || prf.Equal(oidHMACWithSHA1):
		return nil, errors.New("keys: PBKDF2 with HMAC-SHA1 is not supported; re-encrypt with: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256")
	case !prf.Equal(oidHMACWithSHA256):
		return nil, fmt.Errorf("keys: unsupported PBKDF2 pseudo-random function %v (want hmacWithSHA256 %v)", prf, oidHMACWithSHA256)
	}
	if err := checkNullParams(kdf.PRF.Parameters, "hmacWithSHA256"); err != nil {
		return nil, err
	}
	if !params.EncryptionScheme.Algorithm.Equal(oidAES256CBC) {
		return nil, fmt.Errorf("keys: unsupported cipher %v (want aes256-CBC %v)", params.EncryptionScheme.Algorithm, oidAES256CBC)
	}
	var iv []byte
	if err := unmarshalDER(params.EncryptionScheme.Parameters.FullBytes, &iv, "aes256-CBC IV"); err != nil {
		return nil, err
	}
	if len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("keys: aes256-CBC IV of %d bytes (want %d)", len(iv), aes.BlockSize)
	}
	ct := info.EncryptedData
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("keys: encrypted data of %d bytes is not a positive multiple of the AES block size", len(ct))
	}
	return &encryptedPKCS8{salt: salt, iterations: kdf.IterationCount, iv: iv, ciphertext: ct}, nil
}

// decrypt derives the key from passphrase and decrypts.
func (e *encryptedPKCS8) decrypt(passphrase []byte) ([]byte, error) {
	key, err := pbkdf2.Key(sha256.New, string(passphrase), e.salt, e.iterations, aes256KeySize)
	if err != nil {
		return nil, fmt.Errorf("keys: pbkdf2: %v", err)
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %v", err)
	}
	pt := make([]byte, len(e.ciphertext))
	cipher.NewCBCDecrypter(block, e.iv).CryptBlocks(pt, e.ciphertext)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aes.BlockSize {
		clear(pt)
		return nil, ErrDecrypt
	}
	want := make([]byte, pad)
	for i := range want {
		want[i] = byte(pad)
	}
	if subtle.ConstantTimeCompare(pt[len(pt)-pad:], want) != 1 {
		clear(pt)
		return nil, ErrDecrypt
	}
	// A wrong passphrase still ends in valid padding about once in 256
	// tries: the plaintext must also be exactly one DER SEQUENCE (the
	// PrivateKeyInfo), which garbage practically never is.
	pt = pt[:len(pt)-pad]
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(pt, &seq); err != nil || len(rest) > 0 || seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		clear(pt)
		return nil, ErrDecrypt
	}
	return pt, nil
}

// unmarshalDER decodes der into v, refusing an empty input and trailing
// data; what names the structure in errors.
func unmarshalDER(der []byte, v any, what string) error {
	if len(der) == 0 {
		return fmt.Errorf("keys: %s is missing", what)
	}
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return fmt.Errorf("keys: %s: %v", what, err)
	}
	if len(rest) > 0 {
		return fmt.Errorf("keys: %s: %d bytes of trailing data", what, len(rest))
	}
	return nil
}

// checkNullParams accepts absent or NULL algorithm parameters.
func checkNullParams(p asn1.RawValue, what string) error {
	if len(p.FullBytes) == 0 {
		return nil
	}
	if p.Class == asn1.ClassUniversal && p.Tag == asn1.TagNull && len(p.Bytes) == 0 {
		return nil
	}
	return fmt.Errorf("keys: %s parameters must be NULL or absent", what)
}

func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) > len(prefix) && oid[:len(prefix)].Equal(prefix)
}
