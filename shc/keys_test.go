package shc

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestThumbprintOfExampleKeys(t *testing.T) {
	data := readTestFile(t, filepath.Join(examplesDir(t), "issuer", "well-known", "jwks.json"))
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	for _, w := range set.Keys {
		x, _ := b64.DecodeString(w.X)
		y, _ := b64.DecodeString(w.Y)
		pub, err := publicKey(x, y)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := Thumbprint(pub)
		if err != nil || tp != w.Kid {
			t.Errorf("Thumbprint(%s) = %q, %v", w.Kid, tp, err)
		}
	}
}

func TestParseJWKS(t *testing.T) {
	ti := newTestIssuer(t)
	good := ti.jwk(t, map[string]any{"crlVersion": 2})
	withD := ti.jwk(t, map[string]any{"d": "AAAA"})
	encKey := ti.jwk(t, map[string]any{"use": "enc", "alg": "ECDH-ES"})
	wrongKid := ti.jwk(t, map[string]any{"kid": "AAAA"})
	wrongCrv := ti.jwk(t, map[string]any{"crv": "P-384"})
	offCurve := ti.jwk(t, map[string]any{"y": b64.EncodeToString(make([]byte, 32))})
	set := func(keys ...json.RawMessage) []byte {
		b, _ := json.Marshal(map[string]any{"keys": keys})
		return b
	}
	keys, findings, err := ParseJWKS(testIssuerURL, set(good, encKey, wrongKid, wrongCrv, offCurve))
	if err != nil || len(keys) != 1 || keys[0].KID != ti.key.KID || keys[0].CRLVersion != 2 || keys[0].Issuer != testIssuerURL {
		t.Fatalf("ParseJWKS() = %v, %v", keys, err)
	}
	if len(findings) != 4 {
		t.Errorf("%d findings, want 4 (enc, wrong kid, wrong curve, off curve): %v", len(findings), findings)
	}
	if _, findings, err := ParseJWKS(testIssuerURL, set(withD)); err != nil || !hasCode(findings, CodeInvalidKey) {
		t.Errorf("a key with d: %v, findings %v", err, findings)
	}
	for _, bad := range []string{`This is not a valid JSON Web Key Set!`, `{}`, `{"keys":{}}`, `[]`, string(set(encKey)), `{"keys":[],"keys":[]}`} {
		if keys, _, err := ParseJWKS(testIssuerURL, []byte(bad)); err == nil || keys != nil {
			t.Errorf("ParseJWKS(%.40q) = %v, %v", bad, keys, err)
		}
	}
	// crlVersion may be a numeric string (the VCI snapshot writes so).
	keys, _, _ = ParseJWKS("", set(ti.jwk(t, map[string]any{"crlVersion": "3"})))
	if len(keys) != 1 || keys[0].CRLVersion != 3 {
		t.Errorf("string crlVersion: %v", keys)
	}
}

func TestKeyStoreResolve(t *testing.T) {
	a, b := newTestIssuer(t), newTestIssuer(t)
	s := NewKeyStore()
	s.AddKeys(a.key)
	loose := *b.key
	loose.Issuer = ""
	s.AddKeys(&loose)
	if k, err := s.ResolveKey(testIssuerURL, a.key.KID); err != nil || k != a.key {
		t.Errorf("ResolveKey(known) = %v, %v", k, err)
	}
	for _, tt := range []struct {
		iss, kid string
		want     error
	}{
		{testIssuerURL, "nope", ErrUnknownKey},
		{"https://nobody.example.org", "nope", ErrUnknownIssuer},
		{testIssuerURL, b.key.KID, ErrKeyOfOtherIssuer},
		{"https://nobody.example.org", a.key.KID, ErrKeyOfOtherIssuer},
	} {
		if _, err := s.ResolveKey(tt.iss, tt.kid); !errors.Is(err, tt.want) {
			t.Errorf("ResolveKey(%s, %s) = %v, want %v", tt.iss, tt.kid, err, tt.want)
		}
	}
	if s.Issuers() != 1 {
		t.Errorf("Issuers() = %d", s.Issuers())
	}
}

