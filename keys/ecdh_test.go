package keys

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestGenerateOpenECDH(t *testing.T) {
	dir := t.TempDir()
	for _, curve := range []string{CurveP256, CurveX25519} {
		for _, pass := range []string{"", "correct horse"} {
			path := filepath.Join(dir, curve+pass+".key")
			opts := Options{}
			if pass != "" {
				opts.Passphrase = func() ([]byte, error) { return []byte(pass), nil }
			}
			k, err := GenerateECDH(path, curve, opts)
			if err != nil {
				t.Fatalf("GenerateECDH(%s) error %v", curve, err)
			}
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("%s: key file mode %v, %v; want 0600", curve, info.Mode().Perm(), err)
			}
			got, err := OpenECDH(path, opts)
			if err != nil {
				t.Fatalf("OpenECDH(%s) error %v", curve, err)
			}
			if !got.PublicKey().Equal(k.PublicKey()) {
				t.Errorf("%s: OpenECDH() opened another key", curve)
			}
			// The two halves agree on a shared secret.
			peer, _ := got.Curve().GenerateKey(nil)
			a, err1 := got.ECDH(peer.PublicKey())
			b, err2 := peer.ECDH(k.PublicKey())
			if err1 != nil || err2 != nil || string(a) != string(b) {
				t.Errorf("%s: ECDH() disagrees: %v %v", curve, err1, err2)
			}
			got.Close()
			if _, err := got.ECDH(peer.PublicKey()); err == nil {
				t.Errorf("%s: a closed key still agrees", curve)
			}
			if _, err := GenerateECDH(path, curve, opts); !errors.Is(err, ErrExists) {
				t.Errorf("%s: GenerateECDH() over an existing file: %v, want ErrExists", curve, err)
			}
			if pass != "" {
				if _, err := OpenECDH(path, Options{}); !errors.Is(err, ErrPassphraseRequired) {
					t.Errorf("%s: OpenECDH() of an encrypted file without passphrase: %v", curve, err)
				}
				if _, err := OpenECDH(path, Options{Passphrase: func() ([]byte, error) { return []byte("wrong"), nil }}); !errors.Is(err, ErrDecrypt) {
					t.Errorf("%s: OpenECDH() with a wrong passphrase: %v, want ErrDecrypt", curve, err)
				}
			}
		}
	}
}

func TestECDHRefusals(t *testing.T) {
	dir := t.TempDir()
	if _, err := GenerateECDH("pkcs11:token=t;object=enc", CurveP256, Options{}); !errors.Is(err, ErrNoECDHToken) {
		t.Errorf("GenerateECDH(pkcs11:) error %v, want ErrNoECDHToken", err)
	}
	if _, err := OpenECDH("pkcs11:token=t;object=enc", Options{}); !errors.Is(err, ErrNoECDHToken) {
		t.Errorf("OpenECDH(pkcs11:) error %v, want ErrNoECDHToken", err)
	}
	if _, err := GenerateECDH(filepath.Join(dir, "p384.key"), "P-384", Options{}); err == nil {
		t.Errorf("GenerateECDH(P-384) succeeded")
	}
	// A key others can read is refused.
	open := filepath.Join(dir, "open.key")
	if _, err := GenerateECDH(open, CurveX25519, Options{}); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o644)
	if _, err := OpenECDH(open, Options{}); !errors.Is(err, ErrKeyPermissions) {
		t.Errorf("OpenECDH() of a mode 0644 file: %v, want ErrKeyPermissions", err)
	}
	// A signing key of another kind is not an encryption key.
	ed := filepath.Join(dir, "ed.key")
	k, err := Generate(ed, AlgEdDSA, Options{})
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	if _, err := OpenECDH(ed, Options{}); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("OpenECDH() of an Ed25519 key: %v, want ErrUnsupportedKey", err)
	}
	if _, err := ParseECDHPrivateKeyPEM([]byte("junk"), nil); err == nil {
		t.Errorf("ParseECDHPrivateKeyPEM(junk) succeeded")
	}
	var _ ecdh.KeyExchanger = (*fileECDHKey)(nil)
}

// A country's recipient key for encrypted codes is made once, in a file
// only its owner reads, and opened by each verifier of that country.
func ExampleGenerateECDH() {
	dir, _ := os.MkdirTemp("", "enc")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "fr-enc.key")
	k, err := GenerateECDH(path, CurveP256, Options{})
	if err != nil {
		panic(err)
	}
	k.Close()
	opened, err := OpenECDH(path, Options{})
	if err != nil {
		panic(err)
	}
	defer opened.Close()
	fmt.Println(opened.Curve(), opened.PublicKey().Equal(k.PublicKey()))
	// Output: P-256 true
}
