package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/internal/testca"
)

// Fuzz feeds arbitrary records to a store: Insert, Replace or Delete
// (chosen by op) of an entry made of the fuzzed fields. A write either
// succeeds, and then Get returns exactly what was written and the last
// audit record is its record, or fails with one of the store's errors and
// leaves the version unchanged; it never panics or stores part of a
// record. Seeds are a real document signer, a value set, a rule and
// malformed variants. open makes an empty store, closed when tb ends.
func Fuzz(f *testing.F, open func(tb testing.TB) store.Store) {
	dsc := testca.New(f, "DE").DSC()
	kid := base64.StdEncoding.EncodeToString(dsc.KID)
	der := dsc.Certificate.Raw
	vs := []byte(`{"valueSetId":"vaccines-covid-19-names","valueSetDate":"2021-04-27","valueSetValues":{"EU/1/20/1528":{"display":"Comirnaty","lang":"en","active":true}}}`)
	rule := []byte(`{"Identifier":"VR-DE-0001","Type":"Acceptance","Country":"DE","Version":"1.0.0","Logic":{"!":[{"var":"payload.v.0"}]}}`)
	fp := sha256.Sum256([]byte("tls"))

	f.Add(byte(0), "signer", kid, "DE", "DSC", der, []byte("cms"), true, "signer.upload", fp[:], []byte("cms"))
	f.Add(byte(1), "valueset", "vaccines-covid-19-names", "", "", vs, []byte{}, true, "valueset.load", []byte{}, []byte{})
	f.Add(byte(1), "rule", "VR-DE-0001", "DE", "Acceptance", rule, []byte("cms"), true, "rule.upload", fp[:], []byte("cms"))
	f.Add(byte(2), "signer", kid, "DE", "", []byte{}, []byte("cms delete"), false, "signer.delete", fp[:], []byte("cms delete"))
	f.Add(byte(0), "signer", kid+" ", "DE", "DSC", der, []byte("cms"), true, "signer.upload", fp[:], []byte("cms"))
	f.Add(byte(0), "signer", kid, "de", "DSC", der, []byte("cms"), false, "signer.upload", fp[:31], []byte("cms"))
	f.Add(byte(0), "Signer", "\x00", "D\xff", "DS\nC", der[:10], []byte("cms"), true, "", fp[:], []byte("\x00"))

	s := open(f)
	f.Fuzz(func(t *testing.T, op byte, kind, id, country, typ string, data, sig []byte, goodThumb bool, action string, caller, request []byte) {
		ctx := context.Background()
		v0, err := s.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := &store.AuditRecord{Time: time.Now(), Country: country, Caller: caller, Action: action, Request: request}
		var want *store.Entry
		switch op % 3 {
		case 0, 1:
			e := &store.Entry{Kind: kind, ID: id, Country: country, Type: typ, Data: data, Signature: sig}
			e.Thumbprint = make([]byte, sha256.Size)
			if goodThumb {
				sum := sha256.Sum256(data)
				e.Thumbprint = sum[:]
			}
			if op%3 == 0 {
				err = s.Insert(ctx, e, a)
			} else {
				err = s.Replace(ctx, e, a)
			}
			want = e
		case 2:
			want, err = s.Delete(ctx, kind, id, sig, a)
		}
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrConflict) &&
				!errors.Is(err, store.ErrDeleted) && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("write failed with an error outside the contract: %v", err)
			}
			if v, err := s.Version(ctx); err != nil || v != v0 {
				t.Fatalf("a refused write changed the version from %d to %d (%v)", v0, v, err)
			}
			return
		}
		got, err := s.Get(ctx, want.Kind, want.ID)
		if err != nil {
			t.Fatalf("Get() after a write that succeeded: %v", err)
		}
		if d := sameEntry(got, want); d != "" {
			t.Fatalf("Get() after a write: %s", d)
		}
		if got.Seq != v0+1 || a.EntrySeq != got.Seq {
			t.Fatalf("write took Seq %d (audit %d), want %d", got.Seq, a.EntrySeq, v0+1)
		}
		as, err := s.Audit(ctx, store.AuditFilter{Since: a.Seq - 1})
		if err != nil || len(as) != 1 {
			t.Fatalf("Audit(since %d) = %d records, %v; want 1", a.Seq-1, len(as), err)
		}
		if d := sameAudit(as[0], a); d != "" {
			t.Fatalf("audit record: %s", d)
		}
	})
}
