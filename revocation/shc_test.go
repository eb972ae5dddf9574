package revocation

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/verify"
)

// The SMART example issuer and its key (SMART Health Cards examples).
const (
	exampleIss = "https://spec.smarthealth.cards/examples/issuer"
	exampleKID = "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"
)

// exampleCRL is the example issuer's crl/KID.json.
const exampleCRL = `{
  "kid": "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s",
  "method": "rid",
  "ctr": 1,
  "rids": [
    "vwAjHdarZuc.1687450765",
    "FKDIxsTCGlU",
    "XkNHp2Iyk0Y.1687450765",
    "TqB_qu_6OtM"
  ]
}`

func shcHeader(id string) Header {
	return Header{ID: id, Country: "US", KID: exampleKID, HashType: "SHCRID", Iss: exampleIss,
		Created: t0, Expires: t0.AddDate(1, 0, 0), Reason: "issued in error"}
}

// The SHCRID entry against sha256sum of "iss#kid.rid".
func TestHashOfSHCRID(t *testing.T) {
	// printf '%s' 'https://spec.smarthealth.cards/examples/issuer#3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.FKDIxsTCGlU' | sha256sum
	h := HashOfSHCRID(exampleIss, exampleKID, "FKDIxsTCGlU")
	if got, want := hex.EncodeToString(h[:]), "877e0466450492aafe6199f21f6af62c"; got != want {
		t.Errorf("HashOfSHCRID = %s, want %s", got, want)
	}
	if HashOfSHCRID(exampleIss, exampleKID, "FKDIxsTCGlU") == HashOfSHCRID(exampleIss+"/x", exampleKID, "FKDIxsTCGlU") {
		t.Error("the entry does not depend on the issuer")
	}
	if typ, err := ParseHashType("shcrid"); err != nil || typ != HashSHCRID || typ.String() != "SHCRID" || typ.kind() != "rid" {
		t.Errorf("ParseHashType(shcrid) = %v, %v", typ, err)
	}
}

func TestSHCBatchRoundTrip(t *testing.T) {
	h := shcHeader("us-1")
	h.RevokedBefore = time.Unix(1687450765, 0)
	b, err := NewSHCBatch(h, []string{"vwAjHdarZuc", "XkNHp2Iyk0Y", "vwAjHdarZuc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Entries) != 2 || len(b.RIDs) != 2 || b.Type != HashSHCRID || len(b.KIDRaw) != 32 {
		t.Fatalf("NewSHCBatch = %d entries, rids %q, type %v, kid %d bytes", len(b.Entries), b.RIDs, b.Type, len(b.KIDRaw))
	}
	for i, rid := range b.RIDs {
		if b.Entries[i] != HashOfSHCRID(exampleIss, exampleKID, rid) {
			t.Errorf("entry %d is not the hash of rid %q", i, rid)
		}
	}
	body := b.Marshal()
	if !bytes.Contains(body, []byte(`"iss":"https://spec.smarthealth.cards/examples/issuer","revokedBefore":"2023-06-22T16:19:25Z"}`)) {
		t.Errorf("header of the body: %q", body[10:300])
	}
	p, err := ParseBatch(body)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.RIDs, b.RIDs) || !slices.Equal(p.Entries, b.Entries) || p.Iss != exampleIss || !p.RevokedBefore.Equal(h.RevokedBefore) {
		t.Errorf("ParseBatch = %+v, want %+v", p, b)
	}
	in := InfoOf(p, sha256Sum(body), 1000)
	if err := in.Matches(p); err != nil {
		t.Error(err)
	}
	in.RevokedBefore = time.Time{}
	if in.Matches(p) == nil {
		t.Error("a description without the batch's revokedBefore matches it")
	}
	// A batch of the EU types keeps its former body: no iss, no
	// revokedBefore in the header, nothing after the entries.
	u, _ := NewBatch(header("u", HashUCI), []Hash{HashOfUCI("a")})
	if bytes.Contains(u.Marshal(), []byte(`"iss"`)) || len(u.Marshal()) != len(Magic)+2+int(binary.BigEndian.Uint16(u.Marshal()[8:]))+4+16 {
		t.Errorf("a UCI batch's body changed: %q", u.Marshal())
	}
}

