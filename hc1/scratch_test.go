package hc1

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/testca"
)

// TestPayloadDuplicateKeys checks that a duplicate key deep inside the
// hcert sub-claim, which readHCERT skips without checking keys, is still
// rejected by the payload's decoder.
func TestPayloadDuplicateKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  int64
		sub  []byte
		want string
	}{
		{"dcc top level", SubClaimDCC, []byte{0xa2, 0x63, 'v', 'e', 'r', 0x61, '1', 0x63, 'v', 'e', 'r', 0x61, '2'}, "ver: duplicate map key"},
		{"dcc unknown nested", SubClaimDCC, []byte{0xa1, 0x61, 'x', 0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02}, "duplicate map key"},
		{"dcc entry", SubClaimDCC, []byte{0xa1, 0x61, 'v', 0x81, 0xa2, 0x62, 'd', 'n', 0x01, 0x62, 'd', 'n', 0x02}, "v[0].dn: duplicate map key"},
		{"native", NativeKey, []byte{0xa2, 0x00, 0x01, 0x00, 0x01}, "duplicate map key 0"},
		{"native extension", NativeKey, []byte{0xa1, 0x19, 0x03, 0xe8, 0xa2, 0x01, 0x01, 0x01, 0x02}, "duplicate map key 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w writer
			w.head(majorMap, 1)
			w.int(claimHCERT)
			w.head(majorMap, 1)
			w.int(tc.key)
			w.b = append(w.b, tc.sub...)
			protected := []byte{0xa2, 0x01, 0x26, 0x04, 0x41, 0x01} // {1: -7, 4: h'01'}
			cose := coseMsg([]uint64{18}, protected, nil, w.b, make([]byte, 64))
			_, err := ParseCOSE(cose)
			var he *Error
			if !errors.As(err, &he) || he.Stage != StagePayload || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseCOSE() error = %v, want a %s error containing %q", err, StagePayload, tc.want)
			}
		})
	}
}

// TestScratchReuse parses different codes with one Scratch and checks that
// what a Code holds beyond its byte slices survives the next parse.
func TestScratchReuse(t *testing.T) {
	k := testKeys(t)["ES256"]
	var texts []string
	for _, fam := range []string{"A", strings.Repeat("Long", 40), "Mid-length family name"} {
		p := testca.SampleDCC()
		p.Name.Family = fam
		text, err := Sign(SignInput{Issuer: "AT", IssuedAt: time.Unix(1620000000, 0), ExpiresAt: time.Unix(1650000000, 0), DCC: p},
			k.signer, SignOptions{Certificate: k.cert})
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, text)
	}
	var s Scratch
	var fams []string
	var codes []*Code
	for _, text := range texts {
		c, err := s.Parse(text)
		if err != nil {
			t.Fatalf("Scratch.Parse() error = %v", err)
		}
		if err := c.VerifySignature(k.cert.PublicKey); err != nil {
			t.Errorf("VerifySignature() after Scratch.Parse = %v", err)
		}
		codes = append(codes, c)
		fams = append(fams, c.DCC.Name.Family)
		// A failed parse in between must not disturb anything either.
		if _, err := s.Parse("HC1:" + strings.Repeat("A", 30)); err == nil {
			t.Errorf("Scratch.Parse(garbage) error = nil")
		}
	}
	want := []string{"A", strings.Repeat("Long", 40), "Mid-length family name"}
	for i := range want {
		if fams[i] != want[i] {
			t.Errorf("family of code %d after reuse = %q, want %q", i, fams[i], want[i])
		}
	}
	if codes[0] != codes[1] {
		t.Errorf("Scratch.Parse returned distinct Codes; want its own Code reused")
	}
	// Parse never shares.
	a, err := Parse(texts[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(texts[1])
	if err != nil {
		t.Fatal(err)
	}
	if a == b || a.DCC.Name.Family != "A" {
		t.Errorf("Parse results share state: %q", a.DCC.Name.Family)
	}
}
