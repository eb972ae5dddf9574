package trust

import (
	"bytes"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/shareddata"
)

func pemOf(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func TestLoadPEM(t *testing.T) {
	a := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	b := testCert(t, mustECDSA(t, elliptic.P384()).Public(), nil)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 0}})
	b64 := "# EU DCC trust list export\n" + base64.StdEncoding.EncodeToString(a.Raw) + "\n\n  " +
		base64.StdEncoding.EncodeToString(b.Raw) + "  \r\n"

	tests := []struct {
		name  string
		in    []byte
		want  int
		isErr error // when not nil, errors.Is target; when want<0 any error
	}{
		{"pem two", pemOf(a, b), 2, nil},
		{"pem with text around", append(append([]byte("Certificate:\n  Data: ...\n"), pemOf(a)...), "trailer\n"...), 1, nil},
		{"pem with private key", append(pemOf(a), keyPEM...), 1, nil},
		{"der one", a.Raw, 1, nil},
		{"der two", append(append([]byte{}, a.Raw...), b.Raw...), 2, nil},
		{"base64 lines", []byte(b64), 2, nil},
		{"empty", nil, -1, ErrNoCertificates},
		{"blank", []byte(" \n\t\n"), -1, ErrNoCertificates},
		{"only comments", []byte("# nothing\n"), -1, ErrNoCertificates},
		{"only a private key", keyPEM, -1, ErrNoCertificates},
		{"garbage", []byte("hello world"), -1, nil},
		{"random binary", []byte{0x30, 0x82, 0xff, 0xff, 1, 2, 3}, -1, nil},
		{"truncated der", a.Raw[:len(a.Raw)-10], -1, nil},
		{"der with trailing byte", append(append([]byte{}, a.Raw...), 0), -1, nil},
		{"malformed pem base64", []byte("-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n"), -1, nil},
		{"pem missing end", []byte("-----BEGIN CERTIFICATE-----\n" + base64.StdEncoding.EncodeToString(a.Raw) + "\n"), -1, nil},
		{"pem wrong type", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: a.Raw}), -1, nil},
		{"pem bad der", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), -1, nil},
		{"base64 not a certificate", []byte(base64.StdEncoding.EncodeToString([]byte("hello")) + "\n"), -1, nil},
		{"base64 one bad line", []byte(base64.StdEncoding.EncodeToString(a.Raw) + "\n%%%\n"), -1, nil},
		{"too large", bytes.Repeat([]byte("#"), limits.MaxCertificatePEM+1), -1, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadPEM(bytes.NewReader(tt.in))
			if tt.want >= 0 {
				if err != nil || len(got) != tt.want {
					t.Fatalf("LoadPEM() = %d certificates, %v; want %d, nil", len(got), err, tt.want)
				}
				if !bytes.Equal(got[0].Raw, a.Raw) {
					t.Errorf("LoadPEM()[0] is not the first certificate")
				}
				return
			}
			if err == nil || got != nil {
				t.Fatalf("LoadPEM() = %d certificates, %v; want nil and an error", len(got), err)
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("LoadPEM() = %v, want %v", err, tt.isErr)
			}
			if !strings.HasPrefix(err.Error(), "trust: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFiles(t *testing.T) {
	a := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	b := testCert(t, mustECDSA(t, elliptic.P256()).Public(), nil)
	c := testCert(t, mustECDSA(t, elliptic.P384()).Public(), nil)
	weak := testCert(t, mustRSA(t, 1024).Public(), nil)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{0x30, 0}})

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.pem"), pemOf(a))
	writeFile(t, filepath.Join(dir, "sub", "b.DER"), b.Raw)
	writeFile(t, filepath.Join(dir, "sub", "deeper", "c.crt"), []byte(base64.StdEncoding.EncodeToString(c.Raw)+"\n"))
	writeFile(t, filepath.Join(dir, "sub", "dup.cer"), pemOf(a))
	writeFile(t, filepath.Join(dir, "key.pem"), keyPEM)
	writeFile(t, filepath.Join(dir, "README.txt"), []byte("not a certificate"))
	writeFile(t, filepath.Join(dir, "a.key"), keyPEM)

	s, err := LoadFiles(dir)
	if err != nil {
		t.Fatalf("LoadFiles(dir) = %v", err)
	}
	if s.Len() != 3 {
		t.Errorf("Len() = %d, want 3 (a, b, c; duplicate ignored)", s.Len())
	}
	for _, cert := range []*x509.Certificate{a, b, c} {
		if got, _ := s.Signers(KID(cert), ""); len(got) != 1 {
			t.Errorf("Signers(%x) = %d signers, want 1", KID(cert), len(got))
		}
	}

	// A file and a directory together.
	other := filepath.Join(t.TempDir(), "other.pem")
	writeFile(t, other, pemOf(weak)[:0])
	single := filepath.Join(t.TempDir(), "single.pem")
	writeFile(t, single, pemOf(b))
	if s, err := LoadFiles(single, dir); err != nil || s.Len() != 3 {
		t.Errorf("LoadFiles(file, dir) = %v; want 3 certificates", err)
	}

	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "ok.pem"), pemOf(a))
	writeFile(t, filepath.Join(bad, "broken.pem"), []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	weakDir := t.TempDir()
	writeFile(t, filepath.Join(weakDir, "weak.pem"), pemOf(weak))

	tests := []struct {
		name     string
		paths    []string
		mention  string
		sentinel error
	}{
		{"broken file", []string{bad}, "broken.pem", nil},
		{"weak key", []string{weakDir}, "weak.pem", ErrUnsupportedKey},
		{"explicit key file", []string{filepath.Join(dir, "key.pem")}, "key.pem", ErrNoCertificates},
		{"empty file", []string{other}, "other.pem", ErrNoCertificates},
		{"empty dir", []string{t.TempDir()}, "", ErrNoCertificates},
		{"missing", []string{filepath.Join(dir, "nope.pem")}, "nope.pem", os.ErrNotExist},
		{"no paths", nil, "", ErrNoCertificates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadFiles(tt.paths...)
			if err == nil || s != nil {
				t.Fatalf("LoadFiles() = %v, %v; want nil and an error", s, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("LoadFiles() = %q, want it to name %q", err, tt.mention)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("LoadFiles() = %v, want errors.Is %v", err, tt.sentinel)
			}
			if !strings.HasPrefix(err.Error(), "trust: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestDGCSignerCertificates loads the signer certificates of the EU DCC
// conformance vectors into a store: every certificate that parses must be
// accepted (they all sign real test codes) and be found by its kid.
func TestDGCSignerCertificates(t *testing.T) {
	files := shareddata.DGCFiles(t)
	s := NewStore()
	parsed, rejected := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			TESTCTX struct{ CERTIFICATE string }
		}
		if json.Unmarshal(data, &v) != nil || v.TESTCTX.CERTIFICATE == "" {
			continue
		}
		certs, err := LoadPEM(strings.NewReader(v.TESTCTX.CERTIFICATE))
		if err != nil {
			continue // some vectors carry deliberately broken certificates
		}
		parsed++
		if err := s.Add(certs[0], ""); err != nil {
			rejected++
			t.Logf("%s: %v", f, err)
			continue
		}
		if got, _ := s.Signers(KID(certs[0]), ""); len(got) == 0 {
			t.Errorf("%s: Signers(kid) found nothing after Add", f)
		}
	}
	t.Logf("dgc signer certificates: %d parsed, %d rejected, %d distinct in the store", parsed, rejected, s.Len())
	if parsed < 50 {
		t.Errorf("only %d certificates parsed, want at least 50", parsed)
	}
	if rejected != 0 {
		t.Errorf("%d real signer certificates rejected", rejected)
	}
}
