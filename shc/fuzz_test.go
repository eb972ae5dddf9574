package shc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	sharedpkg "github.com/ithc/ithc/internal/shareddata"
)

// seedFiles adds to f the files of the shared SMART test data whose names
// match pattern, when the data is present (the fuzz targets also have
// seeds of their own, so that they run without it).
func seedFiles(f *testing.F, pattern string, add func([]byte)) {
	dir, err := sharedpkg.Find("shc")
	if err != nil {
		return
	}
	for _, sub := range []string{"examples", "validator"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, pattern))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				add(b)
			}
		}
	}
}

// FuzzDecodeQR: no panic; a result, or an error and no result; a decoded
// JWS re-encodes to the same digits.
func FuzzDecodeQR(f *testing.F) {
	f.Add("shc:/56762909524320603460292437404460", "")
	f.Add("shc:/1/2/5676", "shc:/2/2/2909")
	f.Add("shc:/1/1/0077", "")
	f.Add("shc:/5678", "")
	seedFiles(f, "*qr-code-numeric*.txt", func(b []byte) { f.Add(strings.TrimSpace(string(b)), "") })
	f.Fuzz(func(t *testing.T, a, b string) {
		chunks := []string{a}
		if b != "" {
			chunks = append(chunks, b)
		}
		jws, _, err := DecodeQR(chunks...)
		if err != nil {
			if jws != "" {
				t.Fatalf("DecodeQR returned %q with error %v", jws, err)
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not an *Error", err)
			}
			return
		}
		if len(chunks) == 1 && !strings.HasPrefix(a, "shc:/1/1/") {
			if len(jws) > 0 && strings.Trim(jws, "-_.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == "" {
				if qr, err := EncodeQR(jws); err != nil || qr != a {
					t.Fatalf("EncodeQR(DecodeQR(%q)) = %q, %v", a, qr, err)
				}
			}
		}
	})
}

// FuzzParseJWS: no panic; a JWS, or an error and no JWS; a parsed JWS
// has a 64-byte signature, a payload within the cap and a signing input
// that starts the text.
func FuzzParseJWS(f *testing.F) {
	f.Add("eyJ6aXAiOiJERUYiLCJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.qyoAAA." + strings.Repeat("A", 86))
	f.Add("a.b.c")
	seedFiles(f, "*jws*.txt", func(b []byte) { f.Add(string(b)) })
	f.Fuzz(func(t *testing.T, text string) {
		j, _, err := ParseJWS(text)
		if err != nil {
			if j != nil {
				t.Fatalf("ParseJWS returned a JWS with error %v", err)
			}
			return
		}
		if len(j.Signature) != 64 || len(j.Payload) > 256<<10 || !strings.HasPrefix(text, j.SigningInput+".") || j.Header.Kid == "" {
			t.Fatalf("ParseJWS(%q) = %+v", text, j)
		}
		// Whatever the payload, reading it never panics either.
		if p, _, err := ParsePayload(j.Payload); (p == nil) == (err == nil) {
			t.Fatalf("ParsePayload: %v, %v", p, err)
		}
	})
}

// FuzzParseBundle: no panic; a bundle, or an error and no bundle; a
// bundle always maps, and what maps writes back as a bundle that reads
// strictly.
func FuzzParseBundle(f *testing.F) {
	f.Add(bundleWith(goodImmunization), false)
	f.Add([]byte(`{"resourceType":"Bundle","type":"collection","entry":[{}]}`), true)
	seedFiles(f, "*fhirBundle*.json", func(b []byte) { f.Add(b, true) })
	seedFiles(f, "*-a-*.json", func(b []byte) { f.Add(b, false) })
	f.Fuzz(func(t *testing.T, data []byte, strict bool) {
		mode := Lenient
		if strict {
			mode = Strict
		}
		b, _, err := ParseBundle(data, mode)
		if err != nil {
			if b != nil {
				t.Fatalf("ParseBundle returned a bundle with error %v", err)
			}
			return
		}
		c, _ := ToCertificate(&Payload{Iss: testIssuerURL}, b, "")
		if c == nil {
			t.Fatal("ToCertificate returned nil")
		}
		if c.Holder.Name.Family == "" && c.Holder.Name.Given == "" {
			return
		}
		out, err := FromCertificate(c)
		if err != nil {
			return // a mapped event may lack what a card needs (a partial date)
		}
		if _, _, err := ParseBundle(out, Strict); err != nil {
			t.Fatalf("FromCertificate wrote a bundle that does not read strictly: %v\n%s", err, out)
		}
	})
}

// FuzzParsePayload: no panic; a payload, or an error and no payload; a
// payload has a health-card type and a bundle that is a JSON object.
func FuzzParsePayload(f *testing.F) {
	f.Add([]byte(`{"iss":"https://a.example","nbf":1.5,"vc":{"type":["https://smarthealth.cards#health-card"],"credentialSubject":{"fhirVersion":"4.0.1","fhirBundle":{}}}}`))
	seedFiles(f, "*jws-payload*.json", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := ParsePayload(data)
		if err != nil {
			if p != nil {
				t.Fatalf("ParsePayload returned a payload with error %v", err)
			}
			return
		}
		tree, err := parseJSON(p.Bundle)
		if _, ok := tree.(map[string]any); err != nil || !ok {
			t.Fatalf("the bundle %q is not an object: %v", p.Bundle, err)
		}
		if p.NBF < 0 || p.NBF > maxSaneSeconds {
			t.Fatalf("nbf %v accepted", p.NBF)
		}
	})
}

// FuzzParseKeyFiles: JWK sets, revocation lists, issuer directories,
// card files and $health-cards-issue responses never panic, and return a
// result or an error, not both.
func FuzzParseKeyFiles(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"k"}]}`))
	f.Add([]byte(`{"kid":"k","method":"rid","ctr":1,"rids":["abc.123"]}`))
	f.Add([]byte(`{"participating_issuers":[{"iss":"https://a.example"}]}`))
	f.Add([]byte(`{"verifiableCredential":["a.b.c"]}`))
	f.Add([]byte(`{"resourceType":"Parameters","parameter":[{"name":"verifiableCredential","valueString":"a.b.c"}]}`))
	seedFiles(f, "*.json", func(b []byte) { f.Add(b) })
	seedFiles(f, "*.smart-health-card", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		if keys, _, err := ParseJWKS("https://a.example", data); (err == nil) != (len(keys) > 0) {
			t.Fatalf("ParseJWKS: %d keys, %v", len(keys), err)
		}
		if c, err := ParseCRL(data, "k", 1); (err == nil) != (c != nil) {
			t.Fatalf("ParseCRL: %v, %v", c, err)
		}
		if d, err := ParseDirectory(data); (err == nil) != (d != nil) {
			t.Fatalf("ParseDirectory: %v, %v", d, err)
		}
		if l, err := ParseFile(data); (err == nil) != (len(l) > 0) {
			t.Fatalf("ParseFile: %v, %v", l, err)
		}
		if l, err := ParseIssueResponse(data); (err == nil) != (len(l) > 0) {
			t.Fatalf("ParseIssueResponse: %v, %v", l, err)
		}
	})
}
