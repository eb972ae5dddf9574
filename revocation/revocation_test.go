package revocation

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/verify"
)

var (
	t0      = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	testKID = []byte{1, 2, 3, 4, 5, 6, 7, 8}
)

func header(id string, typ HashType) Header {
	return Header{ID: id, Country: "CN", KID: base64.StdEncoding.EncodeToString(testKID), HashType: typ.String(),
		Created: t0, Expires: t0.AddDate(1, 0, 0), Reason: "issued in error"}
}

// The three hash types, against sha256sum of the same bytes.
func TestHashes(t *testing.T) {
	const uci = "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"
	for _, tc := range []struct {
		name string
		got  Hash
		want string
	}{
		{"UCI", HashOfUCI(uci), "4c0fe0260eb1a32503a9e1258744265c"},
		{"COUNTRYCODEUCI", HashOfCountryUCI("AT", uci), "c858457924125662298b400d12210760"},
		{"SIGNATURE ECDSA (r only)", HashOfSignature([]byte{1, 2, 3, 4, 9, 9, 9, 9}, true), "9f64a747e1b97f131fabb6b447296c9b"},
		{"SIGNATURE other", HashOfSignature([]byte{1, 2, 3, 4, 5, 6, 7, 8}, false), "66840dda154e8a113c31dd0ad32f7f3a"},
	} {
		if got := hex.EncodeToString(tc.got[:]); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
		}
	}
	// An ECDSA signature with s replaced (n−s) has the same entry.
	if HashOfSignature([]byte{1, 2, 3, 4, 5, 6, 7, 8}, true) != HashOfSignature([]byte{1, 2, 3, 4, 0xff, 0xfe, 0xfd, 0xfc}, true) {
		t.Error("the SIGNATURE entry of an ECDSA signature depends on s")
	}
	for _, s := range []string{"uci", "CountryCodeUCI", "SIGNATURE"} {
		if _, err := ParseHashType(s); err != nil {
			t.Errorf("ParseHashType(%q): %v", s, err)
		}
	}
	if _, err := ParseHashType("SHA1"); err == nil {
		t.Error("ParseHashType(SHA1) succeeded")
	}
}

func TestBatchRoundTrip(t *testing.T) {
	entries := []Hash{HashOfUCI("b"), HashOfUCI("a"), HashOfUCI("b")}
	b, err := NewBatch(header("x1", HashUCI), entries)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Entries) != 2 || b.Entries[0].Compare(b.Entries[1]) >= 0 {
		t.Fatalf("NewBatch did not sort and deduplicate: %x", b.Entries)
	}
	body := b.Marshal()
	p, err := ParseBatch(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Marshal(), body) || p.ID != "x1" || p.Type != HashUCI || !bytes.Equal(p.KIDRaw, testKID) || !p.Expires.Equal(b.Expires) {
		t.Errorf("round trip: %+v", p)
	}
}

