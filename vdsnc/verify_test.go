package vdsnc

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestKeyUsage(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	anchors := pool(t, ca.cert)
	other := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	badList, _ := asn1.Marshal(struct {
		V int
		T []string `asn1:"set"`
	}{1, []string{"NV"}})
	cases := []struct {
		name    string
		opts    signerOptions
		require bool
		status  Status
		detail  string
		warn    int
	}{
		{"profile", signerOptions{}, false, StatusVerified, "", 0},
		{"profile required", signerOptions{}, true, StatusVerified, "", 0},
		{"vaccination only", signerOptions{docTypes: []string{"NV"}}, false, StatusVerified, "", 0},
		{"test only", signerOptions{docTypes: []string{"NT"}}, false, StatusKeyUsageMismatch, "document types NT, not NV", 0},
		{"passports only", signerOptions{docTypes: []string{"P"}}, false, StatusKeyUsageMismatch, "document types P, not NV", 0},
		{"other eku", signerOptions{eku: []asn1.ObjectIdentifier{other}}, false, StatusKeyUsageMismatch, "lacks the VDS-NC signer", 0},
		{"no eku", signerOptions{noEKU: true}, false, StatusVerified, "", 1},
		{"no eku required", signerOptions{noEKU: true}, true, StatusKeyUsageMismatch, "no extended key usage", 0},
		{"no doc types", signerOptions{noDocs: true}, false, StatusVerified, "", 1},
		{"no doc types required", signerOptions{noDocs: true}, true, StatusKeyUsageMismatch, "no document type list", 0},
		{"neither", signerOptions{noEKU: true, noDocs: true}, false, StatusVerified, "", 2},
		{"malformed list", signerOptions{rawDocs: []byte{0x30, 0x03, 0x02, 0x01}}, false, StatusKeyUsageMismatch, "malformed document type list", 0},
		{"list version", signerOptions{rawDocs: badList}, false, StatusKeyUsageMismatch, "version 1", 0},
		{"trailing data", signerOptions{rawDocs: append(mustMarshal(t, documentTypeList{Types: []string{"NV"}}), 0)}, false, StatusKeyUsageMismatch, "data after it", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.name = "ku"
			cert, key := ca.newSigner(t, tc.opts)
			// Sign accepts what does not contradict the seal; build the
			// seal with a profile signer of the same key otherwise.
			seal, err := Sign(vaccContent(t), key, cert, SignOptions{})
			if err != nil {
				if tc.status != StatusKeyUsageMismatch {
					t.Fatalf("Sign() error: %v", err)
				}
				seal = resignWith(t, vaccContent(t), key, cert)
			}
			r := Verify(seal, anchors, Options{Now: testNow, RequireExtensions: tc.require})
			if r.Status != tc.status || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("Verify() = %s: %s; want %s with %q", r.Status, r.Detail, tc.status, tc.detail)
			}
			if r.Status == StatusKeyUsageMismatch && r.Stage != StageKeyUsage {
				t.Errorf("stage = %s", r.Stage)
			}
			if r.Status == StatusVerified && len(r.Warnings) != tc.warn {
				t.Errorf("warnings = %q, want %d about the certificate", r.Warnings, tc.warn)
			}
		})
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestChain(t *testing.T) {
	cn := newCSCA(t, "CN", testNotBefore, testNotAfter)
	fr := newCSCA(t, "FR", testNotBefore, testNotAfter)
	expired := newCSCA(t, "DE", testNotBefore, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	cert, key := cn.newSigner(t, signerOptions{name: "chain"})
	seal, err := Sign(vaccContent(t), key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	short, shortKey := cn.newSigner(t, signerOptions{name: "chain", notBefore: testNotBefore, notAfter: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)})
	shortSeal := resignWith(t, vaccContent(t), shortKey, short)
	// A CSCA of another country with the CN CSCA's name but another key.
	impostor := newCSCA(t, "FR", testNotBefore, testNotAfter)
	impostor.cert.RawSubject = cn.cert.RawSubject
	// A signer of DE claiming to issue for CN.
	deCert, deKey := expired.newSigner(t, signerOptions{name: "chain-de", country: "CN", notBefore: testNotBefore, notAfter: time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)})
	deSeal := resignWith(t, vaccContent(t), deKey, deCert)
	cases := []struct {
		name    string
		seal    []byte
		anchors Anchors
		now     time.Time
		status  Status
		detail  string
	}{
		{"trusted", seal, pool(t, cn.cert, fr.cert), testNow, StatusVerified, ""},
		{"other country only", seal, pool(t, fr.cert), testNow, StatusIssuerNotTrusted, "no trusted CSCA issued"},
		{"no anchors", seal, nil, testNow, StatusIssuerNotTrusted, "no trusted CSCA given"},
		{"empty pool", seal, NewCSCAPool(), testNow, StatusIssuerNotTrusted, "no trusted CSCA issued"},
		{"impostor", seal, fakeAnchors{impostor.cert}, testNow, StatusIssuerNotTrusted, "does not verify the signer certificate"},
		{"wrong state", deSeal, pool(t, expired.cert), time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), StatusIssuerNotTrusted, "names issuing state CHN but its signer chains to CN=Test CSCA DE,C=DE, of country DE"},
		{"signer expired", shortSeal, pool(t, cn.cert), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC), StatusExpiredKeys, "signer certificate expired at 2035-01-01"},
		{"signer not yet valid", seal, pool(t, cn.cert), time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), StatusExpiredKeys, "valid from 2021-01-01"},
		{"pinned signer", seal, pool(t, cert), testNow, StatusVerified, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Verify(tc.seal, tc.anchors, Options{Now: tc.now})
			if r.Status != tc.status || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("Verify() = %s at %s: %s; want %s with %q", r.Status, r.Stage, r.Detail, tc.status, tc.detail)
			}
		})
	}

	// An expired CSCA of the right country.
	oldCN := newCSCA(t, "CN", testNotBefore, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	oldCert, oldKey := oldCN.newSigner(t, signerOptions{name: "chain-old"})
	oldSeal := resignWith(t, vaccContent(t), oldKey, oldCert)
	if r := Verify(oldSeal, pool(t, oldCN.cert), Options{Now: testNow}); r.Status != StatusExpiredKeys || r.Stage != StageChain {
		t.Errorf("expired CSCA: %s at %s: %s", r.Status, r.Stage, r.Detail)
	}
	// The skew tolerates a CSCA that expired a minute ago.
	at := oldCN.cert.NotAfter.Add(time.Minute)
	if r := Verify(oldSeal, pool(t, oldCN.cert), Options{Now: at, ClockSkew: 5 * time.Minute}); r.Stage == StageChain {
		t.Errorf("CSCA within the skew: %s at %s: %s", r.Status, r.Stage, r.Detail)
	}
}