func TestSHCBatchRefused(t *testing.T) {
	good, err := NewSHCBatch(shcHeader("us-1"), []string{"FKDIxsTCGlU", "TqB_qu_6OtM"})
	if err != nil {
		t.Fatal(err)
	}
	body := good.Marshal()
	hdrEnd := len(Magic) + 2 + int(binary.BigEndian.Uint16(body[8:]))
	ridsAt := hdrEnd + 4 + 32
	rebody := func(h Header, rest []byte) []byte {
		b := &Batch{Header: h}
		return append(b.Marshal()[:len(b.Marshal())-4], rest...) // header, then rest (count, entries, rids)
	}
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"rid changed", func() []byte { b := bytes.Clone(body); b[ridsAt+1] ^= 1; return b }(), "is not the hash of its rid"},
		{"rid not base64url", func() []byte { b := bytes.Clone(body); b[ridsAt+1] = '.'; return b }(), "outside the base64url alphabet"},
		{"rids missing", body[:ridsAt], "ends before the rid of entry 0"},
		{"rid cut", body[:len(body)-1], "ends before the rid of entry 1"},
		{"bytes after the rids", append(bytes.Clone(body), 0), "1 bytes after the last rid"},
		{"rid too long", func() []byte { b := bytes.Clone(body); b[ridsAt] = 30; return b }(), "ends before the rid"},
		{"iss in a UCI batch", func() []byte {
			h := header("u", HashUCI)
			h.Iss = exampleIss
			return rebody(h, body[hdrEnd:])
		}(), "belong to SHCRID batches only"},
		{"kid in standard base64", func() []byte {
			h := good.Header
			h.KID = base64.StdEncoding.EncodeToString(good.KIDRaw)
			return rebody(h, body[hdrEnd:])
		}(), "is not a SHA-256 thumbprint"},
		{"iss with a trailing slash", func() []byte {
			h := good.Header
			h.Iss += "/"
			return rebody(h, body[hdrEnd:])
		}(), "ends with a slash"},
		{"iss of another issuer (entries do not match)", func() []byte {
			h := good.Header
			h.Iss = "https://other.example"
			return rebody(h, body[hdrEnd:])
		}(), "is not the hash of its rid"},
		{"revokedBefore with a fraction", func() []byte {
			h := good.Header
			h.RevokedBefore = time.Unix(1687450765, 5).UTC()
			return rebody(h, body[hdrEnd:])
		}(), "whole seconds"},
	} {
		b, err := ParseBatch(tc.body)
		if err == nil || b != nil || !errors.Is(err, ErrBatch) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseBatch = %v, %v; want an error saying %q", tc.name, b, err, tc.want)
		}
	}
	if _, err := NewBatch(shcHeader("x"), []Hash{{1}}); err == nil {
		t.Error("NewBatch made a SHCRID batch of hashes")
	}
	if _, err := NewSHCBatch(header("x", HashUCI), []string{"a"}); err == nil {
		t.Error("NewSHCBatch made a UCI batch")
	}
	if _, err := NewSHCBatch(shcHeader("x"), []string{"a.1"}); err == nil {
		t.Error("NewSHCBatch took a rid with a timestamp")
	}
	many := make([]string, limits.MaxRevocationSHCEntries+1)
	for i := range many {
		many[i] = base64.RawURLEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, uint32(i)))
	}
	if _, err := NewSHCBatch(shcHeader("x"), many); err == nil {
		t.Error("NewSHCBatch made a batch above the cap")
	}
	// The largest batch of the longest rids fits the body cap.
	for i := range many {
		many[i] = strings.Repeat("A", 16) + many[i][:6] + "AA"
	}
	h := shcHeader(strings.Repeat("i", limits.MaxRevocationID))
	h.Reason = strings.Repeat("r", limits.MaxRevocationReason)
	h.Iss = "https://" + strings.Repeat("h", limits.MaxRevocationSHCIssuer-8)
	h.RevokedBefore = t0
	b, err := NewSHCBatch(h, many[:limits.MaxRevocationSHCEntries])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseBatch(b.Marshal()); err != nil {
		t.Fatalf("the largest SHCRID batch (%d bytes): %v", len(b.Marshal()), err)
	}
}

