package envelope

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/verify"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// country is a recipient country's key pair.
type country struct {
	code string
	priv *ecdh.PrivateKey
	kid  []byte
}

func newCountry(t testing.TB, code string, curve ecdh.Curve) country {
	t.Helper()
	priv, err := curve.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := KeyID(priv.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return country{code: code, priv: priv, kid: kid}
}

func (c country) recipient() Recipient {
	return Recipient{Country: c.code, KID: c.kid, Key: c.priv.PublicKey()}
}

func (c country) opener(t testing.TB) *Opener {
	t.Helper()
	o, err := NewOpener([]OpenKey{{Country: c.code, Key: c.priv}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// issue signs a native code of country XA and returns it with its PKI.
func issue(t testing.TB) (string, *testca.CA) {
	t.Helper()
	ca := testca.New(t, "XA")
	cert := sampleCertificate(testNow.Add(-time.Hour), testNow.AddDate(0, 6, 0))
	id, err := healthcert.NewUVCI("XA", "", rand.Reader, true)
	if err != nil {
		t.Fatal(err)
	}
	cert.ID = id
	text, err := hc1.Sign(hc1.SignInput{Native: cert}, ca.Signer(), hc1.SignOptions{Certificate: ca.Certificate()})
	if err != nil {
		t.Fatal(err)
	}
	return text, ca
}

func seal(t testing.TB, inner string, cs ...country) string {
	t.Helper()
	var rs []Recipient
	for _, c := range cs {
		rs = append(rs, c.recipient())
	}
	text, err := Seal(inner, rs, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestRecipientReadsAndVerifies(t *testing.T) {
	inner, ca := issue(t)
	for _, curve := range []ecdh.Curve{ecdh.P256(), ecdh.X25519()} {
		xb, xc, xd := newCountry(t, "XB", curve), newCountry(t, "XC", curve), newCountry(t, "XD", curve)
		text := seal(t, inner, xb, xc, xd)
		if !strings.HasPrefix(text, verify.EncryptedPrefix) {
			t.Fatalf("Seal() = %.10q…, want the prefix %q", text, verify.EncryptedPrefix)
		}
		if strings.Contains(text, inner[len(hc1.Prefix):len(hc1.Prefix)+20]) {
			t.Errorf("the encrypted code contains the signed code's text")
		}
		for _, c := range []country{xb, xc, xd} {
			o := c.opener(t)
			got, info, err := o.Open(text)
			if err != nil {
				t.Fatalf("%v %s: Open() error %v", curve, c.code, err)
			}
			if got != inner {
				t.Errorf("%v %s: Open() = %.30q…, want the signed code", curve, c.code, got)
			}
			if info.KID != KIDString(c.kid) || len(info.Recipients) != 3 || info.Recipients[0] == "" {
				t.Errorf("%v %s: Open() info = %+v", curve, c.code, info)
			}
			v := verify.New(ca.Store(), verify.Options{Now: testNow, Decrypter: o})
			r := v.Verify(text)
			if r.Status != verify.StatusVerified {
				t.Fatalf("%v %s: Verify() = %s at %s (%s), want verified", curve, c.code, r.Status, r.Stage, r.Detail)
			}
			if r.Encryption == nil || r.Encryption.KID != KIDString(c.kid) {
				t.Errorf("%v %s: Result.Encryption = %+v", curve, c.code, r.Encryption)
			}
			if r.Certificate == nil || r.Certificate.Holder.Name.FamilyICAO != "MUELLER" {
				t.Errorf("%v %s: the decrypted certificate is not the one issued", curve, c.code)
			}
		}
	}
}

func TestNonRecipientCannotRead(t *testing.T) {
	inner, ca := issue(t)
	xb, xc, xe := newCountry(t, "XB", ecdh.P256()), newCountry(t, "XC", ecdh.P256()), newCountry(t, "XE", ecdh.P256())
	text := seal(t, inner, xb, xc)

	known := &KeyRing{}
	for _, c := range []country{xb, xc} {
		r, err := NewKeyRecord(c.code, c.priv.PublicKey(), testNow.AddDate(0, -1, 0), testNow.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		known.Add(r)
	}
	o, err := NewOpener([]OpenKey{{Country: "XE", Key: xe.priv}}, known)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := o.Open(text)
	if !errors.Is(err, ErrNotRecipient) || got != "" {
		t.Fatalf("Open() by a non-recipient = %.20q, %v; want ErrNotRecipient", got, err)
	}
	for _, want := range []string{"XB (kid " + KIDString(xb.kid), "XC (kid", "XE (kid"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	r := verify.New(ca.Store(), verify.Options{Now: testNow, Decrypter: o}).Verify(text)
	if r.Status != verify.StatusDecryptionFailed || r.Stage != verify.StageDecrypt || r.Certificate != nil {
		t.Errorf("Verify() by a non-recipient = %s at %s, certificate %v; want decryption_failed at decrypt and no certificate", r.Status, r.Stage, r.Certificate != nil)
	}
	if !strings.Contains(r.Detail, "not a recipient") {
		t.Errorf("Verify() detail %q does not say not a recipient", r.Detail)
	}

	// Without any key, the verifier says the code is encrypted.
	r = verify.New(ca.Store(), verify.Options{Now: testNow}).Verify(text)
	if r.Status != verify.StatusDecryptionFailed || !strings.Contains(r.Detail, "encrypted") {
		t.Errorf("Verify() without a key = %s (%s), want decryption_failed saying encrypted", r.Status, r.Detail)
	}

	// A wrong private key filed under a recipient's kid does not decrypt.
	wrong, err := NewOpener([]OpenKey{{Country: "XB", Key: xe.priv, KID: xb.kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wrong.Open(text); !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), "wrong private key") {
		t.Errorf("Open() with a wrong key under the kid: %v, want ErrDecrypt naming a wrong key", err)
	}
}

// TestEveryChangeFails changes every character of an encrypted code (to
// another Base45 character) and every byte of its CBOR (two bit flips):
// no change may open.
func TestEveryChangeFails(t *testing.T) {
	inner, ca := issue(t)
	xb, xc, xd := newCountry(t, "XB", ecdh.P256()), newCountry(t, "XC", ecdh.X25519()), newCountry(t, "XD", ecdh.P256())
	text := seal(t, inner, xb, xc, xd)
	o, err := NewOpener([]OpenKey{{Key: xc.priv}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.Open(text); err != nil {
		t.Fatalf("Open() of the unchanged code: %v", err)
	}
	v := verify.New(ca.Store(), verify.Options{Now: testNow, Decrypter: o})
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	for i := range len(text) {
		for _, step := range []int{1, 22} {
			c := alphabet[(strings.IndexByte(alphabet, text[i])+step)%len(alphabet)]
			changed := text[:i] + string(c) + text[i+1:]
			if got, _, err := o.Open(changed); err == nil {
				t.Fatalf("Open() of the code with character %d changed to %q = %.20q…, want an error", i, c, got)
			}
			if i%50 == 0 {
				if r := v.Verify(changed); r.Status == verify.StatusVerified {
					t.Fatalf("Verify() of the code with character %d changed: verified", i)
				}
			}
		}
	}
	raw, err := base45.Decode(strings.TrimPrefix(text, Prefix))
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(raw)
			b[i] ^= bit
			if got, _, err := o.Open(Prefix + base45.Encode(b)); err == nil {
				t.Fatalf("Open() with byte %d xor %#x = %.20q…, want an error", i, bit, got)
			}
		}
	}
}

func TestRotation(t *testing.T) {
	inner, ca := issue(t)
	old, next := newCountry(t, "XB", ecdh.P256()), newCountry(t, "XB", ecdh.P256())
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	oldRec, err := NewKeyRecord("XB", old.priv.PublicKey(), jan, jan.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	newRec, err := NewKeyRecord("XB", next.priv.PublicKey(), jan.AddDate(0, 6, 0), jan.AddDate(1, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	ring := &KeyRing{}
	ring.Add(newRec, oldRec)

	for _, tc := range []struct {
		at   time.Time
		want *KeyRecord
	}{
		{jan.AddDate(0, 2, 0), oldRec},
		{jan.AddDate(0, 8, 0), newRec}, // both valid: the newer
		{jan.AddDate(1, 2, 0), newRec}, // the old one expired
	} {
		got, err := ring.Select("XB", tc.at)
		if err != nil || got != tc.want {
			t.Errorf("Select(XB, %s) = %v, %v; want kid %s", tc.at.Format(time.DateOnly), got, err, KIDString(tc.want.KID))
		}
	}
	if _, err := ring.Select("XB", jan.AddDate(2, 0, 0)); err == nil || !strings.Contains(err.Error(), "no recipient key valid") {
		t.Errorf("Select(XB) after every key expired: %v, want an error", err)
	}
	if _, err := ring.Select("XZ", jan); err == nil || !strings.Contains(err.Error(), "published no recipient key") {
		t.Errorf("Select(XZ): %v, want an error", err)
	}

	encrypt := func(at time.Time) string {
		rs, err := ring.Recipients([]string{"xb"}, at)
		if err != nil {
			t.Fatal(err)
		}
		text, err := Seal(inner, rs, SealOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	before, during := encrypt(jan.AddDate(0, 2, 0)), encrypt(jan.AddDate(0, 8, 0))

	// A verifier of XB holds both keys during the overlap: it opens both.
	both, err := NewOpener([]OpenKey{{Country: "XB", Key: next.priv}, {Country: "XB", Key: old.priv}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := verify.New(ca.Store(), verify.Options{Now: testNow, Decrypter: both})
	for name, text := range map[string]string{"old key": before, "new key": during} {
		if r := v.Verify(text); r.Status != verify.StatusVerified {
			t.Errorf("%s: Verify() with both keys = %s (%s)", name, r.Status, r.Detail)
		}
	}
	// One that holds only the old key cannot read codes for the new one.
	if _, _, err := old.opener(t).Open(during); !errors.Is(err, ErrNotRecipient) {
		t.Errorf("Open() of a code for the new key with the old key: %v, want ErrNotRecipient", err)
	}
	if _, _, err := old.opener(t).Open(before); err != nil {
		t.Errorf("Open() of a code for the old key with the old key: %v", err)
	}
}

func TestSealRefuses(t *testing.T) {
	inner, _ := issue(t)
	xb := newCountry(t, "XB", ecdh.P256())
	p384, err := ecdh.P384().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]Recipient, limits.MaxRecipients+1)
	for i := range many {
		many[i] = newCountry(t, "XB", ecdh.X25519()).recipient()
	}
	for _, tc := range []struct {
		name  string
		inner string
		rs    []Recipient
		want  string
	}{
		{"no recipient", inner, nil, "0 recipients"},
		{"too many", inner, many, "9 recipients"},
		{"same kid twice", inner, []Recipient{xb.recipient(), xb.recipient()}, "repeats the key identifier"},
		{"no kid", inner, []Recipient{{Key: xb.priv.PublicKey()}}, "key identifier of 0 bytes"},
		{"P-384", inner, []Recipient{{KID: []byte{1}, Key: p384.PublicKey()}}, "unsupported"},
		{"not HC1", "HCE1:" + inner[4:], []Recipient{xb.recipient()}, "signed code"},
		{"bad base45", "HC1:abc", []Recipient{xb.recipient()}, "signed code"},
	} {
		if got, err := Seal(tc.inner, tc.rs, SealOptions{}); err == nil || got != "" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Seal() = %.10q, %v; want an error containing %q", tc.name, got, err, tc.want)
		}
	}
}

func TestParseStrict(t *testing.T) {
	inner, _ := issue(t)
	xb, xc := newCountry(t, "XB", ecdh.P256()), newCountry(t, "XC", ecdh.X25519())
	text := seal(t, inner, xb, xc)
	raw, _ := base45.Decode(strings.TrimPrefix(text, Prefix))
	kids, err := Parse(text)
	if err != nil || len(kids) != 2 || !bytes.Equal(kids[0], xb.kid) || !bytes.Equal(kids[1], xc.kid) {
		t.Fatalf("Parse() = %x, %v; want the two kids", kids, err)
	}
	m, err := parseMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.marshal(), raw) {
		t.Errorf("marshal(parseMessage(b)) != b")
	}
	// The recipients array of one recipient with a given header.
	onePrefix := func(b []byte) []byte { return append(bytes.Clone(raw[:len(raw)-len(m.recipientsRaw)]), b...) }
	untagged := raw[2:]
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "unexpected end"},
		{"trailing byte", append(bytes.Clone(raw), 0), "after the COSE_Encrypt"},
		{"untagged", untagged, "major type 4, want 6"},
		{"tag 16 (COSE_Encrypt0)", append([]byte{0xd0}, untagged...), "COSE_Encrypt tag: 16, want 96"},
		{"tag not shortest", append([]byte{0xd9, 0x00, 0x60}, untagged...), "shortest form"},
		{"indefinite array", append([]byte{0xd8, 0x60, 0x9f}, untagged[1:]...), "indefinite"},
		{"no recipients", onePrefix([]byte{0x80}), "0 recipients"},
		{"too many recipients", onePrefix([]byte{0x89}), "9 recipients"},
		{"truncated", raw[:len(raw)-1], "announced"},
		{"content alg A256GCM", bytes.Replace(raw, []byte{0x43, 0xa1, 0x01, 0x01}, []byte{0x43, 0xa1, 0x01, 0x03}, 1), "want exactly {1: 1}"},
	} {
		if _, err := parseMessage(tc.b); err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: parseMessage() error %v, want ErrMalformed containing %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct{ name, text, want string }{
		{"plain code", inner, "does not start with"},
		{"too long", Prefix + strings.Repeat("A", limits.MaxEnvelopeText), "more than"},
		{"bad base45", Prefix + "a", "base45"},
	} {
		if _, err := Parse(tc.text); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Parse() error %v, want ErrMalformed containing %q", tc.name, err, tc.want)
		}
	}
}

func TestKeyRecord(t *testing.T) {
	xb := newCountry(t, "XB", ecdh.X25519())
	nb, na := testNow, testNow.AddDate(1, 0, 0)
	r, err := NewKeyRecord("XB", xb.priv.PublicKey(), nb, na)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseKeyRecord(r.Marshal())
	if err != nil {
		t.Fatalf("ParseKeyRecord(Marshal()) error %v", err)
	}
	if !bytes.Equal(got.Marshal(), r.Marshal()) || !got.Key().Equal(xb.priv.PublicKey()) || got.Alg != "HPKE-3-KE" {
		t.Errorf("ParseKeyRecord(Marshal()) = %s, want %s", got.Marshal(), r.Marshal())
	}
	other := newCountry(t, "XB", ecdh.P256())
	for _, tc := range []struct {
		name   string
		change func(r *KeyRecord)
		want   string
	}{
		{"kid of another key", func(r *KeyRecord) { r.KID = other.kid }, "is not the key's"},
		{"alg of another curve", func(r *KeyRecord) { r.Alg = "HPKE-0-KE" }, "does not match the key"},
		{"format", func(r *KeyRecord) { r.Format = "x" }, "format"},
		{"country", func(r *KeyRecord) { r.Country = "xb" }, "not an ISO 3166-1"},
		{"empty validity", func(r *KeyRecord) { r.NotAfter = r.NotBefore }, "is empty"},
		{"five years", func(r *KeyRecord) { r.NotAfter = r.NotBefore.AddDate(5, 0, 0) }, "longer than"},
		{"not a key", func(r *KeyRecord) { r.PublicKey = []byte{0x30, 0} }, "public_key"},
	} {
		c := *r
		tc.change(&c)
		if _, err := ParseKeyRecord(c.Marshal()); !errors.Is(err, ErrKeyRecord) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseKeyRecord() error %v, want ErrKeyRecord containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := ParseKeyRecord([]byte(`{"format":"ithc-encryption-key/1","extra":1}`)); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("ParseKeyRecord() with an unknown field: %v", err)
	}
	ring, err := ParseKeyRecords([]byte("[" + string(r.Marshal()) + "," + string(r.Marshal()) + "]"))
	if err != nil || len(ring.Records()) != 1 {
		t.Errorf("ParseKeyRecords() of the same key twice = %v, %v; want one key", ring, err)
	}
}
