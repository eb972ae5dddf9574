package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
)

func TestEncryptDecryptPKCS8(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	for _, pass := range []string{"p", testPassphrase, "密码 with spaces", strings.Repeat("long", 100)} {
		enc, err := encryptPKCS8(der, []byte(pass), 1000)
		if err != nil {
			t.Fatalf("encryptPKCS8() = %v", err)
		}
		if bytes.Contains(enc, der[len(der)-32:]) {
			t.Fatal("the encrypted form contains the key in clear")
		}
		got, err := DecryptPKCS8(enc, []byte(pass))
		if err != nil {
			t.Fatalf("DecryptPKCS8() = %v", err)
		}
		if !bytes.Equal(got, der) {
			t.Fatal("DecryptPKCS8() did not return the PKCS#8 encrypted")
		}
		if _, err := DecryptPKCS8(enc, []byte(pass+"x")); err == nil {
			t.Error("DecryptPKCS8(wrong passphrase) succeeded")
		}
	}
	// Two encryptions differ (fresh salt and IV).
	a, _ := encryptPKCS8(der, []byte("p"), 1)
	b, _ := encryptPKCS8(der, []byte("p"), 1)
	if bytes.Equal(a, b) {
		t.Error("two encryptions are identical: salt or IV not random")
	}
}

// TestOpenSSLVectors reads keys OpenSSL encrypted (testdata/README.md), and
// refuses the schemes ITHC does not read with an error that says so.
func TestOpenSSLVectors(t *testing.T) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, name := range []string{"p256", "rsa2048", "ed25519"} {
		plain, err := ParsePrivateKeyPEM(read(name+".pem"), nil)
		if err != nil {
			t.Fatalf("%s.pem: %v", name, err)
		}
		dec, err := ParsePrivateKeyPEM(read(name+".enc.pem"), passphrase(testPassphrase))
		if err != nil {
			t.Fatalf("%s.enc.pem: %v", name, err)
		}
		if !publicEqual(dec.Public(), plain.Public()) {
			t.Errorf("%s.enc.pem decrypts to another key than %s.pem", name, name)
		}
		if _, err := ParsePrivateKeyPEM(read(name+".enc.pem"), passphrase("wrong")); !errors.Is(err, ErrDecrypt) {
			t.Errorf("%s.enc.pem with a wrong passphrase: %v, want ErrDecrypt", name, err)
		}
	}
	refused := []struct{ file, want string }{
		{"p256.sha1prf.pem", "HMAC-SHA1 is not supported"},
		{"p256.aes128.pem", "unsupported cipher 2.16.840.1.101.3.4.1.2"},
		{"p256.pbes1.pem", "PBES1 or PKCS#12"},
		{"p256.legacy.pem", "legacy PEM encryption"},
	}
	for _, tt := range refused {
		k, err := ParsePrivateKeyPEM(read(tt.file), passphrase(testPassphrase))
		if err == nil || k != nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.file, err, tt.want)
		}
	}
}

// needOpenSSL returns the openssl command, or skips the test (failing it
// under CI=true).
func needOpenSSL(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl is required under CI=true: %v", err)
		}
		t.Skipf("openssl is not installed, skipping the interoperability test: %v", err)
	}
	return p
}

