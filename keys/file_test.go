package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
)

const testPassphrase = "ithc test passphrase"

func passphrase(s string) func() ([]byte, error) {
	return func() ([]byte, error) { return []byte(s), nil }
}

// signVerifies signs a digest with k and checks the signature with pub.
func signVerifies(t *testing.T, k crypto.Signer, pub crypto.PublicKey) bool {
	t.Helper()
	msg := []byte("health certificate")
	digest := sha256.Sum256(msg)
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		sig, err := k.Sign(rand.Reader, digest[:], crypto.SHA256)
		return err == nil && ecdsa.VerifyASN1(p, digest[:], sig)
	case *rsa.PublicKey:
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		sig, err := k.Sign(rand.Reader, digest[:], opts)
		return err == nil && rsa.VerifyPSS(p, crypto.SHA256, digest[:], sig, opts) == nil
	case ed25519.PublicKey:
		sig, err := k.Sign(rand.Reader, msg, crypto.Hash(0))
		return err == nil && ed25519.Verify(p, msg, sig)
	}
	t.Fatalf("unexpected public key %T", pub)
	return false
}

func publicEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

func pkcs8PEM(t *testing.T, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// encryptedPEM is an encrypted PKCS#8 PEM of k with few iterations, so
// that tests stay fast.
func encryptedPEM(t *testing.T, k any, pass string) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encryptPKCS8(der, []byte(pass), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc})
}

func writeKey(t *testing.T, dir, name string, data []byte, mode fs.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustECDSA(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestOpenFile(t *testing.T) {
	dir := t.TempDir()
	ec := mustECDSA(t, elliptic.P256())
	p521 := mustECDSA(t, elliptic.P521())
	weak := mustECDSA(t, elliptic.P224())
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	sec1 := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7}})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0}})

	tests := []struct {
		name     string
		data     []byte
		mode     fs.FileMode
		pass     func() ([]byte, error)
		want     crypto.PublicKey
		sentinel error
		message  string
	}{
		{name: "pkcs8 p256", data: pkcs8PEM(t, ec), mode: 0o600, want: ec.Public()},
		{name: "pkcs8 p521", data: pkcs8PEM(t, p521), mode: 0o400, want: p521.Public()},
		{name: "pkcs8 ed25519", data: pkcs8PEM(t, ed), mode: 0o600, want: ed.Public()},
		{name: "pkcs8 rsa", data: pkcs8PEM(t, rsaKey), mode: 0o600, want: rsaKey.Public()},
		{name: "sec1", data: sec1(ec), mode: 0o600, want: ec.Public()},
		{name: "sec1 after params", data: append(params, sec1(ec)...), mode: 0o600, want: ec.Public()},
		{name: "pkcs1", data: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), mode: 0o600, want: rsaKey.Public()},
		{name: "encrypted", data: encryptedPEM(t, ec, testPassphrase), mode: 0o600, pass: passphrase(testPassphrase), want: ec.Public()},
		{name: "encrypted ed25519", data: encryptedPEM(t, ed, "x"), mode: 0o600, pass: passphrase("x"), want: ed.Public()},
		{name: "encrypted, no passphrase", data: encryptedPEM(t, ec, testPassphrase), mode: 0o600, sentinel: ErrPassphraseRequired},
		{name: "encrypted, wrong passphrase", data: encryptedPEM(t, ec, testPassphrase), mode: 0o600, pass: passphrase("wrong"), sentinel: ErrDecrypt},
		{name: "passphrase error", data: encryptedPEM(t, ec, testPassphrase), mode: 0o600,
			pass: func() ([]byte, error) { return nil, errors.New("no terminal") }, message: "no terminal"},
		{name: "mode 0644", data: pkcs8PEM(t, ec), mode: 0o644, sentinel: ErrKeyPermissions, message: "chmod 600"},
		{name: "mode 0640", data: pkcs8PEM(t, ec), mode: 0o640, sentinel: ErrKeyPermissions},
		{name: "mode 0604", data: pkcs8PEM(t, ec), mode: 0o604, sentinel: ErrKeyPermissions},
		{name: "mode 0610", data: pkcs8PEM(t, ec), mode: 0o610, sentinel: ErrKeyPermissions},
		{name: "weak curve", data: pkcs8PEM(t, weak), mode: 0o600, sentinel: ErrUnsupportedKey},
		{name: "rsa-1024", data: pkcs8PEM(t, small), mode: 0o600, sentinel: ErrUnsupportedKey},
		{name: "two keys", data: append(pkcs8PEM(t, ec), pkcs8PEM(t, ec)...), mode: 0o600, message: "more than one private key"},
		{name: "certificate", data: certPEM, mode: 0o600, message: `unexpected type "CERTIFICATE"`},
		{name: "legacy encrypted", data: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{0x30, 0}}), mode: 0o600, message: "legacy PEM encryption"},
		{name: "garbage der", data: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 3, 1, 2, 3}}), mode: 0o600, message: "pem block 1"},
		{name: "garbage encrypted der", data: pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}}), mode: 0o600, pass: passphrase("x"), message: "EncryptedPrivateKeyInfo"},
		{name: "not pem", data: []byte("hello"), mode: 0o600, message: "no private key"},
		{name: "malformed pem", data: []byte("-----BEGIN PRIVATE KEY-----\n%%%\n-----END PRIVATE KEY-----\n"), mode: 0o600, message: "malformed"},
		{name: "empty", data: nil, mode: 0o600, message: "no private key"},
		{name: "too large", data: bytes.Repeat([]byte{'a'}, limits.MaxPrivateKeyPEM+1), mode: 0o600, message: "larger than"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeKey(t, dir, "k"+string(rune('a'+i))+".key", tt.data, tt.mode)
			k, err := Open(p, Options{Passphrase: tt.pass})
			if tt.want != nil {
				if err != nil {
					t.Fatalf("Open() = %v", err)
				}
				defer k.Close()
				if !publicEqual(k.Public(), tt.want) {
					t.Error("Open() returned another key")
				}
				if !signVerifies(t, k, tt.want) {
					t.Error("the opened key does not sign")
				}
				return
			}
			if err == nil || k != nil {
				t.Fatalf("Open() = %T, %v; want nil and an error", k, err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("Open() = %v, want %v", err, tt.sentinel)
			}
			if tt.message != "" && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Open() = %q, want it to say %q", err, tt.message)
			}
			if !strings.HasPrefix(err.Error(), "keys: ") || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q should start with keys: and name the file", err)
			}
		})
	}
	if _, err := Open(filepath.Join(dir, "missing.key"), Options{}); !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotExist and ErrNotFound", err)
	}
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(directory) = %v, want not a regular file", err)
	}
}

