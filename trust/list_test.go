package trust_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/trust"
)

type listPKI struct {
	anchor    *x509.Certificate
	anchorKey crypto.Signer
	signer    *x509.Certificate
	signerKey crypto.Signer
}

func newListPKI(t testing.TB, eku bool, signerKey crypto.Signer) *listPKI {
	t.Helper()
	ak, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	at := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "anchor"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	ad, err := x509.CreateCertificate(rand.Reader, at, at, ak.Public(), ak)
	if err != nil {
		t.Fatal(err)
	}
	anchor, _ := x509.ParseCertificate(ad)
	if signerKey == nil {
		signerKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	st := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "list signer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	if eku {
		st.UnknownExtKeyUsage = []asn1.ObjectIdentifier{trust.ListSigningOID}
	}
	sd, err := x509.CreateCertificate(rand.Reader, st, anchor, signerKey.Public(), ak)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := x509.ParseCertificate(sd)
	return &listPKI{anchor: anchor, anchorKey: ak, signer: signer, signerKey: signerKey}
}

func sampleList(version int64, ids ...string) trust.List {
	l := trust.List{Format: trust.ListFormat, Version: version, Issued: time.Now().UTC()}
	for i, id := range ids {
		data := []byte("data of " + id)
		sum := sha256.Sum256(data)
		l.Entries = append(l.Entries, trust.ListEntry{Seq: int64(i + 1), Kind: "signer", ID: id, Country: "CN",
			Thumbprint: fmt.Sprintf("%x", sum), Data: data, Timestamp: l.Issued})
	}
	return l
}

func (p *listPKI) sign(t testing.TB, l trust.List) []byte {
	t.Helper()
	payload, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	data, err := trust.SignJWS(payload, trust.ListType, p.signerKey, p.signer)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestVerifyList(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"ES256": nil, "PS256": rsaKey} {
		t.Run(name, func(t *testing.T) {
			p := newListPKI(t, true, key)
			data := p.sign(t, sampleList(3, "a", "b", "c"))
			l, err := trust.VerifyList(data, p.anchor, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if l.Version != 3 || len(l.Entries) != 3 || l.Entries[2].ID != "c" {
				t.Errorf("list %+v", l)
			}
		})
	}
}

func TestVerifyListRefusals(t *testing.T) {
	p := newListPKI(t, true, nil)
	good := p.sign(t, sampleList(2, "a", "b"))
	other := newListPKI(t, true, nil)
	noEKU := newListPKI(t, false, nil)

	badThumb := sampleList(2, "a", "b")
	badThumb.Entries[1].Data = []byte("changed")
	unordered := sampleList(2, "a", "b")
	unordered.Entries[0].Seq, unordered.Entries[1].Seq = 2, 1
	beyond := sampleList(1, "a", "b")
	wrongFormat := sampleList(2, "a")
	wrongFormat.Format = "something/2"

	var header map[string]string
	json.Unmarshal(good, &header)
	flipped := strings.Replace(string(good), header["signature"][:6], "AAAAAA", 1)

	cases := []struct {
		name   string
		data   []byte
		anchor *x509.Certificate
		now    time.Time
		want   error
		reason string
	}{
		{"flipped signature", []byte(flipped), p.anchor, time.Now(), trust.ErrListSignature, "does not verify"},
		{"other anchor", good, other.anchor, time.Now(), trust.ErrListSigner, "not issued by the trust anchor"},
		{"signer without the EKU", noEKU.sign(t, sampleList(1, "a")), noEKU.anchor, time.Now(), trust.ErrListSigner, "list-signing extended key usage"},
		{"signer expired", good, p.anchor, time.Now().AddDate(2, 0, 0), trust.ErrListSigner, "valid from"},
		{"thumbprint", p.sign(t, badThumb), p.anchor, time.Now(), trust.ErrListFormat, "thumbprint"},
		{"sequence order", p.sign(t, unordered), p.anchor, time.Now(), trust.ErrListFormat, "not increasing"},
		{"sequence beyond version", p.sign(t, beyond), p.anchor, time.Now(), trust.ErrListFormat, "beyond the list version"},
		{"format", p.sign(t, wrongFormat), p.anchor, time.Now(), trust.ErrListFormat, "format"},
		{"not JSON", []byte("HC1:xyz"), p.anchor, time.Now(), trust.ErrListFormat, "not a flattened JWS"},
		{"trailing data", append(append([]byte{}, good...), []byte(" {}")...), p.anchor, time.Now(), trust.ErrListFormat, "after the JWS"},
	}
	for _, tc := range cases {
		l, err := trust.VerifyList(tc.data, tc.anchor, tc.now)
		if l != nil || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: got %v, %v; want %v mentioning %q", tc.name, l, err, tc.want, tc.reason)
		}
	}
}