// An issuer's list becomes one batch per timestamp and comes back as the
// same list; package shc reads what SHCListOf writes.
func TestSHCListRoundTrip(t *testing.T) {
	data := []byte(exampleCRL)
	if path, err := shareddata.Find("shc/examples/issuer/.well-known/crl/" + exampleKID + ".json"); err == nil {
		if data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	l, err := ParseSHCList(data)
	if err != nil {
		t.Fatal(err)
	}
	if l.KID != exampleKID || l.Ctr != 1 || len(l.Revoked) != 4 {
		t.Fatalf("ParseSHCList = %+v", l)
	}
	bs, err := SHCBatches(shcHeader("us-crl"), l)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, b := range bs {
		ids = append(ids, b.ID)
		// Through the wire form, as a verifier gets them.
		if bs[i], err = ParseBatch(b.Marshal()); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"us-crl", "us-crl-1687450765"}; !slices.Equal(ids, want) {
		t.Errorf("batches %q, want %q", ids, want)
	}
	if !bs[0].RevokedBefore.IsZero() || !bs[1].RevokedBefore.Equal(time.Unix(1687450765, 0)) || len(bs[0].Entries) != 2 || len(bs[1].Entries) != 2 {
		t.Errorf("batches: %+v", bs)
	}
	back := SHCListOf(exampleIss, exampleKID, 1, append(bs, mustSHCBatch(t, "other-iss", "https://other.example", "FKDIxsTCGlU")))
	const want = `{"kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s","method":"rid","ctr":1,"rids":["FKDIxsTCGlU","TqB_qu_6OtM","XkNHp2Iyk0Y.1687450765","vwAjHdarZuc.1687450765"]}`
	if got := string(back.Marshal()); got != want {
		t.Errorf("SHCListOf = %s\nwant %s", got, want)
	}
	if got := string(l.Marshal()); got != want {
		t.Errorf("Marshal of the parsed list = %s\nwant %s", got, want)
	}
	crl, err := shc.ParseCRL(back.Marshal(), exampleKID, 1)
	if err != nil {
		t.Fatalf("shc.ParseCRL of the exported list: %v", err)
	}
	nbf := time.Unix(1687450765, 0)
	for _, tc := range []struct {
		rid     string
		issued  time.Time
		revoked bool
	}{
		{"FKDIxsTCGlU", nbf.Add(time.Hour), true},
		{"XkNHp2Iyk0Y", nbf.Add(-time.Second), true},
		{"XkNHp2Iyk0Y", nbf, false},
		{"unlisted", nbf, false},
	} {
		if got, _ := crl.Revoked(tc.rid, tc.issued); got != tc.revoked {
			t.Errorf("the exported list: Revoked(%s, %s) = %v, want %v", tc.rid, tc.issued, got, tc.revoked)
		}
	}
	// A rid in several batches: the widest revocation wins.
	later := shcHeader("later")
	later.RevokedBefore = nbf.Add(time.Hour)
	lb, err := NewSHCBatch(later, []string{"XkNHp2Iyk0Y", "vwAjHdarZuc"})
	if err != nil {
		t.Fatal(err)
	}
	never := mustSHCBatch(t, "all", exampleIss, "vwAjHdarZuc")
	merged := SHCListOf(exampleIss, exampleKID, 2, append(bs, lb, never))
	if got := strings.Join(strings.Split(string(merged.Marshal()), `"rids":`)[1:], ""); got != `["FKDIxsTCGlU","TqB_qu_6OtM","XkNHp2Iyk0Y.1687454365","vwAjHdarZuc"]}` {
		t.Errorf("merged rids %s", got)
	}
}

func mustSHCBatch(t *testing.T, id, iss string, rids ...string) *Batch {
	t.Helper()
	h := shcHeader(id)
	h.Iss = iss
	b, err := NewSHCBatch(h, rids)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSHCListRefused(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"method", `{"kid":"` + exampleKID + `","method":"uci","ctr":1,"rids":[]}`, `method "uci"`},
		{"kid", `{"kid":"abc","method":"rid","ctr":1,"rids":[]}`, "thumbprint"},
		{"ctr negative", `{"kid":"` + exampleKID + `","method":"rid","ctr":-1,"rids":[]}`, "ctr -1"},
		{"ctr fraction", `{"kid":"` + exampleKID + `","method":"rid","ctr":1.5,"rids":[]}`, "ctr 1.5"},
		{"no rids", `{"kid":"` + exampleKID + `","method":"rid","ctr":1}`, "required"},
		{"unknown field", `{"kid":"` + exampleKID + `","method":"rid","ctr":1,"rids":[],"x":1}`, "unknown field"},
		{"trailing data", `{"kid":"` + exampleKID + `","method":"rid","ctr":1,"rids":[]} {}`, "after the JSON object"},
		{"rid twice", `{"kid":"` + exampleKID + `","method":"rid","ctr":1,"rids":["a","a.5"]}`, "listed twice"},
		{"rid too long", `{"kid":"` + exampleKID + `","method":"rid","ctr":1,"rids":["` + strings.Repeat("a", 25) + `"]}`, "not 1 to 24"},
		{"timestamp", `{"kid":"` + exampleKID + `","method":"rid","ctr":1,"rids":["a.-5"]}`, "whole seconds"},
		{"empty rid", `{"kid":"` + exampleKID + `","method":"rid","ctr":1,"rids":[".5"]}`, "not 1 to 24"},
	} {
		l, err := ParseSHCList([]byte(tc.data))
		if err == nil || l != nil || !errors.Is(err, ErrSHCList) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseSHCList = %v, %v; want an error saying %q", tc.name, l, err, tc.want)
		}
	}
	// A timestamp of 0 revokes the cards issued before 1970: none, not all.
	if l, err := ParseSHCList([]byte(`{"kid":"` + exampleKID + `","method":"rid","ctr":1,"rids":["a.0"]}`)); err != nil {
		t.Errorf("rid a.0: %v", err)
	} else if bs, err := SHCBatches(shcHeader("z"), l); err != nil || len(bs) != 1 || bs[0].RevokedBefore.IsZero() || bs[0].ID != "z-0" {
		t.Errorf("rid a.0: batches %+v, %v", bs, err)
	}
	// The VCI snapshot writes ctr as a string.
	if l, err := ParseSHCList([]byte(`{"kid":"` + exampleKID + `","method":"rid","ctr":"7","rids":[]}`)); err != nil || l.Ctr != 7 {
		t.Errorf("ctr as a string: %v, %v", l, err)
	}
}