// fakeAnchors returns its certificates for every signer.
type fakeAnchors []*x509.Certificate

func (f fakeAnchors) Issuers(*x509.Certificate) []*x509.Certificate { return f }

// TestEnvelopeErrors checks the status and stage of malformed seals.
func TestEnvelopeErrors(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "env"})
	seal, err := Sign(vaccContent(t), key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(seal)
	sigAt := strings.Index(s, `,"sig":`)
	data, sig := s[len(`{"data":`):sigAt], s[sigAt+len(`,"sig":`):len(s)-1]
	cases := []struct {
		name, text string
		status     Status
		stage      Stage
		detail     string
	}{
		{"not json", "HC1:NCFOXN", StatusInvalidEncoding, StageJSON, "unexpected character 'H'"},
		{"array", `[1]`, StatusInvalidEncoding, StageJSON, "a JSON array, not an object"},
		{"trailing", s + "x", StatusInvalidEncoding, StageJSON, "data after the document"},
		{"duplicate data", `{"data":` + data + `,"data":` + data + `,"sig":` + sig + `}`, StatusInvalidEncoding, StageJSON, `duplicate key "data"`},
		{"no sig", `{"data":` + data + `}`, StatusInvalidSigningFormat, StageSeal, "not signed"},
		{"no data", `{"sig":` + sig + `}`, StatusInvalidSigningFormat, StageSeal, "no data"},
		{"extra member", `{"data":` + data + `,"sig":` + sig + `,"x":1}`, StatusInvalidSigningFormat, StageSeal, `"x": unknown member`},
		{"data string", `{"data":"x","sig":` + sig + `}`, StatusInvalidSigningFormat, StageSeal, "data is a string"},
		{"extra in data", `{"data":{"hdr":{},"msg":{},"z":0},"sig":` + sig + `}`, StatusInvalidSigningFormat, StageSeal, `data."z"`},
		{"no hdr", `{"data":{"msg":{}},"sig":` + sig + `}`, StatusInvalidSigningFormat, StageSeal, "no data.hdr"},
		{"unknown type", strings.Replace(s, `"t":"icao.vacc"`, `"t":"icao.visa"`, 1), StatusInvalidSigningFormat, StageSeal, `unknown seal type "icao.visa"`},
		{"version 2", strings.Replace(s, `"v":1`, `"v":2`, 1), StatusInvalidSigningFormat, StageSeal, "unsupported version 2"},
		{"version string", strings.Replace(s, `"v":1`, `"v":"1"`, 1), StatusInvalidSigningFormat, StageSeal, "data.hdr.v: a string, want a number"},
		{"bad state", strings.Replace(s, `"is":"CHN"`, `"is":"cn"`, 1), StatusInvalidSigningFormat, StageSeal, `"cn" is not a Doc 9303`},
		{"alg", strings.Replace(s, `"alg":"ES256"`, `"alg":"RS256"`, 1), StatusInvalidSigningFormat, StageSeal, `unsupported algorithm "RS256"`},
		{"no cer", replaceField(s, "cer", ""), StatusKIDNotIncluded, StageSeal, "no signer certificate"},
		{"bad cer", replaceField(s, "cer", "AAAA"), StatusInvalidSigningFormat, StageSigner, "sig.cer:"},
		{"cer not base64", replaceField(s, "cer", "*"), StatusInvalidSigningFormat, StageSeal, "sig.cer: not base64url"},
		{"sigvl", replaceField(s, "sigvl", "AA=="), StatusInvalidSignature, StageSignature, "signature of 1 bytes, want 64"},
		{"not utf-8", strings.Replace(s, "ZHANG", "ZH\xffNG", 1), StatusInvalidEncoding, StageJSON, "invalid utf-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Verify([]byte(tc.text), pool(t, ca.cert), Options{Now: testNow})
			if r.Status != tc.status || r.Stage != tc.stage || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("Verify() = %s at %s: %s; want %s at %s with %q", r.Status, r.Stage, r.Detail, tc.status, tc.stage, tc.detail)
			}
			var e *Error
			if err := r.Err(); !errors.As(err, &e) || e.Status != tc.status || !strings.HasPrefix(err.Error(), "vdsnc: ") {
				t.Errorf("Err() = %v", err)
			}
			if _, err := ParseSeal([]byte(tc.text)); err == nil && tc.stage != StageSigner && tc.stage != StageSignature {
				t.Error("ParseSeal() accepted it")
			}
		})
	}
}