// Hostile and malformed bodies are refused with a reason.
func TestParseBatchRefusals(t *testing.T) {
	good, err := NewBatch(header("x1", HashUCI), []Hash{HashOfUCI("a"), HashOfUCI("b")})
	if err != nil {
		t.Fatal(err)
	}
	body := good.Marshal()
	hdrEnd := len(Magic) + 2 + int(body[len(Magic)])<<8 + int(body[len(Magic)+1])
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), body...)) }
	withHeader := func(h string) []byte {
		out := append([]byte(Magic), byte(len(h)>>8), byte(len(h)))
		out = append(out, h...)
		return append(out, body[hdrEnd:]...)
	}
	for _, tc := range []struct {
		name, want string
		body       []byte
	}{
		{"empty", "does not start", nil},
		{"magic", "does not start", mutate(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"truncated entries", "bytes of entries", body[:len(body)-1]},
		{"trailing byte", "bytes of entries", append(append([]byte(nil), body...), 0)},
		{"unsorted", "not greater", mutate(func(b []byte) []byte {
			n := len(b)
			e1 := append([]byte(nil), b[n-32:n-16]...)
			copy(b[n-32:], b[n-16:])
			copy(b[n-16:], e1)
			return b
		})},
		{"duplicate", "not greater", mutate(func(b []byte) []byte { n := len(b); copy(b[n-16:], b[n-32:n-16]); return b })},
		{"zero count", "entries, want", mutate(func(b []byte) []byte {
			copy(b[hdrEnd:], []byte{0, 0, 0, 0})
			return b[:hdrEnd+4]
		})},
		{"huge count", "entries, want", mutate(func(b []byte) []byte { copy(b[hdrEnd:], []byte{0xff, 0xff, 0xff, 0xff}); return b })},
		{"header ends early", "ends inside", []byte(Magic + "\x00\xff{}")},
		{"unknown field", "unknown field", withHeader(`{"id":"x1","country":"CN","kid":"AQIDBAUGBwg=","hashType":"UCI","created":"2026-03-01T12:00:00Z","expires":"2027-03-01T12:00:00Z","extra":1}`)},
		{"not canonical", "canonical", withHeader(`{"country":"CN","id":"x1","kid":"AQIDBAUGBwg=","hashType":"UCI","created":"2026-03-01T12:00:00Z","expires":"2027-03-01T12:00:00Z","reason":"issued in error"}`)},
		{"lowercase type", "hash type", withHeader(`{"id":"x1","country":"CN","kid":"AQIDBAUGBwg=","hashType":"uci","created":"2026-03-01T12:00:00Z","expires":"2027-03-01T12:00:00Z"}`)},
		{"bad country", "country", withHeader(`{"id":"x1","country":"cn","kid":"AQIDBAUGBwg=","hashType":"UCI","created":"2026-03-01T12:00:00Z","expires":"2027-03-01T12:00:00Z"}`)},
		{"bad kid", "kid", withHeader(`{"id":"x1","country":"CN","kid":"!!","hashType":"UCI","created":"2026-03-01T12:00:00Z","expires":"2027-03-01T12:00:00Z"}`)},
		{"bad id", "identifier", withHeader(`{"id":"../x","country":"CN","kid":"AQIDBAUGBwg=","hashType":"UCI","created":"2026-03-01T12:00:00Z","expires":"2027-03-01T12:00:00Z"}`)},
		{"expires before created", "not after", withHeader(`{"id":"x1","country":"CN","kid":"AQIDBAUGBwg=","hashType":"UCI","created":"2026-03-01T12:00:00Z","expires":"2025-03-01T12:00:00Z"}`)},
		{"control in reason", "control", withHeader(`{"id":"x1","country":"CN","kid":"AQIDBAUGBwg=","hashType":"UCI","created":"2026-03-01T12:00:00Z","expires":"2027-03-01T12:00:00Z","reason":"a\nb"}`)},
	} {
		b, err := ParseBatch(tc.body)
		if err == nil || b != nil || !errors.Is(err, ErrBatch) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseBatch() = %v, %v; want an error mentioning %q", tc.name, b, err, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	n := 2*200000 + 5
	entries := make([]Hash, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range entries {
		fill(rng, &entries[i])
	}
	bs, err := Split(header("big", HashUCI), entries)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].ID != "big-1" || bs[2].ID != "big-3" || len(bs[2].Entries) != 5 {
		t.Fatalf("Split: %d batches", len(bs))
	}
}

// The index answers exactly what a map of the same entries answers,
// through additions (with merges), removals and compaction.
func TestIndexMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := NewIndex()
	x.Now = func() time.Time { return t0.Add(time.Hour) }
	want := map[Hash]map[string]bool{}
	var all []Hash
	sizes := []int{5, 3000, 70000, 1, 190000, 200, 200}
	for i, n := range sizes {
		entries := make([]Hash, n)
		for j := range entries {
			if j%7 == 0 && len(all) > 0 {
				entries[j] = all[rng.IntN(len(all))] // shared with another batch
			} else {
				fill(rng, &entries[j])
			}
		}
		b, err := NewBatch(header(fmt.Sprintf("b%d", i), HashUCI), entries)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Add(b); err != nil {
			t.Fatal(err)
		}
		for _, e := range b.Entries {
			if want[e] == nil {
				want[e] = map[string]bool{}
			}
			want[e][b.ID] = true
			all = append(all, e)
		}
	}
	if err := x.Add(&Batch{Header: header("b0", HashUCI), Type: HashUCI, Entries: all[:1]}); err == nil {
		t.Error("a batch added twice was accepted")
	}
	check := func(stage string) {
		t.Helper()
		for _, e := range all[:min(len(all), 50000)] {
			r := x.Lookup(testKID, HashUCI, e)
			if ids := want[e]; len(ids) == 0 {
				if r != nil {
					t.Fatalf("%s: %x found in %s, but no batch holds it", stage, e, r.Batch)
				}
			} else if r == nil || !ids[r.Batch] {
				t.Fatalf("%s: %x: %+v, want one of %v", stage, e, r, ids)
			}
		}
		for i := 0; i < 50000; i++ {
			var h Hash
			fill(rng, &h)
			if r := x.Lookup(testKID, HashUCI, h); r != nil && len(want[h]) == 0 {
				t.Fatalf("%s: false positive %x", stage, h)
			}
		}
		if r := x.Lookup([]byte("other"), HashUCI, all[0]); r != nil {
			t.Fatalf("%s: found under another kid", stage)
		}
		if r := x.Lookup(testKID, HashSignature, all[0]); r != nil {
			t.Fatalf("%s: found under another hash type", stage)
		}
	}
	check("after adding")
	for _, id := range []string{"b2", "b3"} {
		if !x.Remove(id) {
			t.Fatalf("Remove(%s) = false", id)
		}
		for e, ids := range want {
			delete(ids, id)
			if len(ids) == 0 {
				delete(want, e)
			}
		}
	}
	if x.Remove("b2") {
		t.Error("Remove of a removed batch = true")
	}
	check("after removing")
	runs := x.Stats().Runs
	x.Compact()
	if s := x.Stats(); s.Runs != 1 || runs < 2 {
		t.Errorf("runs %d before and %d after Compact", runs, s.Runs)
	}
	check("after compacting")
	if s := x.Stats(); s.Batches != len(sizes)-2 {
		t.Errorf("stats %+v", s)
	}
}

