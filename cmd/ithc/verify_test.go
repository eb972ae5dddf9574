package main

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/vdsnc"
)

// TestVerifySMARTExamples runs "ithc verify" on the SMART Health Card
// examples of the shared data, with the example issuer's folder and the
// VCI directory snapshot as key sources.
func TestVerifySMARTExamples(t *testing.T) {
	dir := shareddata.Path(t, "shc")
	ex := filepath.Join(dir, "examples")
	issuer := "https://spec.smarthealth.cards/examples/issuer=" + filepath.Join(ex, "issuer")
	vci := filepath.Join(dir, "vci-directory")
	at := "2024-01-01T00:00:00Z"
	chunks := filepath.Join(t.TempDir(), "chunks.txt")
	var joined []string
	for i := 0; i < 3; i++ {
		b, err := os.ReadFile(filepath.Join(ex, "example-02-f-qr-code-numeric-value-"+string(rune('0'+i))+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, strings.TrimSpace(string(b)))
	}
	if err := os.WriteFile(chunks, []byte(strings.Join(joined, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"00 file, issuer folder", []string{"--shc-keys", issuer, "@" + filepath.Join(ex, "example-00-e-file.smart-health-card")}, 0,
			[]string{"VERIFIED  status: verified", "format:  SMART Health Card (shc)", "event 3: vaccination"}, ""},
		{"00 qr, VCI snapshot folder and issuer folder", []string{"--shc-keys", vci, "--shc-keys", issuer, "@" + filepath.Join(ex, "example-00-f-qr-code-numeric-value-0.txt")}, 0,
			[]string{"VERIFIED"}, ""},
		{"00 qr, VCI snapshot alone", []string{"--shc-keys", filepath.Join(vci, "vci_snapshot.json"), "@" + filepath.Join(ex, "example-00-f-qr-code-numeric-value-0.txt")}, 1,
			[]string{"status: issuer_not_trusted (stage key)", "The issuer's signing key is not on the trusted list", "ISSUER_NOT_TRUSTED"}, ""},
		{"02 chunks", []string{"--shc-keys", issuer, "@" + chunks}, 0,
			[]string{"VERIFIED", "warning: QR_CHUNKING_DEPRECATED"}, ""},
		{"03 revoked", []string{"--shc-keys", issuer, "@" + filepath.Join(ex, "example-03-d-jws.txt")}, 1,
			[]string{"REJECTED  status: revoked (stage revocation)", "The issuer has revoked this certificate."}, ""},
		{"01 after its certificate expired", []string{"--shc-keys", issuer, "@" + filepath.Join(ex, "example-01-d-jws.txt")}, 1,
			[]string{"status: expired_keys"}, ""},
		{"snapshot with an issuer url", []string{"--shc-keys", "https://x.example=" + vci, "@" + filepath.Join(ex, "example-00-d-jws.txt")}, 2,
			nil, "a VCI snapshot names its issuers itself"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"verify", "--now", at}, tc.args...)
		if code := run(args, nil, &out, &errb); code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.name, code, tc.code, out.String(), errb.String())
			continue
		}
		for _, s := range tc.stdout {
			if !strings.Contains(out.String(), s) {
				t.Errorf("%s: no %q in\n%s", tc.name, s, out.String())
			}
		}
		if !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("%s: no %q in stderr %q", tc.name, tc.stderr, errb.String())
		}
	}
}

// TestVerifyICAOSamples runs "ithc verify" on the ICAO sample seals,
// trusting the Utopia seals' own signer (their CSCAs are not public) at
// a time it is valid.
func TestVerifyICAOSamples(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	seal := filepath.Join(dir, "uto-proof-of-vaccination.json")
	b, err := os.ReadFile(seal)
	if err != nil {
		t.Fatal(err)
	}
	s, err := vdsnc.ParseSeal(b)
	if err != nil {
		t.Fatal(err)
	}
	signer := filepath.Join(t.TempDir(), "signer.pem")
	if err := os.WriteFile(signer, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Signature.Certificate}), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"verify", "--vdsnc-trust", signer, "--now", "2025-06-01T00:00:00Z", "@" + seal}, nil, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "format:  ICAO VDS-NC seal (vdsnc)") || !strings.Contains(out.String(), "event 1: vaccination") {
		t.Errorf("utopia vaccination seal: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"verify", "--vdsnc-trust", signer, "--now", "2027-06-01T00:00:00Z", "@" + seal}, nil, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "status: expired_keys") {
		t.Errorf("utopia vaccination seal after its signer expired: exit %d\n%s", code, out.String())
	}
	out.Reset()
	friesland := filepath.Join(dir, "uto-testkey-example-0.json")
	if code := run([]string{"verify", "--vdsnc-trust", filepath.Join(dir, "testkey-signer.cert.pem"), "--now", "2025-06-01T00:00:00Z", "@" + friesland}, nil, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "status: issuer_not_trusted (stage chain)") || !strings.Contains(out.String(), "country FR") {
		t.Errorf("friesland seal naming Utopia: exit %d\n%s", code, out.String())
	}
}
