//go:build cgo

package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ThalesGroup/crypto11"
)

// SoftHSM is a SoftHSM 2 installation private to one test: its own
// configuration file and token directory, selected through SOFTHSM2_CONF.
// Exported for the external tests of this package.
type SoftHSM struct {
	t    testing.TB
	util string
	dir  string
	// Module is the SoftHSM PKCS#11 module.
	Module string
	// PIN is the user PIN of every token InitToken makes.
	PIN string
}

// NewSoftHSM sets up SoftHSM for t. It skips t when SoftHSM is not
// installed, and fails it under CI=true. The test must not run in parallel
// (SOFTHSM2_CONF is process-wide); at its end, every token context must
// have been closed.
func NewSoftHSM(t testing.TB) *SoftHSM {
	t.Helper()
	util, err := exec.LookPath("softhsm2-util")
	if err == nil {
		_, err = os.Stat(DefaultModule)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SoftHSM 2 is required under CI=true (Debian package softhsm2): %v", err)
		}
		t.Skipf("SoftHSM 2 is not installed (Debian package softhsm2), skipping the PKCS#11 test: %v", err)
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	text := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	t.Setenv(EnvPKCS11Module, "")
	t.Setenv(EnvPKCS11PIN, "")
	t.Cleanup(func() {
		contextsMu.Lock()
		defer contextsMu.Unlock()
		if len(contexts) > 0 {
			t.Errorf("%d PKCS#11 token contexts left open at the end of the test", len(contexts))
			for id, tc := range contexts {
				tc.ctx.Close()
				delete(contexts, id)
			}
		}
	})
	return &SoftHSM{t: t, util: util, dir: dir, Module: DefaultModule, PIN: "1234"}
}