// A header naming another algorithm than the key's is refused even before
// the signature is checked (no algorithm confusion).
func TestJWSAlgorithmConfusion(t *testing.T) {
	p := newListPKI(t, true, nil)
	data := p.sign(t, sampleList(1, "a"))
	j, err := trust.ParseJWS(data, trust.ListType)
	if err != nil {
		t.Fatal(err)
	}
	j.Alg = "PS256"
	if err := j.VerifyWith(p.signer.PublicKey); err == nil || !strings.Contains(err.Error(), "does not match the key") {
		t.Errorf("alg confusion: %v", err)
	}
	if _, err := trust.ParseJWS(data, trust.OnboardingType); err == nil {
		t.Error("a list was accepted as an onboarding record (typ ignored)")
	}
}

func TestOnboardingRecord(t *testing.T) {
	p := newListPKI(t, true, nil)
	rec := trust.OnboardingRecord{Country: "CN", Role: "csca", Certificate: p.signer.Raw,
		Thumbprint: fmt.Sprintf("%x", sha256.Sum256(p.signer.Raw)), Approved: time.Now().UTC()}
	sig, err := trust.SignOnboarding(rec, p.anchorKey)
	if err != nil {
		t.Fatal(err)
	}
	got, cert, err := trust.VerifyOnboarding(sig, p.anchor)
	if err != nil {
		t.Fatal(err)
	}
	if got.Country != "CN" || got.Role != "csca" || !cert.Equal(p.signer) {
		t.Errorf("record %+v", got)
	}
	// Signed by the list signer instead of the anchor.
	forged, _ := trust.SignOnboarding(rec, p.signerKey)
	if _, _, err := trust.VerifyOnboarding(forged, p.anchor); err == nil {
		t.Error("an onboarding record not signed by the anchor was accepted")
	}
	rec.Thumbprint = strings.Repeat("0", 64)
	wrong, _ := trust.SignOnboarding(rec, p.anchorKey)
	if _, _, err := trust.VerifyOnboarding(wrong, p.anchor); err == nil || !strings.Contains(err.Error(), "thumbprint") {
		t.Errorf("thumbprint mismatch: %v", err)
	}
}

func TestMerge(t *testing.T) {
	var s trust.SyncedList
	full := sampleList(3, "a", "b", "c")
	if err := s.Merge(&full); err != nil {
		t.Fatal(err)
	}
	// Changes since 3: b deleted, c replaced, d added.
	delta := trust.List{Format: trust.ListFormat, Version: 6, Since: 3, Entries: []trust.ListEntry{
		{Seq: 4, Kind: "signer", ID: "b", Deleted: true},
		{Seq: 5, Kind: "signer", ID: "c", Type: "new"},
		{Seq: 6, Kind: "signer", ID: "d"},
	}}
	if err := s.Merge(&delta); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range s.List.Entries {
		ids = append(ids, e.ID+e.Type)
	}
	if got := strings.Join(ids, ","); got != "a,cnew,d" || s.List.Version != 6 {
		t.Errorf("after merge: %s at version %d", got, s.List.Version)
	}
	old := sampleList(5, "a")
	if err := s.Merge(&old); err == nil || !strings.Contains(err.Error(), "rollback") {
		t.Errorf("older full list: %v", err)
	}
	gap := trust.List{Format: trust.ListFormat, Version: 9, Since: 7}
	if err := s.Merge(&gap); err == nil || !strings.Contains(err.Error(), "does not follow") {
		t.Errorf("incremental list with a gap: %v", err)
	}
	if s.List.Version != 6 || len(s.List.Entries) != 3 {
		t.Errorf("a refused merge changed the copy: %+v", s.List)
	}
}

func FuzzVerifyList(f *testing.F) {
	p := newListPKI(f, true, nil)
	f.Add(p.sign(f, sampleList(2, "a", "b")))
	f.Add([]byte(`{"protected":"","payload":"","signature":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := trust.VerifyList(data, p.anchor, time.Now())
		if (l == nil) == (err == nil) {
			t.Fatalf("list %v with error %v", l, err)
		}
	})
}