func TestGenerateFile(t *testing.T) {
	for _, alg := range []string{AlgES256, AlgPS256, AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			if alg == AlgPS256 && testing.Short() {
				t.Skip("RSA-3072 generation is slow")
			}
			dir := filepath.Join(t.TempDir(), "new", "keys")
			path := filepath.Join(dir, "dsc.key")
			k, err := Generate(path, alg, Options{})
			if err != nil {
				t.Fatalf("Generate() = %v", err)
			}
			if !signVerifies(t, k, k.Public()) {
				t.Error("the generated key does not sign")
			}
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Fatalf("key file mode = %v, %v; want 0600", info.Mode().Perm(), err)
			}
			if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
				t.Errorf("created directory mode = %v, %v; want 0700", info.Mode().Perm(), err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%d entries in the key directory, want 1 (no temporary file left)", len(entries))
			}
			data, _ := os.ReadFile(path)
			if b, _ := pem.Decode(data); b == nil || b.Type != "PRIVATE KEY" {
				t.Error("the key file is not a plain PKCS#8 PEM")
			}
			again, err := Open("file:"+path, Options{})
			if err != nil {
				t.Fatalf("Open(generated) = %v", err)
			}
			if !publicEqual(again.Public(), k.Public()) {
				t.Error("Open() read another key than Generate() made")
			}
			k.Close()
			if _, err := k.Sign(rand.Reader, make([]byte, 32), crypto.SHA256); err == nil {
				t.Error("a closed key still signs")
			}
			if err := k.Close(); err != nil {
				t.Errorf("second Close() = %v", err)
			}

			// Never overwrite.
			if _, err := Generate(path, alg, Options{}); !errors.Is(err, ErrExists) {
				t.Errorf("Generate(existing) = %v, want ErrExists", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
				t.Error("a refused Generate changed the key file")
			}
		})
	}
}