// The index answers a card's query by its rid and issuance time.
func TestIndexSHCRID(t *testing.T) {
	l, err := ParseSHCList([]byte(exampleCRL))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := SHCBatches(shcHeader("us-crl"), l)
	if err != nil {
		t.Fatal(err)
	}
	x := NewIndex()
	x.Now = func() time.Time { return t0 }
	if err := x.AddAll(bs[:1]); err != nil {
		t.Fatal(err)
	}
	if err := x.Add(bs[1]); err != nil {
		t.Fatal(err)
	}
	// A UCI batch of another signer beside it.
	u, _ := NewBatch(header("u", HashUCI), []Hash{HashOfUCI("FKDIxsTCGlU")})
	if err := x.Add(u); err != nil {
		t.Fatal(err)
	}
	kid, _ := base64.RawURLEncoding.DecodeString(exampleKID)
	ts := time.Unix(1687450765, 0)
	for _, tc := range []struct {
		name       string
		q          verify.RevocationQuery
		wantBatch  string
		wantReason string
	}{
		{"rid without timestamp", verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "FKDIxsTCGlU", IssuedAt: t0}, "us-crl", "issued in error"},
		{"issued before the timestamp", verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "XkNHp2Iyk0Y", IssuedAt: ts.Add(-time.Second)}, "us-crl-1687450765", "issued in error"},
		{"issued at the timestamp", verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "XkNHp2Iyk0Y", IssuedAt: ts}, "", ""},
		{"issued after the timestamp", verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "XkNHp2Iyk0Y", IssuedAt: ts.Add(time.Hour)}, "", ""},
		{"another issuer", verify.RevocationQuery{KID: kid, Issuer: "https://other.example", RID: "FKDIxsTCGlU", IssuedAt: t0}, "", ""},
		{"another key", verify.RevocationQuery{KID: make([]byte, 32), Issuer: exampleIss, RID: "FKDIxsTCGlU", IssuedAt: t0}, "", ""},
		{"unlisted rid", verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "AAAA", IssuedAt: t0}, "", ""},
		{"no rid", verify.RevocationQuery{KID: kid, Issuer: exampleIss, IssuedAt: t0}, "", ""},
	} {
		r := x.Revoked(&tc.q)
		switch {
		case tc.wantBatch == "" && r != nil:
			t.Errorf("%s: revoked by %+v", tc.name, r)
		case tc.wantBatch != "" && (r == nil || r.Batch != tc.wantBatch || r.Kind != "rid" || r.Reason != tc.wantReason || !r.Date.Equal(t0)):
			t.Errorf("%s: Revoked = %+v, want batch %s", tc.name, r, tc.wantBatch)
		}
	}
	if r := x.Revoked(&verify.RevocationQuery{KID: testKID, UCIs: []string{"FKDIxsTCGlU"}}); r == nil || r.Batch != "u" {
		t.Errorf("the UCI batch beside: %+v", r)
	}
	// Expired, the batches revoke nothing.
	x.Now = func() time.Time { return t0.AddDate(2, 0, 0) }
	if r := x.Revoked(&verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "FKDIxsTCGlU", IssuedAt: t0}); r != nil {
		t.Errorf("an expired batch revokes: %+v", r)
	}
	// Removing a batch un-revokes its rids.
	x.Now = func() time.Time { return t0 }
	if !x.Remove("us-crl") {
		t.Fatal("Remove")
	}
	if r := x.Revoked(&verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "FKDIxsTCGlU", IssuedAt: t0}); r != nil {
		t.Errorf("a removed batch revokes: %+v", r)
	}
}