func TestLoadIssuerDir(t *testing.T) {
	ti := newTestIssuer(t)
	dir := t.TempDir()
	wk := filepath.Join(dir, ".well-known")
	os.MkdirAll(filepath.Join(wk, "crl"), 0o755)
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(wk, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("jwks.json", `{"keys":[`+string(ti.jwk(t, map[string]any{"crlVersion": 1}))+`]}`)
	s := NewKeyStore()
	if _, err := s.LoadIssuerDir(testIssuerURL, dir); err != nil {
		t.Fatal(err)
	}
	k, _ := s.ResolveKey(testIssuerURL, ti.key.KID)
	if k == nil || k.CRLErr == nil || !strings.Contains(k.CRLErr.Error(), "does not exist") {
		t.Fatalf("a missing announced list: key %+v", k)
	}
	write(filepath.Join("crl", ti.key.KID+".json"), `{"kid":"`+ti.key.KID+`","method":"rid","ctr":1,"rids":["abc.100"]}`)
	s = NewKeyStore()
	if _, err := s.LoadIssuerDir(testIssuerURL, dir); err != nil {
		t.Fatal(err)
	}
	k, _ = s.ResolveKey(testIssuerURL, ti.key.KID)
	if k.CRLErr != nil || k.CRL == nil || k.CRL.Len() != 1 {
		t.Fatalf("list: %+v, %v", k.CRL, k.CRLErr)
	}
	if _, err := NewKeyStore().LoadIssuerDir(testIssuerURL, t.TempDir()); err == nil {
		t.Errorf("LoadIssuerDir(empty folder) succeeded")
	}
}

func TestParseCRL(t *testing.T) {
	const kid = "kid1"
	good := `{"kid":"kid1","method":"rid","ctr":"2","rids":["AAAA","b-_9.1687450765"]}`
	c, err := ParseCRL([]byte(good), kid, 2)
	if err != nil || c.Len() != 2 {
		t.Fatalf("ParseCRL(good) = %v, %v", c, err)
	}
	at := time.Unix(1687450765, 0)
	for _, tt := range []struct {
		rid  string
		nbf  time.Time
		want bool
	}{
		{"AAAA", at.AddDate(10, 0, 0), true},
		{"b-_9", at.Add(-time.Second), true},
		{"b-_9", at, false},
		{"b-_9", at.Add(time.Second), false},
		{"CCCC", at, false},
	} {
		if got, _ := c.Revoked(tt.rid, tt.nbf); got != tt.want {
			t.Errorf("Revoked(%s, %v) = %t, want %t", tt.rid, tt.nbf, got, tt.want)
		}
	}
	for _, bad := range []string{
		`{"kid":"other","method":"rid","ctr":2,"rids":[]}`,
		`{"kid":"kid1","method":"invalid-method","ctr":2,"rids":[]}`,
		`{"kid":"kid1","method":"rid","ctr":1,"rids":[]}`,
		`{"kid":"kid1","method":"rid","rids":[]}`,
		`{"kid":"kid1","method":"rid","ctr":2,"rids":["base64=="]}`,
		`{"kid":"kid1","method":"rid","ctr":2,"rids":["$wrongrid!"]}`,
		`{"kid":"kid1","method":"rid","ctr":2,"rids":["this-rid-is-longer-than-the-24-char-max"]}`,
		`{"kid":"kid1","method":"rid","ctr":2,"rids":["AAAA","AAAA.100"]}`,
		`{"kid":"kid1","method":"rid","ctr":2,"rids":["AAAA.12x"]}`,
		`{"kid":"kid1","method":"rid","ctr":2,"rids":["AAAA.1.2"]}`,
		`{"kid":"kid1","method":"rid","ctr":2,"rids":[""]}`,
		`not json`,
	} {
		if c, err := ParseCRL([]byte(bad), kid, 2); err == nil || c != nil {
			t.Errorf("ParseCRL(%s) = %v, %v", bad, c, err)
		}
	}
}

func TestVCISnapshot(t *testing.T) {
	dir := filepath.Join(shareddata(t), "vci-directory")
	snap := readTestFile(t, filepath.Join(dir, "vci_snapshot.json"))
	sig := readTestFile(t, filepath.Join(dir, "vci_snapshot.sig"))
	crt := readTestFile(t, filepath.Join(dir, "vci_snapshot.crt"))
	at := time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC)
	s, findings, err := ParseVCISnapshot(snap, sig, crt, at)
	if err != nil {
		t.Fatalf("ParseVCISnapshot: %v", err)
	}
	if s.Issuers() < 600 {
		t.Errorf("%d issuers, the 2026 snapshot lists about 650", s.Issuers())
	}
	t.Logf("%d issuers, %d keys left out with a finding", s.Issuers(), len(findings))
	if k, err := s.ResolveKey("https://myvaccinerecord.cdph.ca.gov/creds", "7JvktUpf1_9NPwdM-70FJT3YdyTiSe2IvmVxxgDSRb0"); err != nil || k.IssuerName != "State of California" {
		t.Errorf("California's key: %v, %v", k, err)
	}
	if _, err := s.ResolveKey(exampleIssuer, "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"); !errors.Is(err, ErrUnknownIssuer) {
		t.Errorf("the example issuer is in the VCI directory: %v", err)
	}
	tampered := append([]byte(nil), snap...)
	i := strings.Index(string(tampered), "State of California")
	tampered[i] = 's'
	if _, _, err := ParseVCISnapshot(tampered, sig, crt, at); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("tampered snapshot: %v", err)
	}
	if _, _, err := ParseVCISnapshot(snap, sig, crt, time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Errorf("snapshot accepted after its certificate expired")
	}
	if _, _, err := ParseVCISnapshot(snap, sig, []byte("not pem"), at); err == nil {
		t.Errorf("snapshot accepted without a certificate")
	}
}

func TestParseDirectory(t *testing.T) {
	d, err := ParseDirectory([]byte(`{"participating_issuers":[{"iss":"https://a.example","name":"A"},{"iss":"https://b.example","name":"B","canonical_iss":"https://a.example"}]}`))
	if err != nil || d.Len() != 2 {
		t.Fatalf("ParseDirectory = %v, %v", d, err)
	}
	if name, ok := d.Lookup("https://b.example"); !ok || name != "B" {
		t.Errorf("Lookup(b) = %q, %t", name, ok)
	}
	if _, ok := d.Lookup("https://c.example"); ok {
		t.Errorf("Lookup(c) found")
	}
	for _, bad := range []string{`[]`, `{"a":[],"b":[]}`, `{"participating_issuers":[{"name":"no iss"}]}`, `{"participating_issuers":{}}`} {
		if _, err := ParseDirectory([]byte(bad)); err == nil {
			t.Errorf("ParseDirectory(%s) succeeded", bad)
		}
	}
}