func TestGenerateEncrypted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "csca.key")
	k, err := Generate(path, AlgES256, Options{Passphrase: passphrase(testPassphrase)})
	if err != nil {
		t.Fatalf("Generate(passphrase) = %v", err)
	}
	data, _ := os.ReadFile(path)
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "ENCRYPTED PRIVATE KEY" {
		t.Fatalf("key file type = %v, want ENCRYPTED PRIVATE KEY", b)
	}
	e, err := parseEncryptedPKCS8(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if e.iterations != PBKDF2Iterations || len(e.salt) != 16 {
		t.Errorf("written with %d iterations and a %d-byte salt, want %d and 16", e.iterations, len(e.salt), PBKDF2Iterations)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, ErrPassphraseRequired) {
		t.Errorf("Open(no passphrase) = %v, want ErrPassphraseRequired", err)
	}
	if _, err := Open(path, Options{Passphrase: passphrase("not it")}); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Open(wrong passphrase) = %v, want ErrDecrypt", err)
	}
	again, err := Open(path, Options{Passphrase: passphrase(testPassphrase)})
	if err != nil {
		t.Fatalf("Open(passphrase) = %v", err)
	}
	if !publicEqual(again.Public(), k.Public()) {
		t.Error("decrypted another key")
	}

	if _, err := Generate(filepath.Join(t.TempDir(), "k"), AlgES256, Options{Passphrase: passphrase("")}); err == nil || !strings.Contains(err.Error(), "empty passphrase") {
		t.Errorf("Generate(empty passphrase) = %v", err)
	}
	failing := func() ([]byte, error) { return nil, errors.New("cancelled") }
	if _, err := Generate(filepath.Join(t.TempDir(), "k"), AlgES256, Options{Passphrase: failing}); err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("Generate(failing passphrase) = %v", err)
	}
	if _, err := Generate(filepath.Join(t.TempDir(), "k"), "ES512", Options{}); err == nil || !strings.Contains(err.Error(), "unknown algorithm") {
		t.Errorf("Generate(ES512) = %v", err)
	}
}

func TestWriteKeyFileNoClobber(t *testing.T) {
	dir := t.TempDir()
	p := writeKey(t, dir, "k.key", []byte("old"), 0o600)
	if err := writeKeyFile(p, []byte("new")); !errors.Is(err, ErrExists) {
		t.Errorf("writeKeyFile(existing) = %v, want ErrExists", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("key replaced: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries left, want 1 (temporary file removed)", len(entries))
	}
}

func TestPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		data    string
		mode    fs.FileMode
		want    string
		wantErr string
	}{
		{"secret\n", 0o600, "secret", ""},
		{"secret\r\n", 0o400, "secret", ""},
		{"secret", 0o600, "secret", ""},
		{"two words \n\n", 0o600, "two words \n", ""},
		{"secret\n", 0o644, "", "chmod 600"},
		{strings.Repeat("x", limits.MaxSecretFile+1), 0o600, "", "larger than"},
	}
	for i, tt := range tests {
		p := writeKey(t, dir, "pass"+string(rune('a'+i)), []byte(tt.data), tt.mode)
		got, err := PassphraseFile(p)()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("PassphraseFile(%q) = %q, %v; want an error with %q", tt.data, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("PassphraseFile(%q) = %q, %v; want %q", tt.data, got, err, tt.want)
		}
	}
	if _, err := PassphraseFile(filepath.Join(dir, "missing"))(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("PassphraseFile(missing) = %v", err)
	}
}

func TestPassphraseFromEnv(t *testing.T) {
	t.Setenv(EnvPassphrase, "from env")
	f := PassphraseFromEnv()
	if f == nil {
		t.Fatal("PassphraseFromEnv() = nil with the variable set")
	}
	if got, err := f(); err != nil || string(got) != "from env" {
		t.Errorf("PassphraseFromEnv()() = %q, %v", got, err)
	}
	t.Setenv(EnvPassphrase, "")
	if PassphraseFromEnv() != nil {
		t.Error("PassphraseFromEnv() != nil with the variable empty")
	}
	os.Unsetenv(EnvPassphrase)
	if PassphraseFromEnv() != nil {
		t.Error("PassphraseFromEnv() != nil with the variable unset")
	}
}

// FuzzParsePrivateKeyPEM: no panic on any key file, and nothing but a key
// that can sign comes out. Encrypted blocks are answered with
// ErrPassphraseRequired here (FuzzDecryptPKCS8 covers decryption).
func FuzzParsePrivateKeyPEM(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.pem")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKeyPEM(data, nil)
		if err != nil {
			if k != nil {
				t.Fatalf("ParsePrivateKeyPEM() returned a key with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "keys: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		if err := CheckPublicKey(k.Public()); err != nil {
			t.Fatalf("ParsePrivateKeyPEM() accepted a key CheckPublicKey refuses: %v", err)
		}
	})
}