// InitToken makes an empty token labelled label, with user PIN h.PIN.
func (h *SoftHSM) InitToken(label string) {
	h.t.Helper()
	out, err := exec.Command(h.util, "--init-token", "--free", "--label", label, "--pin", h.PIN, "--so-pin", "5678").CombinedOutput()
	if err != nil {
		h.t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
}

// Ref returns a reference to object in token, with the PIN in a pin-source
// file.
func (h *SoftHSM) Ref(token, object string) string {
	h.t.Helper()
	pinFile := filepath.Join(h.dir, "pin")
	if err := os.WriteFile(pinFile, []byte(h.PIN+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return "pkcs11:token=" + token + ";object=" + object + "?pin-source=file:" + pinFile
}

func openContexts() int {
	contextsMu.Lock()
	defer contextsMu.Unlock()
	return len(contexts)
}

func TestPKCS11GenerateOpen(t *testing.T) {
	h := NewSoftHSM(t)
	h.InitToken("ithc")
	for _, alg := range []string{AlgES256, AlgPS256} {
		t.Run(alg, func(t *testing.T) {
			ref := h.Ref("ithc", "key-"+alg)
			k, err := Generate(ref, alg, Options{})
			if err != nil {
				t.Fatalf("Generate(%s) = %v", ref, err)
			}
			switch pub := k.Public().(type) {
			case *ecdsa.PublicKey:
				if alg != AlgES256 || pub.Curve != elliptic.P256() {
					t.Errorf("%s key is ECDSA %s", alg, pub.Curve.Params().Name)
				}
			case *rsa.PublicKey:
				if alg != AlgPS256 || pub.N.BitLen() != 3072 {
					t.Errorf("%s key is RSA-%d", alg, pub.N.BitLen())
				}
			default:
				t.Fatalf("%s key is %T", alg, pub)
			}
			if !signVerifies(t, k, k.Public()) {
				t.Fatal("the token key's signature does not verify")
			}
			checkTokenAttributes(t, k.(*hsmKey), alg == AlgPS256)

			// The same label again is refused; the key stays.
			if _, err := Generate(ref, alg, Options{}); !errors.Is(err, ErrExists) {
				t.Errorf("Generate(same label) = %v, want ErrExists", err)
			}

			// Open it again, by label, and share the context.
			again, err := Open(ref, Options{})
			if err != nil {
				t.Fatalf("Open(%s) = %v", ref, err)
			}
			if !publicEqual(again.Public(), k.Public()) {
				t.Error("Open() found another key")
			}
			if n := openContexts(); n != 1 {
				t.Errorf("%d token contexts open, want 1 shared by both keys", n)
			}
			if err := k.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			if _, err := k.Sign(rand.Reader, make([]byte, 32), crypto.SHA256); err == nil {
				t.Error("a closed key signs")
			}
			if !signVerifies(t, again, again.Public()) {
				t.Error("closing one key broke the other key of the token")
			}
			again.Close()
			again.Close()
			if n := openContexts(); n != 0 {
				t.Errorf("%d token contexts open after closing every key, want 0", n)
			}
		})
	}
}

// checkTokenAttributes checks that a generated private key never leaves
// the token and, for RSA, cannot decrypt.
func checkTokenAttributes(t *testing.T, k *hsmKey, rsaKey bool) {
	t.Helper()
	contextsMu.Lock()
	ctx := contexts[k.token].ctx
	contextsMu.Unlock()
	want := map[crypto11.AttributeType]bool{
		crypto11.CkaSensitive:   true,
		crypto11.CkaExtractable: false,
		crypto11.CkaSign:        true,
		crypto11.CkaToken:       true,
	}
	if rsaKey {
		want[crypto11.CkaDecrypt] = false
	}
	for attr, v := range want {
		a, err := ctx.GetAttribute(k.signer, attr)
		if err != nil {
			t.Errorf("attribute %#x: %v", attr, err)
			continue
		}
		if got := len(a.Value) == 1 && a.Value[0] == 1; got != v {
			t.Errorf("attribute %#x = %v, want %v", attr, a.Value, v)
		}
	}
}

func TestPKCS11ByID(t *testing.T) {
	h := NewSoftHSM(t)
	h.InitToken("ithc")
	t.Setenv(EnvPKCS11PIN, h.PIN)
	t.Setenv(EnvPKCS11Module, h.Module)
	k, err := Generate("pkcs11:token=ithc;object=dsc;id=%0a%0b", AlgES256, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for _, ref := range []string{
		"pkcs11:token=ithc;id=%0A%0B",
		"pkcs11:token=ithc;object=dsc;id=%0a%0b;type=private",
	} {
		o, err := Open(ref, Options{})
		if err != nil {
			t.Errorf("Open(%s) = %v", ref, err)
			continue
		}
		if !publicEqual(o.Public(), k.Public()) {
			t.Errorf("Open(%s) found another key", ref)
		}
		o.Close()
	}
	// Another label with the same id is refused: the id must stay unique.
	if _, err := Generate("pkcs11:token=ithc;object=other;id=%0a%0b", AlgES256, Options{}); !errors.Is(err, ErrExists) {
		t.Errorf("Generate(same id) = %v, want ErrExists", err)
	}
	// A label and an id of different keys match nothing.
	if _, err := Open("pkcs11:token=ithc;object=dsc;id=%ff", Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(label with another id) = %v, want ErrNotFound", err)
	}
}

func TestPKCS11PINSources(t *testing.T) {
	h := NewSoftHSM(t)
	h.InitToken("ithc")
	k, err := Generate(h.Ref("ithc", "k"), AlgES256, Options{})
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	pinFile := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(pinFile, []byte(h.PIN), 0o600)
	open644 := filepath.Join(t.TempDir(), "pin644")
	os.WriteFile(open644, []byte(h.PIN), 0o644)
	os.Chmod(open644, 0o644)

	tests := []struct {
		name, ref string
		opts      Options
		env       string
		wantErr   string
	}{
		{name: "pin-value", ref: "pkcs11:token=ithc;object=k;pin-value=" + h.PIN},
		{name: "pin-source path", ref: "pkcs11:token=ithc;object=k?pin-source=" + pinFile},
		{name: "pin-source file:", ref: "pkcs11:token=ithc;object=k;pin-source=file:" + pinFile},
		{name: "options", ref: "pkcs11:token=ithc;object=k", opts: Options{PIN: func(r Ref) (string, error) {
			if r.Token != "ithc" {
				return "", errors.New("wrong token asked")
			}
			return h.PIN, nil
		}}},
		{name: "environment", ref: "pkcs11:token=ithc;object=k", env: h.PIN},
		{name: "explicit module", ref: "pkcs11:token=ithc;object=k?module-path=" + h.Module, env: h.PIN},
		{name: "options module", ref: "pkcs11:token=ithc;object=k", env: h.PIN, opts: Options{Module: h.Module}},
		{name: "no pin", ref: "pkcs11:token=ithc;object=k", wantErr: "no PIN"},
		{name: "wrong pin", ref: "pkcs11:token=ithc;object=k;pin-value=9999", wantErr: "wrong PIN"},
		{name: "pin file readable by others", ref: "pkcs11:token=ithc;object=k?pin-source=" + open644, wantErr: "chmod 600"},
		{name: "missing pin file", ref: "pkcs11:token=ithc;object=k?pin-source=/nonexistent/pin", wantErr: "no such file"},
		{name: "pin callback fails", ref: "pkcs11:token=ithc;object=k", opts: Options{PIN: func(Ref) (string, error) { return "", errors.New("cancelled") }}, wantErr: "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvPKCS11PIN, tt.env)
			k, err := Open(tt.ref, tt.opts)
			if tt.wantErr != "" {
				if err == nil {
					k.Close()
					t.Fatalf("Open(%s) succeeded, want an error with %q", tt.ref, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "9999") {
					t.Errorf("Open(%s) = %q, want %q (and no PIN in the message)", tt.ref, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%s) = %v", tt.ref, err)
			}
			if !signVerifies(t, k, k.Public()) {
				t.Error("the key does not sign")
			}
			k.Close()
		})
	}
}

func TestPKCS11Errors(t *testing.T) {
	h := NewSoftHSM(t)
	h.InitToken("ithc")
	t.Setenv(EnvPKCS11PIN, h.PIN)
	notModule := filepath.Join(t.TempDir(), "libnot.so")
	os.WriteFile(notModule, []byte("not a shared library"), 0o644)

	// Two key pairs under one label: Open wants an id to choose.
	k1, err := Generate("pkcs11:token=ithc;object=twin-a;id=%01", AlgES256, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer k1.Close()
	ctx, id, err := acquire(Ref{Kind: KindPKCS11, Token: "ithc"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.GenerateECDSAKeyPairWithLabel([]byte{2}, []byte("twin"), elliptic.P256()); err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.GenerateECDSAKeyPairWithLabel([]byte{3}, []byte("twin"), elliptic.P256()); err != nil {
		t.Fatal(err)
	}
	release(id)

	tests := []struct {
		name, ref string
		alg       string // Generate when set, else Open
		errIs     error
		want      string
	}{
		{name: "unknown token", ref: "pkcs11:token=nope;object=k", errIs: ErrNotFound, want: "no token with token=nope"},
		{name: "unknown object", ref: "pkcs11:token=ithc;object=nope", errIs: ErrNotFound, want: "object=nope"},
		{name: "ambiguous label", ref: "pkcs11:token=ithc;object=twin", want: "2 key pairs match"},
		{name: "one of the twins by id", ref: "pkcs11:token=ithc;object=twin;id=%03"},
		{name: "missing module", ref: "pkcs11:token=ithc;object=k?module-path=/nonexistent/libpkcs11.so", want: "module-path="},
		{name: "not a module", ref: "pkcs11:token=ithc;object=k?module-path=" + notModule, want: "module " + notModule},
		{name: "eddsa in a token", ref: "pkcs11:token=ithc;object=ed", alg: AlgEdDSA, want: "crypto11 has no Ed25519"},
		{name: "unknown algorithm", ref: "pkcs11:token=ithc;object=x", alg: "ES384", want: "unknown algorithm"},
		{name: "bad reference", ref: "pkcs11:token=ithc", errIs: ErrBadRef},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				k   Key
				err error
			)
			if tt.alg != "" {
				k, err = Generate(tt.ref, tt.alg, Options{})
			} else {
				k, err = Open(tt.ref, Options{})
			}
			if tt.errIs == nil && tt.want == "" {
				if err != nil {
					t.Fatalf("%s = %v", tt.ref, err)
				}
				k.Close()
				return
			}
			if err == nil {
				k.Close()
				t.Fatalf("%s succeeded, want an error", tt.ref)
			}
			if k != nil {
				t.Errorf("%s returned a key with its error", tt.ref)
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("%s = %v, want %v", tt.ref, err, tt.errIs)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "keys: ") {
				t.Errorf("%s = %q, want keys: ... %q", tt.ref, err, tt.want)
			}
			if n := openContexts(); n != 1 {
				t.Errorf("%d token contexts open after a failure, want 1 (k1's)", n)
			}
		})
	}
}