// replaceField replaces the string value of a sig member.
func replaceField(s, key, value string) string {
	i := strings.Index(s, `"`+key+`":"`) + len(key) + 4
	j := i + strings.IndexByte(s[i:], '"')
	return s[:i] + value + s[j:]
}

// TestSchemaErrors changes the message of a seal signed for each case, so
// that only the schema stage can refuse it.
func TestSchemaErrors(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "schema"})
	anchors := pool(t, ca.cert)
	vacc := func(msg string) *rawMsg { return rawContent(TypeVaccination, msg) }
	test := func(msg string) *rawMsg { return rawContent(TypeTest, msg) }
	const pid = `"pid":{"n":"A  B","dob":"1990-01-01"}`
	const dose = `{"dvc":"2021-01-01","seq":1,"ctr":"CHN","adm":"X","lot":"L"}`
	const tpid = `"pid":{"n":"A  B","dob":"1990-01-01","dt":"P","dn":"E1"}`
	const sp = `"sp":{"spn":"Lab","ctr":"CHN","cd":{}}`
	const dat = `"dat":{"sc":"2026-01-01T08:00:00Z","ri":"2026-01-01T10:00:00Z"}`
	const tr = `"tr":{"tc":"antigen","r":"negative"}`
	cases := []struct {
		name   string
		c      *rawMsg
		detail string
	}{
		{"ok vacc", vacc(`{"uvci":"U1",` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[` + dose + `]}]}`), ""},
		{"ok test", test(`{"utci":"T1",` + tpid + `,` + sp + `,` + dat + `,` + tr + `}`), ""},
		{"ok partial dob, no adm or lot", vacc(`{"uvci":"U1","pid":{"n":"A","dob":"1990"},"ve":[{"des":"XM68M6","nam":"V","vd":[{"dvc":"2021-01-01","seq":1,"ctr":"CHN"}]}]}`), ""},
		{"msg not object", vacc(`[]`), "msg: a array, want an object"},
		{"no uvci", vacc(`{` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[` + dose + `]}]}`), "msg.uvci: missing"},
		{"unknown member", vacc(`{"uvci":"U1",` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[` + dose + `]}],"x":1}`), `msg."x": unknown member`},
		{"no id", vacc(`{"uvci":"U1","pid":{"n":"A"},"ve":[{"des":"XM68M6","nam":"V","vd":[` + dose + `]}]}`), "neither dob nor i"},
		{"empty i", vacc(`{"uvci":"U1","pid":{"n":"A","i":""},"ve":[{"des":"XM68M6","nam":"V","vd":[` + dose + `]}]}`), "neither dob nor i"},
		{"sex", vacc(`{"uvci":"U1","pid":{"n":"A","i":"X1","sex":"male"},"ve":[{"des":"XM68M6","nam":"V","vd":[` + dose + `]}]}`), `msg.pid.sex: "male" is not one of F, M, X`},
		{"empty ve", vacc(`{"uvci":"U1",` + pid + `,"ve":[]}`), "msg.ve: empty"},
		{"dose date", vacc(`{"uvci":"U1",` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[{"dvc":"2021-02","seq":1,"ctr":"CHN"}]}]}`), `msg.ve[0].vd[0].dvc: "2021-02" is not a complete date`},
		{"seq fraction", vacc(`{"uvci":"U1",` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[{"dvc":"2021-02-01","seq":1.5,"ctr":"CHN"}]}]}`), "1.5 is not an integer"},
		{"seq string", vacc(`{"uvci":"U1",` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[{"dvc":"2021-02-01","seq":"1","ctr":"CHN"}]}]}`), "seq: a string, want a number"},
		{"ctr", vacc(`{"uvci":"U1",` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[{"dvc":"2021-02-01","seq":1,"ctr":"CN"}]}]}`), `ctr: "CN" is not a Doc 9303`},
		{"control", vacc(`{"uvci":"U\u0001",` + pid + `,"ve":[{"des":"XM68M6","nam":"V","vd":[` + dose + `]}]}`), "control character U+0001"},
		{"several", vacc(`{"uvci":1,"pid":{},"ve":{}}`), "msg.uvci: a number, want a string; msg.pid.n: missing; msg.pid: neither dob nor i: one of them must identify the holder; msg.ve: a object, want an array"},
		{"test type", test(`{"utci":"T1",` + tpid + `,` + sp + `,` + dat + `,"tr":{"tc":"pcr","r":"negative"}}`), `msg.tr.tc: "pcr" is not one of`},
		{"test result", test(`{"utci":"T1",` + tpid + `,` + sp + `,` + dat + `,"tr":{"tc":"antigen","r":"detected"}}`), `msg.tr.r: "detected"`},
		{"test method", test(`{"utci":"T1",` + tpid + `,` + sp + `,` + dat + `,"tr":{"tc":"antigen","r":"negative","m":"nose"}}`), `msg.tr.m: "nose"`},
		{"test time", test(`{"utci":"T1",` + tpid + `,` + sp + `,"dat":{"sc":"2026-01-01 08:00","ri":"2026-01-01T10:00:00Z"},` + tr + `}`), "msg.dat.sc: \"2026-01-01 08:00\" is not an RFC 3339"},
		{"test order", test(`{"utci":"T1",` + tpid + `,` + sp + `,"dat":{"sc":"2026-01-01T11:00:00Z","ri":"2026-01-01T10:00:00Z"},` + tr + `}`), "after the report was issued"},
		{"test pid", test(`{"utci":"T1","pid":{"n":"A","dt":"X"},` + sp + `,` + dat + `,` + tr + `}`), `msg.pid.dob: missing; msg.pid.dt: "X" is not one of`},
		{"test no cd", test(`{"utci":"T1",` + tpid + `,"sp":{"spn":"Lab","ctr":"CHN"},` + dat + `,` + tr + `}`), "msg.sp.cd: missing"},
		{"vacc member in test", test(`{"utci":"T1",` + tpid + `,` + sp + `,` + dat + `,` + tr + `,"ve":[]}`), `msg."ve": unknown member`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seal := resignWith(t, tc.c, key, cert)
			r := Verify(seal, anchors, Options{Now: testNow})
			if tc.detail == "" {
				if r.Status != StatusVerified {
					t.Fatalf("Verify() = %s at %s: %s", r.Status, r.Stage, r.Detail)
				}
				return
			}
			if r.Status != StatusInvalidSigningFormat || r.Stage != StageSchema || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("Verify() = %s at %s: %s\nwant invalid_signing_format at schema with %q", r.Status, r.Stage, r.Detail, tc.detail)
			}
			if _, err := ParseSeal(seal); err == nil || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("ParseSeal() error = %v", err)
			}
		})
	}
}

func TestSchemaProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"uvci":"U","pid":{"n":"A","i":"1"},"ve":[`)
	for i := range 30 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"des":1}`)
	}
	b.WriteString("]}")
	c := rawContent(TypeVaccination, b.String())
	err := decodeMessage(c.msg, &Content{Header: c.hdr})
	if err == nil || !strings.Contains(err.Error(), "and 70 more") {
		t.Errorf("decodeMessage() = %v", err)
	}
}

func TestReportInFuture(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "future"})
	seal, err := Sign(testContent(t), key, cert, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2026, 5, 30, 6, 0, 0, 0, time.UTC) // the report is 07:00 UTC
	r := Verify(seal, pool(t, ca.cert), Options{Now: before})
	if r.Status != StatusNotYetValid || r.Stage != StageValidity || !strings.Contains(r.Detail, "report issued at 2026-05-30T07:00:00Z") {
		t.Errorf("Verify() = %s at %s: %s", r.Status, r.Stage, r.Detail)
	}
	if r := Verify(seal, pool(t, ca.cert), Options{Now: before, ClockSkew: 2 * time.Hour}); r.Status != StatusVerified {
		t.Errorf("with skew: %s: %s", r.Status, r.Detail)
	}
}
