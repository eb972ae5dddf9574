package hc1

import (
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/ithc/ithc/internal/testca"
)

// retag re-encodes a tag-18 COSE_Sign1 with its protected header, payload
// and signature wrapped in the given tags (0 for none), as an Icelandic
// and a Spanish test issuer wrote them; the bytes inside are unchanged.
func retag(t *testing.T, cose []byte, prot, payload, sig uint64, unprotected map[int]any) []byte {
	t.Helper()
	var msg cbor.Tag
	if err := cbor.Unmarshal(cose, &msg); err != nil {
		t.Fatal(err)
	}
	items := msg.Content.([]any)
	wrap := func(tag uint64, b any) any {
		if tag == 0 {
			return b
		}
		return cbor.Tag{Number: tag, Content: b}
	}
	if unprotected == nil {
		unprotected = map[int]any{}
	}
	out, err := cbor.Marshal(cbor.Tag{Number: 18, Content: []any{wrap(prot, items[0]), unprotected, wrap(payload, items[2]), wrap(sig, items[3])}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTaggedByteStrings(t *testing.T) {
	k := testKeys(t)["ES256"]
	cose, err := SignCOSE(SignInput{Issuer: "IS", DCC: testca.SampleDCC()}, k.signer, SignOptions{Certificate: k.cert})
	if err != nil {
		t.Fatal(err)
	}
	tagged := retag(t, cose, 4, 2, 3, nil)
	code, err := ParseCOSE(tagged)
	if err != nil {
		t.Fatalf("ParseCOSE(tagged byte strings) error = %v", err)
	}
	if !code.TaggedByteStrings {
		t.Error("TaggedByteStrings not set")
	}
	if err := code.VerifySignature(k.cert.PublicKey); err != nil {
		t.Errorf("VerifySignature() = %v", err)
	}
	plain, err := ParseCOSE(cose)
	if err != nil || plain.TaggedByteStrings {
		t.Errorf("plain message: err %v, TaggedByteStrings %t", err, plain.TaggedByteStrings)
	}

	// A tag around something else than a byte string is still an error.
	var msg cbor.Tag
	_ = cbor.Unmarshal(cose, &msg)
	items := msg.Content.([]any)
	bad, _ := cbor.Marshal(cbor.Tag{Number: 18, Content: []any{items[0], map[int]any{}, cbor.Tag{Number: 2, Content: "text"}, items[3]}})
	if _, err := ParseCOSE(bad); err == nil || !strings.Contains(err.Error(), "payload") {
		t.Errorf("ParseCOSE(tag around text) error = %v, want a payload error", err)
	}
}

// TestEmptyKID records where an empty kid was found, so that the verifier
// can say the kid is empty rather than absent (Greece's test file has a
// protected kid of zero bytes).
func TestEmptyKID(t *testing.T) {
	k := testKeys(t)["ES256"]
	cose, err := SignCOSE(SignInput{Issuer: "GR", DCC: testca.SampleDCC()}, k.signer, SignOptions{Certificate: k.cert, KID: []byte{}})
	if err != nil {
		t.Fatal(err)
	}
	code, err := ParseCOSE(cose)
	if err != nil {
		t.Fatal(err)
	}
	if len(code.KID) != 0 || code.KIDFrom != HeaderAbsent || code.EmptyKIDFrom != HeaderProtected {
		t.Errorf("KID %x from %s, empty kid from %s; want no kid, an empty one in the protected header", code.KID, code.KIDFrom, code.EmptyKIDFrom)
	}
	// A kid in the unprotected header is used; the empty protected one
	// does not shadow it.
	code, err = ParseCOSE(retag(t, cose, 0, 0, 0, map[int]any{4: []byte{1, 2}}))
	if err != nil {
		t.Fatal(err)
	}
	if string(code.KID) != "\x01\x02" || code.KIDFrom != HeaderUnprotected {
		t.Errorf("KID %x from %s, want 0102 from the unprotected header", code.KID, code.KIDFrom)
	}
}
