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
