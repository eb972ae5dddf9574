package conformance

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/verify"
)

// signRaw signs arbitrary CWT claims as an ES256 COSE_Sign1 (tag 18), so
// that a test can carry a payload the DCC encoder would never write.
func signRaw(t *testing.T, ca *testca.CA, kid []byte, claims map[int]any) []byte {
	t.Helper()
	enc, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	header := map[int]any{1: -7}
	if kid != nil {
		header[4] = kid
	}
	protected, err := enc.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := enc.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	toSign, err := enc.Marshal([]any{"Signature1", protected, []byte{}, payload})
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(toSign)
	r, s, err := ecdsa.Sign(rand.Reader, ca.Signer().(*ecdsa.PrivateKey), digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	cose, err := enc.Marshal(cbor.Tag{Number: 18, Content: []any{protected, map[int]any{}, payload, sig}})
	if err != nil {
		t.Fatal(err)
	}
	return cose
}

// TestStagesTolerateBadPayload runs a file whose payload writes the dose
// numbers as text (as Georgia's test issuer did) and whose COSE field is
// base64 rather than hex (as North Macedonia's files are): the payload
// fails the schema and typed decoding, but the stages that do not read it
// (decode as CBOR, JSON well-formedness, signature, validity) still pass,
// as the upstream test runner has them.
func TestStagesTolerateBadPayload(t *testing.T) {
	ca := testca.New(t, "GE")
	now := ca.Certificate().NotBefore.Add(24 * time.Hour)
	hcert := map[string]any{"ver": "1.0.0", "nam": map[string]any{"fnt": "GELASHVILI"}, "dob": "1980-01-01",
		"v": []any{map[string]any{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
			"dn": "1", "sd": "2", "dt": "2021-06-01", "co": "GE", "is": "Ministry", "ci": "URN:UVCI:01:GE:1"}}}
	cose := signRaw(t, ca, ca.KID(), map[int]any{1: "GE", 6: now.Add(-time.Hour).Unix(), 4: now.Add(time.Hour).Unix(),
		-260: map[int]any{1: hcert}})
	jsonPayload, _ := json.Marshal(hcert)
	file := map[string]any{
		"JSON": json.RawMessage(jsonPayload),
		"COSE": base64.StdEncoding.EncodeToString(cose),
		"TESTCTX": map[string]any{
			"CERTIFICATE":     base64.StdEncoding.EncodeToString(ca.Certificate().Raw),
			"VALIDATIONCLOCK": now.Format(time.RFC3339),
		},
		"EXPECTEDRESULTS": map[string]bool{
			Decode: true, ValidJSON: true, Verify: true, ExpirationCheck: true,
			SchemaValidation: false, ValidObject: false,
		},
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "GE", "2DCode", "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(file)
	if err := os.WriteFile(filepath.Join(raw, "1.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := RunDGC(dir, Options{ClockSkew: verify.DefaultClockSkew})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Failures {
		t.Errorf("%s: expected %t, got %t: %s", f.Key, f.Expected, f.Got, f.Detail)
	}
	if r.Total != 6 || r.Met != 6 {
		t.Errorf("met %d of %d expectations, want 6 of 6 (skipped: %v)", r.Met, r.Total, r.Skipped)
	}
}

func TestBinaryField(t *testing.T) {
	want := []byte{0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xfb, 0xff}
	for _, in := range []string{
		hex.EncodeToString(want), "D28443A10126FBFF",
		base64.StdEncoding.EncodeToString(want), base64.RawStdEncoding.EncodeToString(want),
		base64.URLEncoding.EncodeToString(want), base64.RawURLEncoding.EncodeToString(want),
	} {
		got, err := binaryField("COSE", in)
		if err != nil || string(got) != string(want) {
			t.Errorf("binaryField(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, bad := range []string{"not bytes!", "d28443a"} { // odd-length hex is not read as base64
		if got, err := binaryField("COSE", bad); err == nil {
			t.Errorf("binaryField(%q) = %x, want an error", bad, got)
		}
	}
}

// TestParseTestFileVariants reads the field spellings and types real files
// use: a picture key with a trailing space (Norway), lower-case keys, a
// numeric VERSION and a string GATEWAY-ENV (Georgia) in TESTCTX.
func TestParseTestFileVariants(t *testing.T) {
	in := `{"2DCODE ":"iVBORw0K","prefix":"HC1:X","TESTCTX":{"VERSION":"1","GATEWAY-ENV":"ACC","CERTIFICATE":"MIIB","VALIDATIONCLOCK":"2021-06-01T00:00:00Z","SCHEMA":1},
		"EXPECTEDRESULTS":{"EXPECTEDUNPREFIX":true},"PREFIX":"HC1:Y"}`
	tf, err := parseTestFile([]byte(in))
	if err != nil {
		t.Fatalf("parseTestFile() error = %v", err)
	}
	if tf.Picture != "iVBORw0K" {
		t.Errorf("Picture = %q, want the value of \"2DCODE \"", tf.Picture)
	}
	if tf.Prefix != "HC1:Y" {
		t.Errorf("Prefix = %q, want the exactly spelt PREFIX to win", tf.Prefix)
	}
	if tf.TestCtx.Certificate != "MIIB" || tf.TestCtx.ValidationClock != "2021-06-01T00:00:00Z" || tf.TestCtx.Schema != "" {
		t.Errorf("TestCtx = %+v", tf.TestCtx)
	}
	if len(tf.Expected) != 1 {
		t.Errorf("Expected = %v", tf.Expected)
	}
	if _, err := parseTestFile([]byte(`{"EXPECTEDRESULTS":[true]}`)); err == nil {
		t.Error("EXPECTEDRESULTS as an array: no error")
	}
}

// TestPictureHex reads a picture given in hex (Georgia) as well as base64.
func TestPictureHex(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{hex.EncodeToString(buf.Bytes()), strings.ToUpper(hex.EncodeToString(buf.Bytes())), base64.StdEncoding.EncodeToString(buf.Bytes())} {
		e := &evaluator{tf: &testFile{Picture: s}}
		got, err := e.picture()
		if err != nil || !bytes.Equal(got, buf.Bytes()) {
			t.Errorf("picture(%.12s...) = %d bytes, %v; want the PNG", s, len(got), err)
		}
	}
	e := &evaluator{tf: &testFile{PictureAlt: "!!"}}
	if _, err := e.picture(); err == nil {
		t.Error("picture of a field that is neither base64 nor hex: no error")
	}
}

// runOne writes one test file into a fresh tree and runs it.
func runOne(t *testing.T, file map[string]any) *Report {
	t.Helper()
	dir := t.TempDir()
	raw := filepath.Join(dir, "XX", "2DCode", "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(raw, "1.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := RunDGC(dir, Options{ClockSkew: verify.DefaultClockSkew})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDataErrors checks the two data errors the runner recognises by
// evidence in the file, and that a real failure is not taken for one.
func TestDataErrors(t *testing.T) {
	ca := testca.New(t, "XX")
	other := testca.New(t, "XY")
	now := ca.Certificate().NotBefore.Add(24 * time.Hour)
	hcert := map[string]any{"ver": "1.3.0", "nam": map[string]any{"fnt": "DOE"}, "dob": "1980-01-01",
		"v": []any{map[string]any{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
			"dn": 1, "sd": 2, "dt": "2021-06-01", "co": "AT", "is": "Ministry", "ci": "URN:UVCI:01:AT:1"}}}
	claims := map[int]any{1: "XX", 6: now.Add(-time.Hour).Unix(), 4: now.Add(time.Hour).Unix(), -260: map[int]any{1: hcert}}
	ctx := func(c *testca.CA) map[string]any {
		return map[string]any{"CERTIFICATE": base64.StdEncoding.EncodeToString(c.Certificate().Raw), "VALIDATIONCLOCK": now.Format(time.RFC3339)}
	}
	edited, _ := json.Marshal(map[string]any{"ver": "1.3.0", "nam": map[string]any{"fnt": "ROE"}, "dob": "1980-01-01", "v": hcert["v"]})
	for _, tc := range []struct {
		name     string
		file     map[string]any
		excluded string // substring of the reason, or "" for a counted failure
	}{
		{"foreign kid", map[string]any{"COSE": hex.EncodeToString(signRaw(t, ca, []byte{1, 2, 3}, claims)), "TESTCTX": ctx(ca),
			"EXPECTEDRESULTS": map[string]any{Verify: true}}, "kid (010203) is not that certificate's"},
		{"no kid", map[string]any{"COSE": hex.EncodeToString(signRaw(t, ca, nil, claims)), "TESTCTX": ctx(ca),
			"EXPECTEDRESULTS": map[string]any{Verify: "true"}}, "kid (absent)"},
		{"wrong certificate", map[string]any{"COSE": hex.EncodeToString(signRaw(t, ca, []byte{1, 2, 3}, claims)), "TESTCTX": ctx(other),
			"EXPECTEDRESULTS": map[string]any{Verify: true}}, ""},
		{"hand-edited JSON", map[string]any{"COSE": hex.EncodeToString(signRaw(t, ca, ca.KID(), claims)), "JSON": json.RawMessage(edited),
			"TESTCTX": ctx(ca), "EXPECTEDRESULTS": map[string]any{Encode: true, Verify: true}}, "JSON field is not the payload"},
	} {
		r := runOne(t, tc.file)
		switch {
		case tc.excluded == "" && (len(r.Excluded) != 0 || len(r.Failures) != 1):
			t.Errorf("%s: excluded %v, failures %v; want one counted failure", tc.name, r.Excluded, r.Failures)
		case tc.excluded != "" && (len(r.Excluded) != 1 || !strings.Contains(r.Excluded[0].Reason, tc.excluded)):
			t.Errorf("%s: excluded %v; want one file excluded for %q", tc.name, r.Excluded, tc.excluded)
		}
	}
}

// TestKnownIssueWildcard reads a known_issues.csv row without a test name
// (",XX,1,ref", as upstream's later list has for Portugal, Germany and
// Czechia) as covering every test of the file.
func TestKnownIssueWildcard(t *testing.T) {
	ca := testca.New(t, "XX")
	other := testca.New(t, "XY")
	now := ca.Certificate().NotBefore.Add(24 * time.Hour)
	claims := map[int]any{1: "XX", 6: now.Add(-time.Hour).Unix(), 4: now.Add(time.Hour).Unix(),
		-260: map[int]any{1: map[string]any{"ver": "1.3.0"}}}
	file := map[string]any{"COSE": hex.EncodeToString(signRaw(t, ca, ca.KID(), claims)),
		"TESTCTX":         map[string]any{"CERTIFICATE": base64.StdEncoding.EncodeToString(other.Certificate().Raw), "VALIDATIONCLOCK": now.Format(time.RFC3339)},
		"EXPECTEDRESULTS": map[string]any{Verify: true}}
	for _, tc := range []struct {
		csv      string
		excluded bool
	}{
		{"test_name,country,test_set,reason\n,XX,1,https://example.org/1\n", true},
		{"test_name,country,test_set,reason\n,XX,,https://example.org/all\n", true},
		{"test_name,country,test_set,reason\n,XX,2,https://example.org/2\n", false},
		{"test_name,country,test_set,reason\ntest_cose_schema,XX,1,https://example.org/s\n", false},
	} {
		dir := t.TempDir()
		raw := filepath.Join(dir, "XX", "2DCode", "raw")
		if err := os.MkdirAll(raw, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "tests"), 0o755); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(file)
		if err := os.WriteFile(filepath.Join(raw, "1.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tests", "known_issues.csv"), []byte(tc.csv), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := RunDGC(dir, Options{ClockSkew: verify.DefaultClockSkew})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(r.Excluded) == 1; got != tc.excluded {
			t.Errorf("csv %q: excluded %v, failures %v; want excluded %t", tc.csv, r.Excluded, r.Failures, tc.excluded)
		}
	}
}

// FuzzRunFile feeds arbitrary test files to the runner: whatever a file
// holds, it is evaluated or excluded with a reason, never a panic.
func FuzzRunFile(f *testing.F) {
	f.Add([]byte(`{"PREFIX":"HC1:6BF","EXPECTEDRESULTS":{"EXPECTEDUNPREFIX":true,"EXPECTEDB45DECODE":false}}`))
	f.Add([]byte(`{"COSE":"d28443a10126a0","TESTCTX":{"CERTIFICATE":"MIIB","VALIDATIONCLOCK":"2021"},"EXPECTEDRESULTS":{"EXPECTEDVERIFY":"true","G":{"EXPECTEDDECODE":true}}}`))
	f.Add([]byte(`{"JSON":{"ver":"1.0.0","t":[]},"CBOR":"a0","EXPECTEDRESULTS":{"EXPECTEDENCODE":true,"EXPECTEDVALIDJSON":true,"EXPECTEDSCHEMAVALIDATION":true}}`))
	f.Add([]byte(`{"2DCODE ":"iVBORw0KGgo=","PREFIX":"HC1:","EXPECTEDRESULTS":{"EXPECTEDPICTUREDECODE":true}}`))
	for _, name := range []string{"AT/2DCode/raw/1.json", "common/2DCode/raw/CBO1.json"} {
		if b, err := os.ReadFile(filepath.Join(shareddata.Path(f, "dgc"), name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "1.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fr := runFile(path, nil, verify.DefaultClockSkew)
		if fr.excluded == "" {
			for _, o := range fr.outcomes {
				if o.key == "" {
					t.Fatalf("outcome without a key: %+v", o)
				}
			}
		}
	})
}