func runCmd(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// TestOpenSSLInterop encrypts with OpenSSL and decrypts here, and the other
// way round, for each key type.
func TestOpenSSLInterop(t *testing.T) {
	openssl := needOpenSSL(t)
	dir := t.TempDir()
	passFile := writeKey(t, dir, "pass.txt", []byte(testPassphrase+"\n"), 0o600)
	for _, alg := range []struct{ name, genpkey string }{
		{"p256", "EC -pkeyopt ec_paramgen_curve:P-256"},
		{"p384", "EC -pkeyopt ec_paramgen_curve:P-384"},
		{"rsa", "RSA -pkeyopt rsa_keygen_bits:2048"},
		{"ed25519", "ED25519"},
	} {
		t.Run("openssl-to-ithc/"+alg.name, func(t *testing.T) {
			plain := filepath.Join(dir, alg.name+".pem")
			enc := filepath.Join(dir, alg.name+".enc.pem")
			runCmd(t, openssl, append(append([]string{"genpkey", "-algorithm"}, strings.Fields(alg.genpkey)...), "-out", plain)...)
			runCmd(t, openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-iter", "10000",
				"-in", plain, "-passout", "file:"+passFile, "-out", enc)
			os.Chmod(enc, 0o600)
			k, err := Open(enc, Options{Passphrase: PassphraseFile(passFile)})
			if err != nil {
				t.Fatalf("Open(openssl-encrypted) = %v", err)
			}
			data, _ := os.ReadFile(plain)
			want, err := ParsePrivateKeyPEM(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !publicEqual(k.Public(), want.Public()) {
				t.Error("decrypted another key than openssl encrypted")
			}
		})
	}
	for _, alg := range []string{AlgES256, AlgEdDSA} {
		t.Run("ithc-to-openssl/"+alg, func(t *testing.T) {
			enc := filepath.Join(dir, "ithc-"+alg+".key")
			k, err := Generate(enc, alg, Options{Passphrase: PassphraseFile(passFile)})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "ithc-"+alg+".plain.pem")
			runCmd(t, openssl, "pkcs8", "-in", enc, "-passin", "file:"+passFile, "-out", out)
			data, _ := os.ReadFile(out)
			got, err := ParsePrivateKeyPEM(data, nil)
			if err != nil {
				t.Fatalf("openssl's decryption does not parse: %v", err)
			}
			if !publicEqual(got.Public(), k.Public()) {
				t.Error("openssl decrypted another key than Generate wrote")
			}
			// OpenSSL sees the scheme ITHC claims to write.
			dump := string(runCmd(t, openssl, "asn1parse", "-in", enc))
			for _, want := range []string{"PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc", "INTEGER           :0927C0"} {
				if !strings.Contains(dump, want) {
					t.Errorf("openssl asn1parse lacks %q:\n%s", want, dump)
				}
			}
		})
	}
}

// mutateEncrypted re-encodes a valid EncryptedPrivateKeyInfo after change.
func mutateEncrypted(t *testing.T, change func(info *encryptedPrivateKeyInfo, p *pbes2Params, kdf *pbkdf2Params, iv *[]byte)) []byte {
	t.Helper()
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	enc, err := encryptPKCS8(der, []byte("p"), 1)
	if err != nil {
		t.Fatal(err)
	}
	var info encryptedPrivateKeyInfo
	var p pbes2Params
	var kdf pbkdf2Params
	var iv []byte
	for _, step := range []struct {
		der []byte
		v   any
	}{{enc, &info}, {nil, &p}, {nil, &kdf}, {nil, &iv}} {
		d := step.der
		switch step.v.(type) {
		case *pbes2Params:
			d = info.Algorithm.Parameters.FullBytes
		case *pbkdf2Params:
			d = p.KeyDerivationFunc.Parameters.FullBytes
		case *[]byte:
			d = p.EncryptionScheme.Parameters.FullBytes
		}
		if _, err := asn1.Unmarshal(d, step.v); err != nil {
			t.Fatal(err)
		}
	}
	change(&info, &p, &kdf, &iv)
	marshal := func(v any) asn1.RawValue {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	if kdf.Salt.FullBytes == nil {
		kdf.Salt = marshal(kdf.Salt.Bytes)
	}
	p.KeyDerivationFunc.Parameters = marshal(kdf)
	p.EncryptionScheme.Parameters = marshal(iv)
	info.Algorithm.Parameters = marshal(p)
	out, err := asn1.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecryptPKCS8Errors(t *testing.T) {
	octets := func(b []byte) asn1.RawValue {
		d, _ := asn1.Marshal(b)
		return asn1.RawValue{FullBytes: d}
	}
	valid := mutateEncrypted(t, func(*encryptedPrivateKeyInfo, *pbes2Params, *pbkdf2Params, *[]byte) {})
	if _, err := DecryptPKCS8(valid, []byte("p")); err != nil {
		t.Fatalf("the unmutated vector does not decrypt: %v", err)
	}
	tests := []struct {
		name   string
		der    []byte
		want   string
		errIs  error
		mutate func(info *encryptedPrivateKeyInfo, p *pbes2Params, kdf *pbkdf2Params, iv *[]byte)
	}{
		{name: "empty", der: []byte{}, want: "EncryptedPrivateKeyInfo is missing"},
		{name: "trailing data", der: append(append([]byte{}, valid...), 0), want: "trailing data"},
		{name: "truncated", der: valid[:len(valid)-1], want: "EncryptedPrivateKeyInfo"},
		{name: "not pbes2", want: "unsupported encryption scheme 1.2.3", mutate: func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.Algorithm.Algorithm = asn1.ObjectIdentifier{1, 2, 3}
		}},
		{name: "pbes1", want: "PBES1", mutate: func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.Algorithm.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}
		}},
		{name: "not pbkdf2", want: "unsupported key derivation", mutate: func(_ *encryptedPrivateKeyInfo, p *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			p.KeyDerivationFunc.Algorithm = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11} // scrypt
		}},
		{name: "sha1 prf", want: "HMAC-SHA1", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.PRF.Algorithm = oidHMACWithSHA1
		}},
		{name: "default prf", want: "HMAC-SHA1", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.PRF = algorithmIdentifier{}
		}},
		{name: "sha512 prf", want: "pseudo-random function 1.2.840.113549.2.11", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.PRF.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
		}},
		{name: "prf parameters", want: "NULL or absent", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.PRF.Parameters = octets([]byte{1})
		}},
		{name: "aes-128", want: "unsupported cipher", mutate: func(_ *encryptedPrivateKeyInfo, p *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			p.EncryptionScheme.Algorithm = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
		}},
		{name: "iterations over the cap", want: "exceeds the limit", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.IterationCount = limits.MaxPBKDF2Iterations + 1
		}},
		{name: "zero iterations", want: "at least 1", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.IterationCount = 0
		}},
		{name: "negative iterations", want: "at least 1", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.IterationCount = -5
		}},
		{name: "salt too long", want: "salt of 257 bytes", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.Salt = octets(make([]byte, limits.MaxPBES2Salt+1))
		}},
		{name: "empty salt", want: "salt is empty", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.Salt = octets([]byte{})
		}},
		{name: "salt from another source", want: "otherSource", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			d, _ := asn1.Marshal(algorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 3}})
			k.Salt = asn1.RawValue{FullBytes: d}
		}},
		{name: "key length 16", want: "key length 16", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, k *pbkdf2Params, _ *[]byte) {
			k.KeyLength = 16
		}},
		{name: "short iv", want: "IV of 8 bytes", mutate: func(_ *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, iv *[]byte) {
			*iv = (*iv)[:8]
		}},
		{name: "ciphertext not whole blocks", want: "multiple of the AES block size", mutate: func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.EncryptedData = i.EncryptedData[:len(i.EncryptedData)-1]
		}},
		{name: "no ciphertext", want: "multiple of the AES block size", mutate: func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.EncryptedData = nil
		}},
		{name: "bad padding", errIs: ErrDecrypt, mutate: func(i *encryptedPrivateKeyInfo, _ *pbes2Params, _ *pbkdf2Params, _ *[]byte) {
			i.EncryptedData[len(i.EncryptedData)-1] ^= 0xff
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der := tt.der
			if tt.mutate != nil {
				der = mutateEncrypted(t, tt.mutate)
			}
			got, err := DecryptPKCS8(der, []byte("p"))
			if err == nil || got != nil {
				t.Fatalf("DecryptPKCS8() = %x, %v; want an error", got, err)
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("DecryptPKCS8() = %v, want %v", err, tt.errIs)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "keys: ") {
				t.Errorf("DecryptPKCS8() = %q, want keys: ... %q", err, tt.want)
			}
		})
	}
}