// A persisted SHCRID batch loads back with its rids and timestamp.
func TestSHCBatchSaveLoad(t *testing.T) {
	l, _ := ParseSHCList([]byte(exampleCRL))
	bs, err := SHCBatches(shcHeader("us-crl"), l)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "revocation")
	s := &State{Source: "https://gw", Version: 2}
	bodies := map[string][]byte{}
	for i, b := range bs {
		body := b.Marshal()
		bodies[b.ID] = body
		s.Batches = append(s.Batches, StateBatch{Seq: int64(i + 1), Info: InfoOf(b, sha256Sum(body), 1000)})
	}
	if err := Save(dir, s, bodies); err != nil {
		t.Fatal(err)
	}
	x, st, err := Load(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches[1].RevokedBefore.IsZero() || st.Batches[1].Iss != exampleIss {
		t.Errorf("state: %+v", st.Batches[1])
	}
	kid, _ := base64.RawURLEncoding.DecodeString(exampleKID)
	if r := x.Revoked(&verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "vwAjHdarZuc", IssuedAt: time.Unix(1687450764, 0)}); r == nil {
		t.Error("not revoked after loading")
	}
	if r := x.Revoked(&verify.RevocationQuery{KID: kid, Issuer: exampleIss, RID: "vwAjHdarZuc", IssuedAt: time.Unix(1687450765, 0)}); r != nil {
		t.Errorf("revoked after its timestamp: %+v", r)
	}
}

// BenchmarkRevokedSHC measures the check of a SMART card's query against
// its key's 75,000 rids (and a million HC1 entries beside them).
func BenchmarkRevokedSHC(b *testing.B) {
	x := NewIndex()
	x.Now = func() time.Time { return t0 }
	rids := make([]string, limits.MaxRevocationSHCEntries)
	for i := range rids {
		rids[i] = base64.RawURLEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, uint64(i)*0x9e3779b97f4a7c15))
	}
	bt, err := NewSHCBatch(shcHeader("shc"), rids)
	if err != nil {
		b.Fatal(err)
	}
	if err := x.Add(bt); err != nil {
		b.Fatal(err)
	}
	kid, _ := base64.RawURLEncoding.DecodeString(exampleKID)
	hit := &verify.RevocationQuery{Format: verify.FormatSHC, KID: kid, Issuer: exampleIss, RID: rids[123], IssuedAt: t0}
	miss := &verify.RevocationQuery{Format: verify.FormatSHC, KID: kid, Issuer: exampleIss, RID: "notRevoked1", IssuedAt: t0}
	if x.Revoked(hit) == nil || x.Revoked(miss) != nil {
		b.Fatal("inexact")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		q := miss
		if i%2 == 0 {
			q = hit
		}
		if (x.Revoked(q) != nil) != (q == hit) {
			b.Fatal("inexact")
		}
	}
}