// Revoked hashes the query per hash type, and an expired batch no longer
// revokes.
func TestRevoked(t *testing.T) {
	now := t0.Add(time.Hour)
	x := NewIndex()
	x.Now = func() time.Time { return now }
	sig := []byte{9, 9, 9, 9, 1, 1, 1, 1}
	for _, b := range []struct {
		id string
		t  HashType
		h  Hash
	}{{"u", HashUCI, HashOfUCI("U1")}, {"c", HashCountryCodeUCI, HashOfCountryUCI("CN", "U2")}, {"s", HashSignature, HashOfSignature(sig, true)}} {
		batch, err := NewBatch(header(b.id, b.t), []Hash{b.h})
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Add(batch); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    verify.RevocationQuery
		want string
	}{
		{verify.RevocationQuery{KID: testKID, Country: "CN", UCIs: []string{"U1"}}, "u"},
		{verify.RevocationQuery{KID: testKID, Country: "CN", UCIs: []string{"x", "U2"}}, "c"},
		{verify.RevocationQuery{KID: testKID, Country: "FR", UCIs: []string{"U2"}}, ""},
		{verify.RevocationQuery{KID: testKID, Country: "CN", Signature: []byte{9, 9, 9, 9, 2, 2, 2, 2}, ECDSA: true}, "s"},
		{verify.RevocationQuery{KID: testKID, Country: "CN", Signature: sig}, ""},
		{verify.RevocationQuery{KID: []byte{1}, Country: "CN", UCIs: []string{"U1"}}, ""},
	} {
		r := x.Revoked(&tc.q)
		got := ""
		if r != nil {
			got = r.Batch
			if r.Reason != "issued in error" || !r.Date.Equal(t0) {
				t.Errorf("%+v: revocation %+v", tc.q, r)
			}
		}
		if got != tc.want {
			t.Errorf("Revoked(%+v) = %q, want %q", tc.q, got, tc.want)
		}
	}
	now = t0.AddDate(2, 0, 0)
	if r := x.Revoked(&verify.RevocationQuery{KID: testKID, UCIs: []string{"U1"}}); r != nil {
		t.Errorf("an expired batch still revokes: %+v", r)
	}
}

// Save and Load round trip; a damaged body fails the load; the previous
// copy is kept and used when the current one is missing.
func TestSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "revocation")
	b, err := NewBatch(header("b1", HashUCI), []Hash{HashOfUCI("U1")})
	if err != nil {
		t.Fatal(err)
	}
	body := b.Marshal()
	s := &State{Source: "https://gw", Version: 7, Batches: []StateBatch{{Seq: 5, Info: InfoOf(b, sha256Sum(body), 1000)}}}
	if err := Save(dir, s, map[string][]byte{"b1": body}); err != nil {
		t.Fatal(err)
	}
	x, got, err := Load(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 7 || x.Lookup(testKID, HashUCI, HashOfUCI("U1")) == nil {
		t.Fatalf("loaded %+v", got)
	}
	// A second save links the unchanged body and keeps the first copy.
	s.Version = 8
	if err := Save(dir, s, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir+".prev", FileState)); err != nil {
		t.Errorf("no previous copy: %v", err)
	}
	if _, _, err := Load(dir, t0.AddDate(5, 0, 0)); err != nil {
		t.Errorf("load after expiry: %v", err)
	}
	// Damage the current body (a new file: the previous copy shares the
	// old one by a hard link).
	os.Remove(BodyPath(dir, "b1"))
	if err := os.WriteFile(BodyPath(dir, "b1"), append(body[:len(body)-1], 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(dir, t0); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("load of a damaged body: %v", err)
	}
	os.RemoveAll(dir)
	if _, st, err := Load(dir, t0); err != nil || st.Version != 7 {
		t.Errorf("load with only the previous copy: %v, %+v", err, st)
	}
}