// FuzzDecryptPKCS8: no panic on any EncryptedPrivateKeyInfo, nil result on
// error, and a successful decryption is a whole number of bytes less than
// the ciphertext. Inputs claiming more than 5000 PBKDF2 iterations are
// parsed but not decrypted, to keep each execution short (the iteration
// cap itself is tested in TestDecryptPKCS8Errors).
func FuzzDecryptPKCS8(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.pem")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if b, _ := pem.Decode(data); b != nil && b.Type == "ENCRYPTED PRIVATE KEY" {
			f.Add(b.Bytes, []byte(testPassphrase))
		}
	}
	f.Fuzz(func(t *testing.T, der, pass []byte) {
		e, err := parseEncryptedPKCS8(der)
		if err != nil {
			if e != nil {
				t.Fatalf("parseEncryptedPKCS8() returned a value with error %v", err)
			}
			return
		}
		if e.iterations > 5000 {
			return
		}
		pt, err := e.decrypt(pass)
		if err != nil {
			if pt != nil || !errors.Is(err, ErrDecrypt) {
				t.Fatalf("decrypt() = %x, %v", pt, err)
			}
			return
		}
		if len(pt) >= len(e.ciphertext) || len(e.ciphertext)-len(pt) > 16 {
			t.Fatalf("decrypt() returned %d bytes from %d", len(pt), len(e.ciphertext))
		}
	})
}

// A wrong passphrase is refused every time, not only when the decrypted
// padding happens to be invalid (it is valid about once in 256 tries).
func TestDecryptPKCS8WrongPassphrases(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	enc, err := encryptPKCS8(der, []byte("right"), 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		if got, err := DecryptPKCS8(enc, []byte("wrong"+strconv.Itoa(i))); !errors.Is(err, ErrDecrypt) || got != nil {
			t.Fatalf("DecryptPKCS8(wrong passphrase %d) = %d bytes, %v; want ErrDecrypt", i, len(got), err)
		}
	}
}
