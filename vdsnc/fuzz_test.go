package vdsnc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/vdsnc/internal/jcs"
)

// seedSeals adds the sample seals and seals of our own to a fuzz corpus.
func seedSeals(f *testing.F) {
	f.Helper()
	if dir, err := shareddata.Find("vdsnc"); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	ca := newCSCA(f, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(f, signerOptions{name: "fuzz"})
	for _, c := range []*Content{vaccContent(f), testContent(f)} {
		seal, err := Sign(c, key, cert, SignOptions{})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seal)
	}
	f.Add([]byte(`{"data":{"hdr":{"t":"icao.vacc","v":1,"is":"UTO"},"msg":{}},"sig":{"alg":"ES256","cer":"","sigvl":""}}`))
}

// FuzzParseSeal checks the seal parser: no panic, a seal exactly when
// there is no error, and for a seal: the signed bytes are the canonical
// form of its data, and its content written back and read again writes
// the same bytes.
func FuzzParseSeal(f *testing.F) {
	seedSeals(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ParseSeal(in)
		if (s == nil) == (err == nil) {
			t.Fatalf("ParseSeal() = %v, %v: want exactly one of seal and error", s, err)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok || !strings.HasPrefix(err.Error(), "vdsnc: ") {
				t.Fatalf("ParseSeal() error %T %v: want a *Error", err, err)
			}
			return
		}
		again, err := jcs.Canonicalize(s.Signed, jsonLimits)
		if err != nil || !bytes.Equal(again, s.Signed) {
			t.Fatalf("signed bytes %q are not canonical: %v", s.Signed, err)
		}
		data, err := s.Content.MarshalData()
		if err != nil {
			// Only what an issuer must not write (a name longer than a
			// passport's) may be read but not written.
			if !strings.Contains(err.Error(), "msg.pid.n") {
				t.Fatalf("MarshalData() of a parsed seal: %v", err)
			}
			return
		}
		v, err := jcs.Parse(data, jsonLimits)
		if err != nil {
			t.Fatalf("MarshalData() = %q, which does not parse: %v", data, err)
		}
		c := Content{Header: s.Header}
		if err := decodeMessage(v.Get("msg"), &c); err != nil {
			t.Fatalf("MarshalData() = %q, which does not decode: %v", data, err)
		}
		data2, err := c.MarshalData()
		if err != nil || !bytes.Equal(data, data2) {
			t.Fatalf("content written twice differs:\n%s\n%s (%v)", data, data2, err)
		}
	})
}

// FuzzVerify checks that Verify returns a result with a status and stage
// from the vocabulary for any input, and never verifies what ParseSeal
// refuses.
func FuzzVerify(f *testing.F) {
	seedSeals(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		r := Verify(in, nil, Options{Now: testNow, SkipChainUnsafe: true})
		if r == nil || r.Status == "" || r.Stage == "" {
			t.Fatalf("Verify() = %+v", r)
		}
		if (r.Status == StatusVerified) != (r.Stage == StageDone) {
			t.Fatalf("Verify() = %s at %s", r.Status, r.Stage)
		}
		if r.Status == StatusVerified {
			if _, err := ParseSeal(in); err != nil {
				t.Fatalf("Verify() verified what ParseSeal refuses: %v", err)
			}
		}
	})
}
