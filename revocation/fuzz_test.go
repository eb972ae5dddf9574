package revocation

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"testing"
)

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

func FuzzParseBatch(f *testing.F) {
	b, _ := NewBatch(header("seed", HashUCI), []Hash{HashOfUCI("a"), HashOfUCI("b")})
	f.Add(b.Marshal())
	b2, _ := NewBatch(header("seed-2", HashSignature), []Hash{HashOfUCI("c")})
	f.Add(b2.Marshal())
	f.Add([]byte(Magic))
	h := shcHeader("seed-shc")
	h.RevokedBefore = t0
	b3, _ := NewSHCBatch(h, []string{"FKDIxsTCGlU", "TqB_qu_6OtM"})
	f.Add(b3.Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBatch(data)
		if err != nil {
			if b != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		if !bytes.Equal(b.Marshal(), data) {
			t.Fatal("an accepted body is not canonical")
		}
	})
}

func FuzzParseState(f *testing.F) {
	b, _ := NewBatch(header("seed", HashUCI), []Hash{HashOfUCI("a")})
	s := State{Format: StateFormat, Source: "https://gw", Version: 3, Synced: t0,
		Batches: []StateBatch{{Seq: 2, Info: InfoOf(b, sha256Sum(b.Marshal()), 900)}}}
	data, _ := json.Marshal(s)
	f.Add(data)
	f.Add([]byte(`{"format":"ithc-revocation-state/1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseState(data)
		if err != nil {
			if s != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseState(again); err != nil {
			t.Fatalf("a parsed state does not parse again: %v", err)
		}
	})
}

func FuzzParseDeleteRequest(f *testing.F) {
	f.Add(DeleteRequest{Country: "CN", Batch: "b1"}.Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDeleteRequest(data)
		if err != nil {
			if d != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		if _, err := ParseDeleteRequest(d.Marshal()); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseSHCList(f *testing.F) {
	f.Add([]byte(exampleCRL))
	f.Add([]byte(`{"kid":"` + exampleKID + `","method":"rid","ctr":"0012","rids":["a.0001","b"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseSHCList(data)
		if err != nil {
			if l != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		canon := l.Marshal()
		again, err := ParseSHCList(canon)
		if err != nil {
			t.Fatalf("the canonical form %s does not parse: %v", canon, err)
		}
		if !bytes.Equal(again.Marshal(), canon) {
			t.Fatalf("the canonical form changes: %s, then %s", canon, again.Marshal())
		}
		if len(l.Revoked) == 0 {
			return
		}
		// Whatever parses converts to batches and back.
		bs, err := SHCBatches(shcHeader("fuzz"), l)
		if err != nil {
			t.Fatal(err)
		}
		if back := SHCListOf(exampleIss, l.KID, l.Ctr, bs).Marshal(); !bytes.Equal(back, canon) {
			t.Fatalf("through batches: %s, want %s", back, canon)
		}
	})
}
