package envelope

import (
	"bytes"
	"crypto/ecdh"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/base45"
)

// fuzzSeeds returns encrypted codes for one and three recipients, and the
// opener of the first recipient.
func fuzzSeeds(f *testing.F) ([]string, *Opener) {
	inner, _ := issue(f)
	xb, xc, xd := newCountry(f, "XB", ecdh.P256()), newCountry(f, "XC", ecdh.X25519()), newCountry(f, "XD", ecdh.P256())
	return []string{seal(f, inner, xb), seal(f, inner, xb, xc, xd)}, xb.opener(f)
}

// FuzzParse feeds the CBOR reader: no panic, no result with an error, and
// every accepted message re-encodes to exactly its input.
func FuzzParse(f *testing.F) {
	texts, _ := fuzzSeeds(f)
	for _, text := range texts {
		b, err := base45.Decode(strings.TrimPrefix(text, Prefix))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xd8, 0x60, 0x84})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			if m != nil {
				t.Fatalf("parseMessage() = %v with error %v", m, err)
			}
			return
		}
		if !bytes.Equal(marshalRecipients(m.recipients), m.recipientsRaw) {
			t.Fatalf("the recipients do not re-encode to their bytes")
		}
		if got := m.marshal(); !bytes.Equal(got, b) {
			t.Fatalf("marshal(parseMessage(%x)) = %x", b, got)
		}
		if _, err := Parse(Prefix + base45.Encode(b)); err != nil {
			t.Fatalf("Parse() of an accepted message: %v", err)
		}
	})
}

// FuzzOpen feeds texts to an Opener: no panic, an empty result with every
// error, and anything opened is a signed HC1 code.
func FuzzOpen(f *testing.F) {
	texts, o := fuzzSeeds(f)
	for _, text := range texts {
		f.Add(text)
	}
	f.Add(Prefix)
	f.Add("HC1:6BF")
	f.Fuzz(func(t *testing.T, text string) {
		inner, info, err := o.Open(text)
		if err != nil {
			if inner != "" {
				t.Fatalf("Open() = %q with error %v", inner, err)
			}
			return
		}
		if !strings.HasPrefix(inner, "HC1:") || info == nil || info.KID == "" {
			t.Fatalf("Open() = %.20q, %+v", inner, info)
		}
	})
}

// FuzzParseKeyRecord feeds the published key parser (a gateway upload, a
// trust-list entry): no panic, no record with an error, and an accepted
// record marshals to a record that parses to the same.
func FuzzParseKeyRecord(f *testing.F) {
	for _, curve := range []ecdh.Curve{ecdh.P256(), ecdh.X25519()} {
		c := newCountry(f, "XB", curve)
		r, err := NewKeyRecord("XB", c.priv.PublicKey(), testNow, testNow.AddDate(1, 0, 0))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(r.Marshal())
	}
	f.Add([]byte(`{"format":"ithc-encryption-key/1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseKeyRecord(data)
		if err != nil {
			if r != nil {
				t.Fatalf("ParseKeyRecord() = %v with error %v", r, err)
			}
			return
		}
		again, err := ParseKeyRecord(r.Marshal())
		if err != nil || !bytes.Equal(again.Marshal(), r.Marshal()) {
			t.Fatalf("ParseKeyRecord(Marshal()) = %v, %v", again, err)
		}
	})
}
