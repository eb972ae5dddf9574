//go:build cgo

package keys_test

import (
	"crypto"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// TestHSMIssuesVerifiableCertificates is the HSM path end to end: a CSCA
// key in a SoftHSM token issues a document signer certificate, which Go's
// x509 verification accepts against the CSCA and which passes the
// certificate governance; the document signer's key, also in the token,
// signs an HC1 code that verify.Verify accepts. Once with P-256 keys, once
// with RSA-3072 keys (RSASSA-PSS in the token).
func TestHSMIssuesVerifiableCertificates(t *testing.T) {
	h := keys.NewSoftHSM(t)
	h.InitToken("cn-csca")
	h.InitToken("cn-issuance")
	now := time.Now().UTC().Truncate(time.Second)

	for _, alg := range []string{keys.AlgES256, keys.AlgPS256} {
		t.Run(alg, func(t *testing.T) {
			cscaKey, err := keys.Generate(h.Ref("cn-csca", "csca-"+alg), alg, keys.Options{})
			if err != nil {
				t.Fatalf("Generate(csca) = %v", err)
			}
			defer cscaKey.Close()
			dscKey, err := keys.Generate(h.Ref("cn-issuance", "dsc-"+alg), alg, keys.Options{})
			if err != nil {
				t.Fatalf("Generate(dsc) = %v", err)
			}
			defer dscKey.Close()

			csca, err := trust.NewCSCA(cscaKey, trust.CertOptions{Country: "CN", Organisation: "National Health Commission", NotBefore: now.Add(-time.Hour)})
			if err != nil {
				t.Fatalf("NewCSCA(hsm key) = %v", err)
			}
			dsc, err := trust.NewDSC(dscKey.Public(), csca, cscaKey, trust.CertOptions{NotBefore: now.Add(-time.Hour)})
			if err != nil {
				t.Fatalf("NewDSC(hsm csca key) = %v", err)
			}
			wantSig := x509.ECDSAWithSHA256
			if alg == keys.AlgPS256 {
				wantSig = x509.SHA256WithRSAPSS
			}
			if dsc.SignatureAlgorithm != wantSig || csca.SignatureAlgorithm != wantSig {
				t.Errorf("signature algorithms %v, %v; want %v", csca.SignatureAlgorithm, dsc.SignatureAlgorithm, wantSig)
			}

			roots := x509.NewCertPool()
			roots.AddCert(csca)
			if _, err := dsc.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Fatalf("x509 verification of the DSC against the CSCA: %v", err)
			}
			if err := trust.CheckCertificate(dsc, trust.RoleDSC, csca, trust.CheckOptions{Country: "CN", Now: now}); err != nil {
				t.Errorf("governance of the HSM-issued DSC: %v", err)
			}

			text, err := hc1.Sign(hc1.SignInput{Issuer: "CN", IssuedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour), DCC: testca.SampleDCC()},
				dscKey, hc1.SignOptions{Certificate: dsc})
			if err != nil {
				t.Fatalf("hc1.Sign(hsm key) = %v", err)
			}
			store := trust.NewStore()
			if err := store.AddChecked(dsc, csca); err != nil {
				t.Fatal(err)
			}
			res := verify.New(store, verify.Options{Now: now.Add(time.Minute)}).Verify(text)
			if res.Status != verify.StatusVerified {
				t.Fatalf("verify.Verify(code signed in the HSM) = %s: %v", res.Status, res.Err())
			}

			// A code signed by another key in the token under the same
			// certificate does not verify.
			other, err := keys.Generate(h.Ref("cn-issuance", "other-"+alg), alg, keys.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			forged, err := hc1.Sign(hc1.SignInput{Issuer: "CN", IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour), DCC: testca.SampleDCC()},
				other, hc1.SignOptions{Certificate: dsc})
			if err != nil {
				t.Fatal(err)
			}
			if res := verify.New(store, verify.Options{Now: now.Add(time.Minute)}).Verify(forged); res.Status != verify.StatusInvalidSignature {
				t.Errorf("code signed by another token key = %s, want %s", res.Status, verify.StatusInvalidSignature)
			}
		})
	}
}

// TestHSMKeyReopened: a key generated in the token and closed is found
// again by reference in a later session, and signs for its certificate.
func TestHSMKeyReopened(t *testing.T) {
	h := keys.NewSoftHSM(t)
	h.InitToken("cn")
	ref := h.Ref("cn", "upload")
	k, err := keys.Generate(ref, keys.AlgES256, keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := trust.NewUploadCertificate(k, trust.CertOptions{Country: "CN"})
	k.Close()
	if err != nil {
		t.Fatal(err)
	}
	again, err := keys.Open(ref, keys.Options{})
	if err != nil {
		t.Fatalf("Open(%s) = %v", ref, err)
	}
	defer again.Close()
	if !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(again.Public()) {
		t.Fatal("the reopened key is not the certified one")
	}
	if !strings.HasPrefix(cert.Subject.CommonName, "ITHC Upload CN") {
		t.Errorf("subject %q", cert.Subject)
	}
}
