package shc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
)

func TestVerifyIssuedRoundTrip(t *testing.T) {
	ti := newTestIssuer(t)
	jws := ti.issueSample(t, IssueOptions{})
	qr, err := EncodeQR(jws)
	if err != nil {
		t.Fatalf("EncodeQR: %v", err)
	}
	r := Verify(qr, ti.store, Options{Now: testNow})
	if r.Status != StatusVerified || r.Stage != StageDone {
		t.Fatalf("Verify() = %s at %s: %s", r.Status, r.Stage, r.Detail)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings on our own card: %v", r.Warnings)
	}
	if r.Err() != nil {
		t.Errorf("Err() = %v on a verified result", r.Err())
	}
	want := sampleCertificate()
	got := r.Certificate
	if got.Holder.Name != want.Holder.Name || got.Holder.DateOfBirth != want.Holder.DateOfBirth {
		t.Errorf("holder = %+v, want %+v", got.Holder, want.Holder)
	}
	if len(got.Events) != len(want.Events) {
		t.Fatalf("%d events, want %d", len(got.Events), len(want.Events))
	}
	for i := range want.Events {
		gj, _ := json.Marshal(&healthcert.Certificate{Events: got.Events[i : i+1]})
		wj, _ := json.Marshal(&healthcert.Certificate{Events: want.Events[i : i+1]})
		if string(gj) != string(wj) {
			t.Errorf("event %d:\n got %s\nwant %s", i, gj, wj)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("the result does not marshal: %v", err)
	}
}

func TestVerifyFailures(t *testing.T) {
	ti := newTestIssuer(t)
	other := newTestIssuer(t)
	good := ti.issueSample(t, IssueOptions{})
	expiring := ti.issueSample(t, IssueOptions{ExpiresAt: testNow.Add(-time.Minute), IssuedAt: testNow.Add(-2 * time.Hour)})
	future := ti.issueSample(t, IssueOptions{IssuedAt: testNow.Add(time.Hour)})
	wrongIss := ti.issueSample(t, IssueOptions{Issuer: "https://other.example.org"})
	unknownIss := other.issueSample(t, IssueOptions{Issuer: "https://other.example.org"})
	otherSigned := other.issueSample(t, IssueOptions{})
	parts := strings.Split(good, ".")
	// Another base64url character in the signature: still a well-formed
	// JWS, so the signature check (not the parser) must refuse it.
	tamperedSig := []byte(parts[2])
	if tamperedSig[5] == 'A' {
		tamperedSig[5] = 'B'
	} else {
		tamperedSig[5] = 'A'
	}

	// A store where the other issuer's key is known under its own iss.
	both := NewKeyStore()
	both.AddKeys(ti.key)
	otherKey := *other.key
	otherKey.Issuer = "https://other.example.org"
	both.AddKeys(&otherKey)

	dir, err := ParseDirectory([]byte(`{"participating_issuers":[{"iss":"https://listed.example.org","name":"Listed"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		text   string
		keys   KeyResolver
		opts   Options
		status Status
		stage  Stage
		code   string
	}{
		{"tampered signature", parts[0] + "." + parts[1] + "." + string(tamperedSig), ti.store, Options{Now: testNow}, StatusInvalidSignature, StageSignature, CodeJWSVerification},
		{"signature of another card", parts[0] + "." + strings.Split(expiring, ".")[1] + "." + parts[2], ti.store, Options{Now: testNow}, StatusInvalidSignature, StageSignature, CodeJWSVerification},
		{"expired", expiring, ti.store, Options{Now: testNow}, StatusExpired, StageValidity, CodeExpiration},
		{"expired within skew", expiring, ti.store, Options{Now: testNow, ClockSkew: 2 * time.Minute}, StatusVerified, StageDone, ""},
		{"issued in the future, strict", future, ti.store, Options{Now: testNow, RejectFutureIssuance: true}, StatusNotYetValid, StageValidity, CodeNotYetValid},
		{"unknown issuer", unknownIss, ti.store, Options{Now: testNow}, StatusIssuerNotTrusted, StageKey, CodeIssuerNotTrusted},
		{"our key, another iss", wrongIss, ti.store, Options{Now: testNow}, StatusIssuerNotTrusted, StageKey, CodeIssuerKIDMismatch},
		{"unknown kid", otherSigned, ti.store, Options{Now: testNow}, StatusIssuerNotTrusted, StageKey, CodeJWSVerification},
		{"kid of another issuer", otherSigned, both, Options{Now: testNow}, StatusIssuerNotTrusted, StageKey, CodeIssuerKIDMismatch},
		{"not in the directory", good, ti.store, Options{Now: testNow, Directory: dir}, StatusIssuerNotTrusted, StageKey, CodeIssuerNotTrusted},
		{"no resolver", good, nil, Options{Now: testNow}, StatusIssuerNotTrusted, StageKey, CodeIssuerNotTrusted},
		{"not a code", "HC1:NCFOXN", ti.store, Options{Now: testNow}, StatusInvalidEncoding, StageJWS, CodeJSONParse},
		{"bad qr digits", "shc:/5676x", ti.store, Options{Now: testNow}, StatusInvalidEncoding, StageQR, CodeInvalidNumericQR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Verify(tt.text, tt.keys, tt.opts)
			if r.Status != tt.status || r.Stage != tt.stage || r.Code != tt.code {
				t.Fatalf("Verify() = %s at %s (%s: %s), want %s at %s (%s)", r.Status, r.Stage, r.Code, r.Detail, tt.status, tt.stage, tt.code)
			}
			if tt.status == StatusVerified {
				return
			}
			var e *Error
			if err := r.Err(); !errors.As(err, &e) || e.Status != tt.status || !strings.HasPrefix(err.Error(), "shc: ") {
				t.Errorf("Err() = %v", err)
			}
			if r.Detail == "" {
				t.Errorf("no detail")
			}
		})
	}
	// A future issuance is a warning by default.
	r := Verify(future, ti.store, Options{Now: testNow})
	if r.Status != StatusVerified || !hasCode(r.Warnings, CodeNotYetValid) {
		t.Errorf("future nbf, default options: %s, warnings %v", r.Status, r.Warnings)
	}
}

func TestVerifyRevocation(t *testing.T) {
	ti := newTestIssuer(t)
	ti.key.CRLVersion = 3
	nbf := testNow.Add(-time.Hour)
	card := func(rid string) string { return ti.issueSample(t, IssueOptions{Rid: rid, IssuedAt: nbf}) }
	crl := func(rids ...string) *CRL {
		raw, _ := json.Marshal(map[string]any{"kid": ti.key.KID, "method": "rid", "ctr": 3, "rids": rids})
		c, err := ParseCRL(raw, ti.key.KID, 3)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	after := itoa(int(nbf.Unix()) + 1)
	before := itoa(int(nbf.Unix()) - 1)
	tests := []struct {
		name string
		crl  *CRL
		err  error
		rid  string
		want Status
	}{
		{"listed without timestamp", crl("AAAA", "revoked1"), nil, "revoked1", StatusRevoked},
		{"listed, timestamp after nbf", crl("revoked1." + after), nil, "revoked1", StatusRevoked},
		{"listed, timestamp before nbf", crl("revoked1." + before), nil, "revoked1", StatusVerified},
		{"not listed", crl("other"), nil, "revoked1", StatusVerified},
		{"card without rid", crl("revoked1"), nil, "", StatusVerified},
		{"list unreadable", nil, errors.New("malformed"), "revoked1", StatusIssuerNotTrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ti.key.CRL, ti.key.CRLErr = tt.crl, tt.err
			r := Verify(card(tt.rid), ti.store, Options{Now: testNow})
			if r.Status != tt.want {
				t.Fatalf("Verify() = %s (%s), want %s", r.Status, r.Detail, tt.want)
			}
			if tt.want == StatusRevoked && (r.Stage != StageRevocation || r.Code != CodeRevoked) {
				t.Errorf("stage %s code %s", r.Stage, r.Code)
			}
			if tt.err != nil && r.Code != CodeRevocation {
				t.Errorf("code %s, want %s", r.Code, CodeRevocation)
			}
		})
	}
}

func TestVerifyX5C(t *testing.T) {
	ti := newTestIssuer(t)
	valid := func(san string, nb, na time.Time) *Key {
		raw := ti.jwk(t, map[string]any{"x5c": chainFor(t, &ti.priv.PublicKey, san, nb, na)})
		keys, _, err := ParseJWKS(testIssuerURL, []byte(`{"keys":[`+string(raw)+`]}`))
		if err != nil {
			t.Fatal(err)
		}
		return keys[0]
	}
	card := ti.issueSample(t, IssueOptions{})
	tests := []struct {
		name   string
		key    *Key
		status Status
	}{
		{"valid chain", valid(testIssuerURL, testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0)), StatusVerified},
		{"expired leaf", valid(testIssuerURL, testNow.AddDate(-2, 0, 0), testNow.AddDate(0, 0, -1)), StatusExpiredKeys},
		{"leaf names another issuer", valid("https://elsewhere.example.org", testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0)), StatusIssuerNotTrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewKeyStore()
			s.AddKeys(tt.key)
			r := Verify(card, s, Options{Now: testNow})
			if r.Status != tt.status {
				t.Fatalf("Verify() = %s (%s), want %s", r.Status, r.Detail, tt.status)
			}
			if tt.status != StatusVerified && r.Code != CodeInvalidKeyX5C {
				t.Errorf("code %s, want %s", r.Code, CodeInvalidKeyX5C)
			}
		})
	}
	// A chain whose leaf holds another key is refused at load.
	otherPriv := newTestIssuer(t).priv
	raw := ti.jwk(t, map[string]any{"x5c": chainFor(t, &otherPriv.PublicKey, testIssuerURL, testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0))})
	if _, findings, err := ParseJWKS(testIssuerURL, []byte(`{"keys":[`+string(raw)+`]}`)); err == nil || !hasCode(findings, CodeInvalidKey) {
		t.Errorf("ParseJWKS(leaf of another key) = %v, findings %v", err, findings)
	}
}

func TestCheckPayload(t *testing.T) {
	ti := newTestIssuer(t)
	jws := ti.issueSample(t, IssueOptions{})
	j, _, err := ParseJWS(jws)
	if err != nil {
		t.Fatal(err)
	}
	if r := CheckPayload(j.Payload, Options{Now: testNow}); r.Status != StatusVerified || len(r.Certificate.Events) != 4 {
		t.Fatalf("CheckPayload() = %s (%s)", r.Status, r.Detail)
	}
	bad := strings.Replace(string(j.Payload), testIssuerURL, "http://issuer.example.org", 1)
	if r := CheckPayload([]byte(bad), Options{Now: testNow}); r.Code != CodeInvalidIssuerURL {
		t.Errorf("CheckPayload(http iss) = %s %s", r.Status, r.Code)
	}
}

func TestResultMarshalsWithoutJSONForm(t *testing.T) {
	r := Result{Status: StatusVerified, Certificate: &healthcert.Certificate{
		Holder: healthcert.Holder{DateOfBirth: healthcert.Date{Year: 1990, Day: 3}}, // a day without a month
	}}
	b, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(b), `"certificate_error"`) || strings.Contains(string(b), `"certificate":`) {
		t.Errorf("Marshal = %s, %v", b, err)
	}
}