func TestParseStateRefusals(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"format", `{"format":"x","source":"","version":0,"synced":"2026-01-01T00:00:00Z","batches":[]}`, "format"},
		{"unknown", `{"format":"ithc-revocation-state/1","x":1}`, "unknown field"},
		{"trailing", `{"format":"ithc-revocation-state/1","source":"","version":0,"synced":"2026-01-01T00:00:00Z","batches":[]} {}`, "after"},
		{"seq beyond version", `{"format":"ithc-revocation-state/1","source":"","version":1,"synced":"2026-01-01T00:00:00Z","batches":[{"seq":2,"id":"a","country":"CN","kid":"AQ==","hashType":"UCI","count":1,"created":"2026-01-01T00:00:00Z","expires":"2027-01-01T00:00:00Z","body":"` + strings.Repeat("0", 64) + `","size":1}]}`, "sequence"},
		{"bad body hash", `{"format":"ithc-revocation-state/1","source":"","version":1,"synced":"2026-01-01T00:00:00Z","batches":[{"seq":1,"id":"a","country":"CN","kid":"AQ==","hashType":"UCI","count":1,"created":"2026-01-01T00:00:00Z","expires":"2027-01-01T00:00:00Z","body":"zz","size":1}]}`, "body hash"},
	} {
		if s, err := ParseState([]byte(tc.data)); err == nil || s != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseState() = %v, %v; want an error mentioning %q", tc.name, s, err, tc.want)
		}
	}
}

// AddAll builds the same answers as Add, in one run per partition and
// hash type.
func TestAddAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var bs []*Batch
	var all []Hash
	for i, n := range []int{1000, 1, 5000, 20000} {
		entries := make([]Hash, n)
		for j := range entries {
			fill(rng, &entries[j])
		}
		if i == 3 {
			entries[0] = all[0] // in two batches
		}
		typ := HashUCI
		if i == 2 {
			typ = HashSignature
		}
		b, err := NewBatch(header(fmt.Sprintf("a%d", i), typ), entries)
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
		all = append(all, b.Entries...)
	}
	x := NewIndex()
	x.Now = func() time.Time { return t0 }
	if err := x.AddAll(bs); err != nil {
		t.Fatal(err)
	}
	if s := x.Stats(); s.Runs != 2 || s.Entries != 26001 {
		t.Errorf("stats %+v, want 2 runs of 26001 entries", s)
	}
	for _, b := range bs {
		for _, e := range b.Entries {
			if x.Lookup(testKID, b.Type, e) == nil {
				t.Fatalf("%x of %s not found", e, b.ID)
			}
		}
	}
	if err := x.AddAll(bs[:1]); err == nil {
		t.Error("AddAll of a held batch succeeded")
	}
	x.Remove("a3")
	if r := x.Lookup(testKID, HashUCI, all[0]); r == nil || r.Batch != "a0" {
		t.Errorf("an entry of two batches after removing one: %+v", r)
	}
	if r := x.Lookup(testKID, HashUCI, bs[3].Entries[1]); r != nil {
		t.Errorf("an entry of the removed batch: %+v", r)
	}
}

// Lookups run while batches are added and removed (run with -race).
func TestIndexConcurrent(t *testing.T) {
	x := NewIndex()
	x.Now = func() time.Time { return t0 }
	keep, err := NewBatch(header("keep", HashUCI), []Hash{HashOfUCI("kept")})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Add(keep); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() {
		defer close(done)
		rng := rand.New(rand.NewPCG(7, 8))
		for i := 0; i < 40; i++ {
			entries := make([]Hash, 2000)
			for j := range entries {
				fill(rng, &entries[j])
			}
			b, err := NewBatch(header(fmt.Sprintf("c%d", i), HashUCI), entries)
			if err != nil {
				t.Error(err)
				return
			}
			if err := x.Add(b); err != nil {
				t.Error(err)
				return
			}
			if i%3 == 0 {
				x.Remove(b.ID)
			}
			if i%10 == 0 {
				x.Compact()
			}
		}
	}()
	q := &verify.RevocationQuery{KID: testKID, UCIs: []string{"kept"}}
	for n := 0; ; n++ {
		select {
		case <-done:
			if s := x.Stats(); s.Batches != 1+40-14 {
				t.Errorf("stats %+v", s)
			}
			return
		default:
		}
		if r := x.Revoked(q); r == nil || r.Batch != "keep" {
			t.Fatalf("lookup %d during updates: %+v", n, r)
		}
	}
}
