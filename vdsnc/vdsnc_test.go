package vdsnc

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/shareddata"
)

// sampleFiles returns the seals of ../shared/testdata/vdsnc.
func sampleFiles(t testing.TB) []string {
	t.Helper()
	dir := shareddata.Path(t, "vdsnc")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seal in %s: %v", dir, err)
	}
	return files
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signerNotBefore returns the start of the validity of a seal's signer.
func signerNotBefore(t testing.TB, seal []byte) time.Time {
	t.Helper()
	s, err := ParseSeal(seal)
	if err != nil {
		t.Fatalf("ParseSeal() error: %v", err)
	}
	c, err := x509.ParseCertificate(s.Signature.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	return c.NotBefore
}

// TestSamples verifies every sample seal with the certificate it carries
// (their CSCAs are not public), at a time its signer was valid, and checks
// what each stage found.
func TestSamples(t *testing.T) {
	want := map[string]struct {
		typ, state, subject string
		warnings            int
	}{
		"uto-icao-spec-example.json":    {TypeVaccination, "UTO", "CN=06,C=UT", 1},
		"uto-proof-of-test.json":        {TypeTest, "UTO", "CN=05,C=UT", 1},
		"uto-proof-of-vaccination.json": {TypeVaccination, "UTO", "CN=06,C=UT", 1},
		"uto-testkey-example-0.json":    {TypeVaccination, "UTO", "CN=DSC number worker of Friesland,C=FR", 4},
		"uto-testkey-example-1.json":    {TypeVaccination, "AUS", "CN=DFAT,C=AU", 1},
	}
	for _, f := range sampleFiles(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			text := readFile(t, f)
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			r := Verify(text, nil, Options{Now: signerNotBefore(t, text), SkipChainUnsafe: true})
			if r.Status != StatusVerified || r.Stage != StageDone {
				t.Fatalf("Verify() = %s at %s: %s", r.Status, r.Stage, r.Detail)
			}
			if r.Type != w.typ || r.IssuingState != w.state {
				t.Errorf("Verify() type, state = %s, %s; want %s, %s", r.Type, r.IssuingState, w.typ, w.state)
			}
			if got := r.Signer.Subject.String(); got != w.subject {
				t.Errorf("signer = %s, want %s", got, w.subject)
			}
			if n := len(r.Warnings); n != w.warnings {
				t.Errorf("%d warnings, want %d: %q", n, w.warnings, r.Warnings)
			}
			if r.Certificate == nil || len(r.Notes) == 0 {
				t.Errorf("ITHC form %v, notes %q, warnings %q", r.Certificate, r.Notes, r.Warnings)
			}
			if (r.Seal.Vaccination != nil) != (w.typ == TypeVaccination) || (r.Seal.Test != nil) != (w.typ == TypeTest) {
				t.Errorf("message = %+v, %+v for type %s", r.Seal.Vaccination, r.Seal.Test, w.typ)
			}
		})
	}
}

// TestSampleContent checks the fields read from two samples.
func TestSampleContent(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	s, err := ParseSeal(readFile(t, filepath.Join(dir, "uto-proof-of-test.json")))
	if err != nil {
		t.Fatal(err)
	}
	m := s.Test
	if m.UTCI != "U01932" || m.Person.Name != "Cook Gerald" || m.Person.DocumentType != "P" || m.Person.DocumentNumber != "E1234567P" ||
		m.Person.DateOfBirth.String() != "1990-01-29" || m.Provider.Name != "General Hospital" || m.Provider.Country != "UTO" ||
		m.Provider.Phone != "+00068765432" || m.Result != (TestResult{TestPCR, ResultNegative, "nasopharyngeal"}) || m.Optional != "ID12345" {
		t.Errorf("test message = %+v", m)
	}
	if got := m.SampleTime.Format(time.RFC3339); got != "2020-12-12T12:00:00+08:00" {
		t.Errorf("sample time = %s", got)
	}

	s, err = ParseSeal(readFile(t, filepath.Join(dir, "uto-testkey-example-1.json")))
	if err != nil {
		t.Fatal(err)
	}
	v := s.Vaccination
	if v.UVCI != "VB0009990012" || v.Person.Name != "CITIZEN  JANE SUE" || v.Person.Sex != "F" || len(v.Events) != 1 {
		t.Fatalf("vaccination message = %+v", v)
	}
	e := v.Events[0]
	if e.Vaccine != "XM68M6" || e.Disease != "RA01.0" || e.Product != "AstraZeneca Vaxzevria" || len(e.Doses) != 1 ||
		e.Doses[0] != (Dose{Date: e.Doses[0].Date, Sequence: 1, Country: "AUS", Centre: "General Practitioner", Lot: "300157P"}) ||
		e.Doses[0].Date.String() != "2021-09-15" {
		t.Errorf("vaccine event = %+v", e)
	}
	if s.Header != (Header{TypeVaccination, 1, "AUS"}) || s.Signature.Algorithm != ES256 || len(s.Signature.Value) != 64 {
		t.Errorf("header, signature = %+v, %s %d", s.Header, s.Signature.Algorithm, len(s.Signature.Value))
	}
	// The seal was written with its keys in another order and spaces:
	// what is signed is the canonical form.
	if !strings.HasPrefix(string(s.Signed), `{"hdr":{"is":"AUS","t":"icao.vacc","v":1},"msg":{"pid":{"dob":"1961-05-15",`) {
		t.Errorf("signed bytes = %s", s.Signed)
	}
}

// TestSamplesAtCurrentTime checks that the UTO samples, whose signers
// expired in 2026, are refused now with expired_keys, not verified.
func TestSamplesExpiredSigner(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	text := readFile(t, filepath.Join(dir, "uto-proof-of-vaccination.json"))
	r := Verify(text, nil, Options{Now: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), SkipChainUnsafe: true})
	if r.Status != StatusExpiredKeys || r.Stage != StageValidity || !strings.Contains(r.Detail, "expired at 2026-10-07") {
		t.Errorf("Verify() = %s at %s: %s; want expired_keys at validity", r.Status, r.Stage, r.Detail)
	}
}

// TestSampleTestKey checks the published test key: the certificate in the
// folder is the one the seal carries.
func TestSampleTestKey(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	block, _ := pem.Decode(readFile(t, filepath.Join(dir, "testkey-signer.cert.pem")))
	if block == nil {
		t.Fatal("no PEM in testkey-signer.cert.pem")
	}
	s, err := ParseSeal(readFile(t, filepath.Join(dir, "uto-testkey-example-0.json")))
	if err != nil {
		t.Fatal(err)
	}
	if string(block.Bytes) != string(s.Signature.Certificate) {
		t.Error("the seal's cer is not testkey-signer.cert.pem")
	}
}
