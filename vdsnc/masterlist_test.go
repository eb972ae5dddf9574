package vdsnc

import (
	"crypto/elliptic"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/cms"
)

// masterList builds a master list of certs signed by the given signer.
func masterList(t *testing.T, signer *testCSCA, signerName string, certs ...[]byte) []byte {
	t.Helper()
	cert, key := signer.newSigner(t, signerOptions{curve: elliptic.P256(), name: signerName})
	var list []asn1.RawValue
	for _, der := range certs {
		list = append(list, asn1.RawValue{FullBytes: der})
	}
	content, err := asn1.Marshal(cscaMasterList{Version: 0, CertList: list})
	if err != nil {
		t.Fatal(err)
	}
	der, err := cms.Sign(content, cert, key, &cms.SignOptions{ContentType: oidMasterList})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestAddMasterList(t *testing.T) {
	home := newCSCA(t, "DE", testNotBefore, testNotAfter)
	jp := newCSCA(t, "JP", testNotBefore, testNotAfter)
	au := newCSCA(t, "AU", testNotBefore, testNotAfter)
	ml := masterList(t, home, "ml", jp.cert.Raw, au.cert.Raw, []byte{0x30, 0x03, 0x02, 0x01, 0x01})

	p := pool(t, home.cert)
	r, err := p.AddMasterList(ml, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if r.Added != 2 || r.Skipped != 1 || p.Len() != 3 {
		t.Errorf("report %+v, pool of %d", r, p.Len())
	}
	// A seal of a listed state now verifies.
	cert, key := jp.newSigner(t, signerOptions{name: "jp"})
	c := vaccContent(t)
	c.Header.IssuingState = "JPN"
	seal, err := Sign(c, key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res := Verify(seal, p, Options{Now: testNow}); res.Status != StatusVerified {
		t.Errorf("seal of a CSCA from the master list: %s %s", res.Status, res.Detail)
	}

	// A master list whose signer no trusted CSCA issued founds no trust.
	empty := NewCSCAPool()
	if _, err := empty.AddMasterList(ml, testNow); err == nil || !strings.Contains(err.Error(), "not issued by a trusted CSCA") {
		t.Errorf("untrusted master list signer: %v", err)
	}
	if empty.Len() != 0 {
		t.Errorf("a refused master list added %d certificates", empty.Len())
	}
	// A list with its content altered fails its signature.
	bad := []byte(string(ml))
	i := strings.Index(string(bad), string(jp.cert.Raw[40:60]))
	bad[i] ^= 1
	if _, err := pool(t, home.cert).AddMasterList(bad, testNow); err == nil {
		t.Error("a tampered master list was accepted")
	}
	// An ordinary CMS (id-data) is not a master list.
	c2, k2 := home.newSigner(t, signerOptions{name: "data"})
	data, _ := cms.Sign([]byte("x"), c2, k2, nil)
	if _, err := pool(t, home.cert).AddMasterList(data, testNow); err == nil || !strings.Contains(err.Error(), "id-data") {
		t.Errorf("id-data CMS as a master list: %v", err)
	}
}
