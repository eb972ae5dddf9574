// Package storetest is the behaviour every store.Store must show, as tests
// that run against any implementation: Run exercises the whole contract
// (conflicts, tombstones, replace, list filters and versions, the audit
// log, concurrency, persistence, refused records), Crash kills a writing
// process and checks what survived, Benchmark measures inserts and lists,
// and Fuzz feeds arbitrary records to a store.
//
// OpenSQLite, OpenPostgres and PostgresDSN give tests a fresh store (or a
// fresh PostgreSQL schema) that is removed when the test ends. PostgreSQL
// is found at DefaultPostgres or ITHC_TEST_POSTGRES; when it is unreachable
// the test skips with a message, except under CI=true, where it fails.
//
// The package imports both implementations, so their own tests use it from
// external test packages (package sqlite_test, package postgres_test).
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/testca"
)

// Run runs the contract tests, each on a store of its own from open, which
// must return an empty store and arrange for it to be closed when t ends.
// When the store implements Reopener, persistence across Close and reopen
// is tested too.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s store.Store)
	}{
		{"Empty", testEmpty},
		{"InsertGet", testInsertGet},
		{"Conflict", testConflict},
		{"Advance", testAdvance},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"List", testList},
		{"Audit", testAudit},
		{"Invalid", testInvalid},
		{"Cancelled", testCancelled},
		{"ConcurrentInserts", testConcurrentInserts},
		{"ConcurrentSameID", testConcurrentSameID},
		{"ConcurrentStores", testConcurrentStores},
		{"Reopen", testReopen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, open(t)) })
	}
}

// NewEntry returns an entry ready for Insert: kind, ID, country and type
// as given, data as its content, its SHA-256 as thumbprint, and a made-up
// signed request as signature.
func NewEntry(kind, id, country, typ string, data []byte) *store.Entry {
	sum := sha256.Sum256(data)
	return &store.Entry{
		Kind:       kind,
		ID:         id,
		Country:    country,
		Type:       typ,
		Thumbprint: sum[:],
		Data:       data,
		Signature:  []byte("signed request for " + kind + " " + id),
	}
}

// NewAudit returns an audit record of a write by country (the operator
// when empty) at now, with a caller fingerprint derived from the country
// and request as the request body.
func NewAudit(country, action string, request []byte) *store.AuditRecord {
	a := &store.AuditRecord{Time: time.Now(), Country: country, Action: action, Request: request}
	if country != "" {
		sum := sha256.Sum256([]byte("tls client certificate of " + country))
		a.Caller = sum[:]
	}
	return a
}

// binaryRequest is a request body holding every byte value, NULs included,
// so that a store that mangles bytes is caught.
func binaryRequest(tag string) []byte {
	b := []byte("request " + tag + ":")
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, 0, 0)
}

// signer returns a real document signer of a fake country PKI as a signer
// entry: its DER as data, its key identifier in base64 as ID.
func signer(t *testing.T, ca *testca.CA) *store.Entry {
	t.Helper()
	dsc := ca.NewDSC()
	return NewEntry(store.KindSigner, base64.StdEncoding.EncodeToString(dsc.KID), ca.Country, "DSC", dsc.Certificate.Raw)
}

// sameEntry reports how got differs from want, comparing every field.
func sameEntry(got, want *store.Entry) string {
	var d []string
	if got == nil || want == nil {
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	if got.Seq != want.Seq {
		d = append(d, fmt.Sprintf("Seq %d, want %d", got.Seq, want.Seq))
	}
	if got.Kind != want.Kind || got.ID != want.ID {
		d = append(d, fmt.Sprintf("key %s %q, want %s %q", got.Kind, got.ID, want.Kind, want.ID))
	}
	if got.Country != want.Country || got.Type != want.Type {
		d = append(d, fmt.Sprintf("country/type %q/%q, want %q/%q", got.Country, got.Type, want.Country, want.Type))
	}
	if !bytes.Equal(got.Thumbprint, want.Thumbprint) {
		d = append(d, fmt.Sprintf("Thumbprint %x, want %x", got.Thumbprint, want.Thumbprint))
	}
	if !bytes.Equal(got.Data, want.Data) {
		d = append(d, fmt.Sprintf("Data differs (%d bytes, want %d)", len(got.Data), len(want.Data)))
	}
	if !bytes.Equal(got.Signature, want.Signature) {
		d = append(d, fmt.Sprintf("Signature %q, want %q", got.Signature, want.Signature))
	}
	if !got.Created.Equal(want.Created) || !got.Updated.Equal(want.Updated) {
		d = append(d, fmt.Sprintf("Created/Updated %v/%v, want %v/%v", got.Created, got.Updated, want.Created, want.Updated))
	}
	if got.Deleted != want.Deleted {
		d = append(d, fmt.Sprintf("Deleted %v, want %v", got.Deleted, want.Deleted))
	}
	return strings.Join(d, "; ")
}

func sameAudit(got, want *store.AuditRecord) string {
	var d []string
	if got.Seq != want.Seq || got.EntrySeq != want.EntrySeq {
		d = append(d, fmt.Sprintf("Seq/EntrySeq %d/%d, want %d/%d", got.Seq, got.EntrySeq, want.Seq, want.EntrySeq))
	}
	if !got.Time.Equal(want.Time) {
		d = append(d, fmt.Sprintf("Time %v, want %v", got.Time, want.Time))
	}
	if got.Country != want.Country || got.Action != want.Action || got.Kind != want.Kind || got.ID != want.ID {
		d = append(d, fmt.Sprintf("country/action/kind/id %q/%q/%q/%q, want %q/%q/%q/%q",
			got.Country, got.Action, got.Kind, got.ID, want.Country, want.Action, want.Kind, want.ID))
	}
	if !bytes.Equal(got.Caller, want.Caller) {
		d = append(d, fmt.Sprintf("Caller %x, want %x", got.Caller, want.Caller))
	}
	if !bytes.Equal(got.Request, want.Request) {
		d = append(d, fmt.Sprintf("Request %q, want %q", got.Request, want.Request))
	}
	return strings.Join(d, "; ")
}

func mustInsert(t *testing.T, s store.Store, e *store.Entry, a *store.AuditRecord) {
	t.Helper()
	if err := s.Insert(context.Background(), e, a); err != nil {
		t.Fatalf("Insert(%s %s) = %v", e.Kind, e.ID, err)
	}
}

func mustGet(t *testing.T, s store.Store, kind, id string) *store.Entry {
	t.Helper()
	e, err := s.Get(context.Background(), kind, id)
	if err != nil {
		t.Fatalf("Get(%s %s) = %v", kind, id, err)
	}
	return e
}

func version(t *testing.T, s store.Store) int64 {
	t.Helper()
	v, err := s.Version(context.Background())
	if err != nil {
		t.Fatalf("Version() = %v", err)
	}
	return v
}

func audit(t *testing.T, s store.Store, f store.AuditFilter) []*store.AuditRecord {
	t.Helper()
	as, err := s.Audit(context.Background(), f)
	if err != nil {
		t.Fatalf("Audit(%+v) = %v", f, err)
	}
	return as
}

func list(t *testing.T, s store.Store, f store.Filter) ([]*store.Entry, int64) {
	t.Helper()
	es, v, err := s.List(context.Background(), f)
	if err != nil {
		t.Fatalf("List(%+v) = %v", f, err)
	}
	return es, v
}

// unchanged checks that a refused write stored nothing: the version and
// the audit log are as before.
func unchanged(t *testing.T, s store.Store, what string, v0 int64, audits0 int) {
	t.Helper()
	if v := version(t, s); v != v0 {
		t.Errorf("%s: version %d after a refused write, want %d", what, v, v0)
	}
	if n := len(audit(t, s, store.AuditFilter{})); n != audits0 {
		t.Errorf("%s: %d audit records after a refused write, want %d", what, n, audits0)
	}
}

func testEmpty(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping() = %v", err)
	}
	if v := version(t, s); v != 0 {
		t.Errorf("Version() of an empty store = %d, want 0", v)
	}
	if es, v := list(t, s, store.Filter{Deleted: true}); len(es) != 0 || v != 0 {
		t.Errorf("List() of an empty store = %d entries at version %d, want none at 0", len(es), v)
	}
	if as := audit(t, s, store.AuditFilter{}); len(as) != 0 {
		t.Errorf("Audit() of an empty store = %d records, want none", len(as))
	}
	if _, err := s.Get(ctx, store.KindSigner, "AAAAAAAAAAA="); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get() in an empty store = %v, want ErrNotFound", err)
	}
}

func testInsertGet(t *testing.T, s store.Store) {
	ca := testca.New(t, "DE")
	e := signer(t, ca)
	a := NewAudit("DE", "signer.upload", binaryRequest("upload"))
	before := a.Time
	mustInsert(t, s, e, a)

	if e.Seq <= 0 {
		t.Fatalf("Insert set Seq %d, want > 0", e.Seq)
	}
	if d := a.Time.Sub(before); d < -time.Microsecond || d > 0 {
		t.Errorf("Insert moved a.Time from %v to %v, want it at most truncated to the microsecond", before, a.Time)
	}
	if !e.Created.Equal(a.Time) || !e.Updated.Equal(a.Time) {
		t.Errorf("Insert set Created %v, Updated %v, want both %v (a.Time)", e.Created, e.Updated, a.Time)
	}
	if a.Seq <= 0 || a.EntrySeq != e.Seq {
		t.Errorf("Insert set a.Seq %d, a.EntrySeq %d, want > 0 and %d", a.Seq, a.EntrySeq, e.Seq)
	}
	if a.Kind != e.Kind || a.ID != e.ID {
		t.Errorf("audit record names %s %q, want %s %q", a.Kind, a.ID, e.Kind, e.ID)
	}
	got := mustGet(t, s, e.Kind, e.ID)
	if d := sameEntry(got, e); d != "" {
		t.Errorf("Get() after Insert: %s", d)
	}
	if v := version(t, s); v != e.Seq {
		t.Errorf("Version() = %d, want %d", v, e.Seq)
	}

	// A second entry takes a higher Seq; the same ID under another kind is
	// another entry.
	e2 := NewEntry(store.KindCSCA, e.ID, "DE", "", []byte("not really a certificate"))
	mustInsert(t, s, e2, NewAudit("", "onboard.csca", []byte("onboarding record")))
	if e2.Seq <= e.Seq {
		t.Errorf("second Insert took Seq %d, want > %d", e2.Seq, e.Seq)
	}
	if d := sameEntry(mustGet(t, s, e.Kind, e.ID), e); d != "" {
		t.Errorf("Get() of the first entry after inserting the same ID under another kind: %s", d)
	}
	if d := sameEntry(mustGet(t, s, e2.Kind, e2.ID), e2); d != "" {
		t.Errorf("Get() of the second entry: %s", d)
	}
	// An entry without signature is kept as it is.
	e3 := NewEntry(store.KindValueSet, "vaccines-covid-19-names", "", "", []byte(`{"valueSetId":"vaccines-covid-19-names"}`))
	e3.Signature = nil
	mustInsert(t, s, e3, NewAudit("", "valueset.load", nil))
	if got := mustGet(t, s, e3.Kind, e3.ID); len(got.Signature) != 0 || got.Country != "" {
		t.Errorf("Get() of an unsigned gateway entry: signature %q, country %q, want both empty", got.Signature, got.Country)
	}
}

// Advance raises the version to the one given, above the current one, and
// later writes continue from there; a version not above is refused and
// changes nothing.
func testAdvance(t *testing.T, s store.Store) {
	e := NewEntry(store.KindValueSet, "a", "", "", []byte("a"))
	mustInsert(t, s, e, NewAudit("", "valueset.load", nil))
	v0, audits0 := version(t, s), len(audit(t, s, store.AuditFilter{}))
	for _, bad := range []int64{v0, v0 - 1, 0, -5} {
		m := NewEntry("marker", fmt.Sprintf("bad-%d", bad), "", "", []byte("marker"))
		if err := s.Advance(context.Background(), bad, m, NewAudit("", "store.advance", nil)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Advance(%d) at version %d = %v, want ErrInvalid", bad, v0, err)
		}
	}
	unchanged(t, s, "a refused Advance", v0, audits0)

	m := NewEntry("marker", "restored", "", "", []byte(`{"advanced_to":1000}`))
	a := NewAudit("", "store.advance", []byte("operator"))
	if err := s.Advance(context.Background(), v0+1000, m, a); err != nil {
		t.Fatalf("Advance(%d) = %v", v0+1000, err)
	}
	if m.Seq != v0+1000 || a.EntrySeq != m.Seq {
		t.Errorf("Advance set Seq %d, audit EntrySeq %d, want %d", m.Seq, a.EntrySeq, v0+1000)
	}
	if v := version(t, s); v != v0+1000 {
		t.Errorf("Version() after Advance = %d, want %d", v, v0+1000)
	}
	if d := sameEntry(mustGet(t, s, m.Kind, m.ID), m); d != "" {
		t.Errorf("Get() of the marker: %s", d)
	}
	next := NewEntry(store.KindValueSet, "b", "", "", []byte("b"))
	mustInsert(t, s, next, NewAudit("", "valueset.load", nil))
	if next.Seq != v0+1001 {
		t.Errorf("Insert after Advance took Seq %d, want %d", next.Seq, v0+1001)
	}
	// An incremental reader at the old version sees every later write.
	es, _ := list(t, s, store.Filter{Since: v0, Kinds: []string{store.KindValueSet}})
	if len(es) != 1 || es[0].ID != "b" {
		t.Errorf("List(since %d) after Advance = %s, want b", v0, ids(es))
	}
	if err := s.Advance(context.Background(), v0+5000, NewEntry("marker", "restored", "", "", []byte("x")), NewAudit("", "store.advance", nil)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Advance with a used ID = %v, want ErrConflict", err)
	}
}

func testConflict(t *testing.T, s store.Store) {
	ctx := context.Background()
	ca := testca.New(t, "FR")
	e := signer(t, ca)
	mustInsert(t, s, e, NewAudit("FR", "signer.upload", []byte("first")))
	v0, n0 := version(t, s), len(audit(t, s, store.AuditFilter{}))

	dup := NewEntry(e.Kind, e.ID, "FR", "DSC", []byte("other data"))
	a := NewAudit("FR", "signer.upload", []byte("second"))
	if err := s.Insert(ctx, dup, a); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Insert of a live ID = %v, want ErrConflict", err)
	}
	if dup.Seq != 0 || a.Seq != 0 {
		t.Errorf("a refused Insert set Seq %d, audit Seq %d, want 0", dup.Seq, a.Seq)
	}
	unchanged(t, s, "Insert of a live ID", v0, n0)
	if d := sameEntry(mustGet(t, s, e.Kind, e.ID), e); d != "" {
		t.Errorf("the entry after a refused Insert: %s", d)
	}

	// A tombstone keeps its ID for ever.
	if _, err := s.Delete(ctx, e.Kind, e.ID, []byte("delete"), NewAudit("FR", "signer.delete", []byte("delete"))); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	v0, n0 = version(t, s), len(audit(t, s, store.AuditFilter{}))
	if err := s.Insert(ctx, NewEntry(e.Kind, e.ID, "FR", "DSC", e.Data), NewAudit("FR", "signer.upload", []byte("again"))); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Insert of a deleted ID = %v, want ErrConflict", err)
	}
	unchanged(t, s, "Insert of a deleted ID", v0, n0)
	if err := s.Replace(ctx, NewEntry(e.Kind, e.ID, "FR", "DSC", e.Data), NewAudit("FR", "signer.upload", []byte("again"))); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("Replace of a deleted ID = %v, want ErrDeleted", err)
	}
	unchanged(t, s, "Replace of a deleted ID", v0, n0)
	if got := mustGet(t, s, e.Kind, e.ID); !got.Deleted || got.Seq != v0 {
		t.Errorf("the tombstone after refused writes: Deleted %v, Seq %d, want true, %d", got.Deleted, got.Seq, v0)
	}
}

func testReplace(t *testing.T, s store.Store) {
	ctx := context.Background()
	// Replace of an absent entry inserts it.
	r := NewEntry(store.KindRule, "GR-DE-0001", "DE", "Acceptance", []byte(`{"Identifier":"GR-DE-0001","Version":"1.0.0"}`))
	a1 := NewAudit("DE", "rule.upload", []byte("v1"))
	if err := s.Replace(ctx, r, a1); err != nil {
		t.Fatalf("Replace() of an absent entry = %v", err)
	}
	first := *r
	if r.Seq <= 0 || !r.Created.Equal(a1.Time) || !r.Updated.Equal(a1.Time) || a1.EntrySeq != r.Seq {
		t.Errorf("Replace() inserting: Seq %d, Created %v, Updated %v, audit entry seq %d; want > 0, %v, %v, %d",
			r.Seq, r.Created, r.Updated, a1.EntrySeq, a1.Time, a1.Time, r.Seq)
	}
	other := NewEntry(store.KindValueSet, "country-2-codes", "", "", []byte(`{"valueSetId":"country-2-codes"}`))
	mustInsert(t, s, other, NewAudit("", "valueset.load", nil))

	r2 := NewEntry(store.KindRule, "GR-DE-0001", "DE", "Invalidation", []byte(`{"Identifier":"GR-DE-0001","Version":"1.1.0"}`))
	a2 := NewAudit("DE", "rule.upload", []byte("v2"))
	a2.Time = a1.Time.Add(time.Hour)
	if err := s.Replace(ctx, r2, a2); err != nil {
		t.Fatalf("Replace() of a live entry = %v", err)
	}
	if r2.Seq <= other.Seq {
		t.Errorf("Replace() took Seq %d, want above every earlier write (%d)", r2.Seq, other.Seq)
	}
	if !r2.Created.Equal(first.Created) || !r2.Updated.Equal(a2.Time) {
		t.Errorf("Replace() set Created %v, Updated %v, want %v (kept), %v", r2.Created, r2.Updated, first.Created, a2.Time)
	}
	if a2.EntrySeq != r2.Seq {
		t.Errorf("audit entry seq %d, want %d", a2.EntrySeq, r2.Seq)
	}
	got := mustGet(t, s, r2.Kind, r2.ID)
	if d := sameEntry(got, r2); d != "" {
		t.Errorf("Get() after Replace: %s", d)
	}
	// An incremental sync from before the replace sees the new state once.
	es, v := list(t, s, store.Filter{Since: first.Seq, Deleted: true})
	if len(es) != 2 || es[0].ID != other.ID || es[1].ID != r2.ID || v != r2.Seq {
		t.Errorf("List(since %d) = %s at version %d, want [%s %s] at %d", first.Seq, ids(es), v, other.ID, r2.ID, r2.Seq)
	}
	as := audit(t, s, store.AuditFilter{})
	if len(as) != 3 || as[2].EntrySeq != r2.Seq || !bytes.Equal(as[2].Request, []byte("v2")) || as[0].EntrySeq != first.Seq {
		t.Errorf("audit after insert, insert, replace: %d records, want 3 with entry seqs %d, %d, %d", len(as), first.Seq, other.Seq, r2.Seq)
	}
}

func ids(es []*store.Entry) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s(%d)", e.ID, e.Seq)
	}
	b.WriteByte(']')
	return b.String()
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	ca := testca.New(t, "IT")
	e := signer(t, ca)
	mustInsert(t, s, e, NewAudit("IT", "signer.upload", []byte("upload")))
	keep := signer(t, ca)
	mustInsert(t, s, keep, NewAudit("IT", "signer.upload", []byte("upload 2")))

	v0, n0 := version(t, s), len(audit(t, s, store.AuditFilter{}))
	if _, err := s.Delete(ctx, store.KindSigner, "bm90IHRoZXJl", nil, NewAudit("IT", "signer.delete", nil)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete() of a missing entry = %v, want ErrNotFound", err)
	}
	unchanged(t, s, "Delete of a missing entry", v0, n0)

	sig := binaryRequest("delete")
	a := NewAudit("IT", "signer.delete", sig)
	tomb, err := s.Delete(ctx, e.Kind, e.ID, sig, a)
	if err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	want := *e
	want.Seq, want.Signature, want.Updated, want.Deleted = v0+1, sig, a.Time, true
	if d := sameEntry(tomb, &want); d != "" {
		t.Errorf("Delete() returned: %s", d)
	}
	if a.EntrySeq != tomb.Seq || a.Seq <= int64(n0) {
		t.Errorf("Delete() audit: seq %d, entry seq %d, want above %d, %d", a.Seq, a.EntrySeq, n0, tomb.Seq)
	}
	if d := sameEntry(mustGet(t, s, e.Kind, e.ID), &want); d != "" {
		t.Errorf("Get() of the tombstone: %s", d)
	}
	if v := version(t, s); v != tomb.Seq {
		t.Errorf("Version() after Delete = %d, want %d", v, tomb.Seq)
	}
	// A full download leaves the tombstone out; an incremental sync from
	// before the delete, asking for tombstones, sees it.
	if es, v := list(t, s, store.Filter{}); len(es) != 1 || es[0].ID != keep.ID || v != tomb.Seq {
		t.Errorf("List() = %s at %d, want only %s at %d", ids(es), v, keep.ID, tomb.Seq)
	}
	if es, _ := list(t, s, store.Filter{Since: v0, Deleted: true}); len(es) != 1 || !es[0].Deleted || es[0].ID != e.ID {
		t.Errorf("List(since %d, deleted) = %s, want the tombstone of %s", v0, ids(es), e.ID)
	}
	if es, _ := list(t, s, store.Filter{Since: v0}); len(es) != 0 {
		t.Errorf("List(since %d) without tombstones = %s, want nothing", v0, ids(es))
	}

	v0, n0 = version(t, s), len(audit(t, s, store.AuditFilter{}))
	if _, err := s.Delete(ctx, e.Kind, e.ID, nil, NewAudit("IT", "signer.delete", nil)); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("Delete() of a tombstone = %v, want ErrDeleted", err)
	}
	unchanged(t, s, "Delete of a tombstone", v0, n0)
}

// testList checks every filter against a model of the store's content.
func testList(t *testing.T, s store.Store) {
	ctx := context.Background()
	de, fr := testca.New(t, "DE"), testca.New(t, "FR")
	var all []*store.Entry
	add := func(e *store.Entry, country string) *store.Entry {
		mustInsert(t, s, e, NewAudit(country, "test.insert", nil))
		all = append(all, e)
		return e
	}
	add(NewEntry(store.KindCSCA, "de-csca", "DE", "", []byte("csca DE")), "")
	add(NewEntry(store.KindCSCA, "fr-csca", "FR", "", []byte("csca FR")), "")
	for range 3 {
		add(signer(t, de), "DE")
	}
	frSigner := add(signer(t, fr), "FR")
	add(signer(t, fr), "FR")
	add(NewEntry(store.KindRule, "GR-DE-0001", "DE", "Acceptance", []byte("rule 1")), "DE")
	add(NewEntry(store.KindRule, "IR-DE-0001", "DE", "Invalidation", []byte("rule 2")), "DE")
	frRule := add(NewEntry(store.KindRule, "GR-FR-0001", "FR", "Acceptance", []byte("rule 3")), "FR")
	add(NewEntry(store.KindValueSet, "vaccines-covid-19-names", "", "", []byte("vs 1")), "")
	add(NewEntry(store.KindValueSet, "country-2-codes", "", "", []byte("vs 2")), "")
	if _, err := s.Delete(ctx, frSigner.Kind, frSigner.ID, []byte("del"), NewAudit("FR", "signer.delete", nil)); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	if err := s.Replace(ctx, NewEntry(frRule.Kind, frRule.ID, "FR", "Acceptance", []byte("rule 3 v2")), NewAudit("FR", "rule.upload", nil)); err != nil {
		t.Fatalf("Replace() = %v", err)
	}
	// The model: the current state of every entry, from Get.
	model := make([]*store.Entry, len(all))
	for i, e := range all {
		model[i] = mustGet(t, s, e.Kind, e.ID)
	}
	slices.SortFunc(model, func(a, b *store.Entry) int { return int(a.Seq - b.Seq) })
	top := model[len(model)-1].Seq
	mid := model[len(model)/2].Seq

	filters := []store.Filter{
		{},
		{Deleted: true},
		{Kinds: []string{store.KindSigner}},
		{Kinds: []string{store.KindSigner}, Deleted: true},
		{Kinds: []string{store.KindSigner, store.KindCSCA}},
		{Kinds: []string{store.KindRevocation}},
		{Country: "DE"},
		{Country: "FR", Deleted: true},
		{Country: "ZZ"},
		{Type: "Acceptance"},
		{Kinds: []string{store.KindRule}, Country: "DE", Type: "Invalidation"},
		{Since: mid},
		{Since: mid, Deleted: true},
		{Since: top},
		{Since: top + 100, Deleted: true},
		{Limit: 3},
		{Limit: 3, Since: mid, Deleted: true},
		{Limit: 1000, Deleted: true},
		{Kinds: []string{store.KindSigner}, Country: "FR", Deleted: true, Limit: 1},
	}
	for _, f := range filters {
		var want []*store.Entry
		for _, e := range model {
			if e.Seq <= f.Since || (!f.Deleted && e.Deleted) ||
				(len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind)) ||
				(f.Country != "" && e.Country != f.Country) || (f.Type != "" && e.Type != f.Type) {
				continue
			}
			if f.Limit > 0 && len(want) == f.Limit {
				break
			}
			want = append(want, e)
		}
		got, v := list(t, s, f)
		if v != top {
			t.Errorf("List(%+v) version %d, want %d (the store's, whatever the filter)", f, v, top)
		}
		if ids(got) != ids(want) {
			t.Errorf("List(%+v) = %s, want %s", f, ids(got), ids(want))
			continue
		}
		for i := range got {
			if d := sameEntry(got[i], want[i]); d != "" {
				t.Errorf("List(%+v) entry %d: %s", f, i, d)
			}
		}
	}
	// Paging by Since with a Limit visits everything once, in order.
	var paged []*store.Entry
	for since := int64(0); ; {
		es, _ := list(t, s, store.Filter{Since: since, Limit: 4, Deleted: true})
		if len(es) == 0 {
			break
		}
		paged = append(paged, es...)
		since = es[len(es)-1].Seq
	}
	if ids(paged) != ids(model) {
		t.Errorf("paging with Limit 4 = %s, want %s", ids(paged), ids(model))
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	var want []*store.AuditRecord
	for i, country := range []string{"DE", "FR", "", "DE", "FR", "DE"} {
		e := NewEntry(store.KindSigner, fmt.Sprintf("kid-%d", i), country, "DSC", []byte{byte(i)})
		a := NewAudit(country, "signer.upload", binaryRequest(fmt.Sprint(i)))
		a.Time = time.Date(2026, 1, 2, 3, 4, 5, 123456789+i, time.FixedZone("CET", 3600))
		mustInsert(t, s, e, a)
		if !a.Time.Equal(time.Date(2026, 1, 2, 2, 4, 5, 123456000, time.UTC)) {
			t.Errorf("Insert wrote back audit time %v, want it truncated to 02:04:05.123456 UTC", a.Time)
		}
		want = append(want, a)
	}
	del := NewAudit("DE", "signer.delete", []byte("delete body"))
	if _, err := s.Delete(ctx, store.KindSigner, "kid-0", []byte("delete body"), del); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	want = append(want, del)

	got := audit(t, s, store.AuditFilter{})
	if len(got) != len(want) {
		t.Fatalf("Audit() = %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Seq <= 0 || (i > 0 && got[i].Seq <= got[i-1].Seq) {
			t.Errorf("audit record %d has Seq %d, not increasing", i, got[i].Seq)
		}
		if d := sameAudit(got[i], want[i]); d != "" {
			t.Errorf("audit record %d: %s", i, d)
		}
	}
	if got[2].Caller != nil {
		t.Errorf("operator audit record has caller %x, want nil", got[2].Caller)
	}
	// The record of every write names the Seq that write gave the entry.
	for _, a := range got {
		e := mustGet(t, s, a.Kind, a.ID)
		if a.Action == "signer.delete" && a.EntrySeq != e.Seq || a.EntrySeq > e.Seq {
			t.Errorf("audit %d: entry seq %d, entry %s is at %d", a.Seq, a.EntrySeq, a.ID, e.Seq)
		}
	}
	check := func(f store.AuditFilter, wantSeqs ...int64) {
		t.Helper()
		got := audit(t, s, f)
		var seqs []int64
		for _, a := range got {
			seqs = append(seqs, a.Seq)
		}
		if !slices.Equal(seqs, wantSeqs) {
			t.Errorf("Audit(%+v) = seqs %v, want %v", f, seqs, wantSeqs)
		}
	}
	w := func(i int) int64 { return want[i].Seq }
	check(store.AuditFilter{Country: "DE"}, w(0), w(3), w(5), w(6))
	check(store.AuditFilter{Country: "FR", Since: w(1)}, w(4))
	check(store.AuditFilter{Since: w(4), Limit: 1}, w(5))
	check(store.AuditFilter{Limit: 2}, w(0), w(1))
	check(store.AuditFilter{Country: "ZZ"})
	check(store.AuditFilter{Since: w(6)})
}

// testInvalid checks that every malformed or oversized record is refused
// with ErrInvalid and nothing is stored.
func testInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	valid := func() (*store.Entry, *store.AuditRecord) {
		return NewEntry(store.KindSigner, "c2lnbmVy", "DE", "DSC", []byte("certificate")), NewAudit("DE", "signer.upload", []byte("req"))
	}
	rehash := func(e *store.Entry) { sum := sha256.Sum256(e.Data); e.Thumbprint = sum[:] }
	// Each case spoils one field of a valid entry (e) or audit record (a).
	type ea = struct {
		e *store.Entry
		a *store.AuditRecord
	}
	cases := []struct {
		name string
		mod  func(r *ea)
	}{
		{"nil entry", func(r *ea) { r.e = nil }},
		{"nil audit", func(r *ea) { r.a = nil }},
		{"empty kind", func(r *ea) { r.e.Kind = "" }},
		{"uppercase kind", func(r *ea) { r.e.Kind = "Signer" }},
		{"long kind", func(r *ea) { r.e.Kind = strings.Repeat("k", limits.MaxStoreKind+1) }},
		{"empty ID", func(r *ea) { r.e.ID = "" }},
		{"ID with a space", func(r *ea) { r.e.ID = "a b" }},
		{"ID with a newline", func(r *ea) { r.e.ID = "ab\n" }},
		{"ID with a NUL", func(r *ea) { r.e.ID = "a\x00b" }},
		{"non-ASCII ID", func(r *ea) { r.e.ID = "clé" }},
		{"long ID", func(r *ea) { r.e.ID = strings.Repeat("A", limits.MaxStoreID+1) }},
		{"lowercase country", func(r *ea) { r.e.Country = "de" }},
		{"alpha-3 country", func(r *ea) { r.e.Country = "DEU" }},
		{"long type", func(r *ea) { r.e.Type = strings.Repeat("T", limits.MaxStoreType+1) }},
		{"type with a tab", func(r *ea) { r.e.Type = "D\tSC" }},
		{"empty data", func(r *ea) { r.e.Data = nil; rehash(r.e) }},
		{"oversized data", func(r *ea) { r.e.Data = make([]byte, limits.MaxStoreData+1); rehash(r.e) }},
		{"no thumbprint", func(r *ea) { r.e.Thumbprint = nil }},
		{"wrong thumbprint", func(r *ea) { r.e.Thumbprint[0] ^= 1 }},
		{"oversized signature", func(r *ea) { r.e.Signature = make([]byte, limits.MaxStoreSignature+1) }},
		{"tombstone", func(r *ea) { r.e.Deleted = true }},
		{"zero audit time", func(r *ea) { r.a.Time = time.Time{} }},
		{"audit time after 9999", func(r *ea) { r.a.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"short caller", func(r *ea) { r.a.Caller = r.a.Caller[:31] }},
		{"bad caller country", func(r *ea) { r.a.Country = "D" }},
		{"empty action", func(r *ea) { r.a.Action = "" }},
		{"action with a space", func(r *ea) { r.a.Action = "signer upload" }},
		{"long action", func(r *ea) { r.a.Action = strings.Repeat("a", limits.MaxStoreAction+1) }},
		{"oversized request", func(r *ea) { r.a.Request = make([]byte, limits.MaxStoreRequest+1) }},
		{"audit of another entry", func(r *ea) { r.a.Kind, r.a.ID = store.KindSigner, "other" }},
	}
	// One stored entry, so that Replace has something to overwrite.
	live, la := valid()
	live.ID = "bGl2ZQ=="
	mustInsert(t, s, live, la)
	liveState := mustGet(t, s, live.Kind, live.ID)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, op := range []string{"Insert", "Replace"} {
				v0, n0 := version(t, s), len(audit(t, s, store.AuditFilter{}))
				var r ea
				r.e, r.a = valid()
				if op == "Replace" {
					r.e.ID = live.ID
				}
				c.mod(&r)
				e, a := r.e, r.a
				var err error
				if op == "Insert" {
					err = s.Insert(ctx, e, a)
				} else {
					err = s.Replace(ctx, e, a)
				}
				if !errors.Is(err, store.ErrInvalid) {
					t.Errorf("%s() = %v, want ErrInvalid", op, err)
					continue
				}
				if msg := err.Error(); len(msg) > 2000 {
					t.Errorf("%s() error is %d bytes long: %.200s...", op, len(msg), msg)
				}
				unchanged(t, s, op, v0, n0)
			}
		})
	}
	if _, err := s.Get(ctx, store.KindSigner, "c2lnbmVy"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get() after refused inserts = %v, want ErrNotFound", err)
	}
	if d := sameEntry(mustGet(t, s, live.Kind, live.ID), liveState); d != "" {
		t.Errorf("the live entry after refused replaces: %s", d)
	}

	// Delete refuses a bad key, an oversized signature or a bad audit
	// record, and leaves the entry live.
	v0, n0 := version(t, s), len(audit(t, s, store.AuditFilter{}))
	for name, del := range map[string]func() error{
		"bad kind": func() error {
			_, err := s.Delete(ctx, "SIGNER", live.ID, nil, NewAudit("DE", "signer.delete", nil))
			return err
		},
		"long ID": func() error {
			_, err := s.Delete(ctx, live.Kind, strings.Repeat("A", limits.MaxStoreID+1), nil, NewAudit("DE", "signer.delete", nil))
			return err
		},
		"oversized signature": func() error {
			_, err := s.Delete(ctx, live.Kind, live.ID, make([]byte, limits.MaxStoreSignature+1), NewAudit("DE", "signer.delete", nil))
			return err
		},
		"bad audit": func() error {
			_, err := s.Delete(ctx, live.Kind, live.ID, nil, NewAudit("DE", "", nil))
			return err
		},
	} {
		if err := del(); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Delete() with %s = %v, want ErrInvalid", name, err)
		}
	}
	unchanged(t, s, "Delete", v0, n0)
	if d := sameEntry(mustGet(t, s, live.Kind, live.ID), liveState); d != "" {
		t.Errorf("the live entry after refused deletes: %s", d)
	}

	// Bad filters and keys.
	manyKinds := make([]string, limits.MaxStoreFilterKinds+1)
	for i := range manyKinds {
		manyKinds[i] = store.KindSigner
	}
	for _, f := range []store.Filter{
		{Limit: -1}, {Since: -1}, {Country: "de"}, {Kinds: []string{"Signer"}}, {Kinds: manyKinds},
		{Type: strings.Repeat("T", limits.MaxStoreType+1)},
	} {
		if _, _, err := s.List(ctx, f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("List(%+v) = %v, want ErrInvalid", f, err)
		}
	}
	for _, f := range []store.AuditFilter{{Limit: -1}, {Since: -1}, {Country: "France"}} {
		if _, err := s.Audit(ctx, f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Audit(%+v) = %v, want ErrInvalid", f, err)
		}
	}
	if _, err := s.Get(ctx, store.KindSigner, strings.Repeat("A", limits.MaxStoreID+1)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Get() of an oversized ID = %v, want ErrInvalid", err)
	}
}

func testCancelled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v0 := version(t, s)
	e := NewEntry(store.KindSigner, "Y2FuY2VsbGVk", "DE", "DSC", []byte("cert"))
	if err := s.Insert(ctx, e, NewAudit("DE", "signer.upload", nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("Insert() with a cancelled context = %v, want context.Canceled", err)
	}
	if err := s.Replace(ctx, e, NewAudit("DE", "signer.upload", nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("Replace() with a cancelled context = %v, want context.Canceled", err)
	}
	unchanged(t, s, "cancelled writes", v0, 0)
	if _, _, err := s.List(ctx, store.Filter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("List() with a cancelled context = %v, want context.Canceled", err)
	}
	if _, err := s.Get(ctx, e.Kind, e.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("Get() with a cancelled context = %v, want context.Canceled", err)
	}
	// The store still works afterwards.
	mustInsert(t, s, e, NewAudit("DE", "signer.upload", nil))
}

// testConcurrentInserts inserts from 100 goroutines while three
// verifier-like syncers follow the store incrementally (see syncer). If
// Seq order were not commit order, an entry committed late with a Seq at
// or below a version a syncer already passed would be missed, and the test
// would see it missing. (Against a PostgreSQL store taking Seqs from a
// sequence without the write lock, this fails on nearly every run.)
func testConcurrentInserts(t *testing.T, s store.Store) { concurrentInserts(t, s) }

// testConcurrentStores runs the same race with the writers spread over
// two stores open on the same data (two gateway processes on one
// database), the reader on a third.
func testConcurrentStores(t *testing.T, s store.Store) {
	r, ok := s.(Reopener)
	if !ok {
		t.Skip("storetest: the opener's store does not implement Reopener: several stores on one database are not tested")
	}
	concurrentInserts(t, r.Reopen(t), s, r.Reopen(t))
}

// syncer follows a store as a verifier does: it lists Seq > last, page by
// page, and when a page comes back short (or unlimited) it has seen
// everything up to the version of that list and continues from there.
type syncer struct {
	s    store.Store
	page int
	last int64
	seen map[string]int
}

// step lists once and returns the number of entries it got.
func (y *syncer) step(ctx context.Context) (int, error) {
	es, v, err := y.s.List(ctx, store.Filter{Since: y.last, Limit: y.page, Deleted: true})
	if err != nil {
		return 0, err
	}
	for _, e := range es {
		if e.Seq <= y.last {
			return 0, fmt.Errorf("List(since %d) returned Seq %d", y.last, e.Seq)
		}
		y.seen[e.ID]++
		y.last = e.Seq
	}
	if y.page == 0 || len(es) < y.page {
		if v < y.last {
			return 0, fmt.Errorf("List() version %d below a returned Seq %d", v, y.last)
		}
		y.last = v
	}
	return len(es), nil
}

// concurrentInserts is the race of testConcurrentInserts: writer w uses
// stores[w % len(stores)], the syncers (pages of 1, 16 and unlimited, so
// that each reads at other moments) use stores[0].
func concurrentInserts(t *testing.T, stores ...store.Store) {
	const writers, each = 100, 3
	ctx := context.Background()
	var syncers []*syncer
	for _, page := range []int{1, 16, 0} {
		syncers = append(syncers, &syncer{s: stores[0], page: page, seen: map[string]int{}})
	}

	done := make(chan struct{})
	readerErrs := make(chan error, len(syncers))
	for _, y := range syncers {
		go func() {
			for {
				select {
				case <-done:
					readerErrs <- nil
					return
				default:
				}
				if _, err := y.step(ctx); err != nil {
					readerErrs <- fmt.Errorf("syncer with pages of %d: %w", y.page, err)
					return
				}
				// Leave the CPU to the writers now and then.
				time.Sleep(time.Millisecond)
			}
		}()
	}

	var wg sync.WaitGroup
	seqs := make([][]int64, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%03d-%d", w, i)
				e := NewEntry(store.KindSigner, id, "DE", "DSC", []byte(id))
				a := NewAudit("DE", "signer.upload", []byte(id))
				if err := stores[w%len(stores)].Insert(ctx, e, a); err != nil {
					t.Errorf("Insert(%s) = %v", id, err)
					return
				}
				if a.EntrySeq != e.Seq {
					t.Errorf("Insert(%s): audit entry seq %d, entry seq %d", id, a.EntrySeq, e.Seq)
				}
				seqs[w] = append(seqs[w], e.Seq)
			}
		}()
	}
	wg.Wait()
	close(done)
	for range syncers {
		if err := <-readerErrs; err != nil {
			t.Fatalf("concurrent reader: %v", err)
		}
	}
	// Each syncer catches up with what it had not reached yet.
	for _, y := range syncers {
		for {
			n, err := y.step(ctx)
			if err != nil {
				t.Fatalf("final sync: %v", err)
			}
			if n == 0 {
				break
			}
		}
	}

	distinct := map[int64]bool{}
	for _, ss := range seqs {
		for _, q := range ss {
			if distinct[q] {
				t.Errorf("Seq %d given twice", q)
			}
			distinct[q] = true
		}
	}
	if len(distinct) != writers*each {
		t.Errorf("%d distinct Seqs, want %d", len(distinct), writers*each)
	}
	v := version(t, stores[0])
	if v != int64(writers*each) {
		t.Errorf("Version() = %d, want %d", v, writers*each)
	}
	for _, y := range syncers {
		missed := 0
		for w := range writers {
			for i := range each {
				id := fmt.Sprintf("w%03d-%d", w, i)
				if n := y.seen[id]; n != 1 {
					missed++
					if missed <= 10 {
						t.Errorf("the syncer with pages of %d saw %s %d times, want once", y.page, id, n)
					}
				}
			}
		}
		if missed > 0 || y.last != v {
			t.Errorf("the syncer with pages of %d: %d entries not seen exactly once, ended at %d, want 0 at %d", y.page, missed, y.last, v)
		}
	}
	as := audit(t, stores[0], store.AuditFilter{})
	if len(as) != writers*each {
		t.Errorf("%d audit records, want %d", len(as), writers*each)
	}
	for _, a := range as {
		if !bytes.Equal(a.Request, []byte(a.ID)) || !distinct[a.EntrySeq] {
			t.Errorf("audit %d: request %q for %s, entry seq %d", a.Seq, a.Request, a.ID, a.EntrySeq)
		}
	}
}

// testConcurrentSameID races inserts of one ID (exactly one wins) and
// replaces of another (all succeed, each with its own Seq, the last one
// wins).
func testConcurrentSameID(t *testing.T, s store.Store) {
	const n = 20
	ctx := context.Background()
	var wg sync.WaitGroup
	insertErrs := make([]error, n)
	replaced := make([]*store.Entry, n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			e := NewEntry(store.KindSigner, "c2FtZQ==", "DE", "DSC", []byte(fmt.Sprint("data ", i)))
			insertErrs[i] = s.Insert(ctx, e, NewAudit("DE", "signer.upload", nil))
		}()
		go func() {
			defer wg.Done()
			e := NewEntry(store.KindValueSet, "test-results", "", "", []byte(fmt.Sprint("version ", i)))
			if err := s.Replace(ctx, e, NewAudit("", "valueset.update", nil)); err != nil {
				t.Errorf("Replace() = %v", err)
				return
			}
			replaced[i] = e
		}()
	}
	wg.Wait()
	wins := 0
	for i, err := range insertErrs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("racing Insert %d = %v, want nil or ErrConflict", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d racing Inserts of one ID succeeded, want exactly 1", wins)
	}
	var latest *store.Entry
	seqs := map[int64]bool{}
	for _, e := range replaced {
		if e == nil {
			continue
		}
		if seqs[e.Seq] {
			t.Errorf("two Replaces got Seq %d", e.Seq)
		}
		seqs[e.Seq] = true
		if latest == nil || e.Seq > latest.Seq {
			latest = e
		}
	}
	if latest == nil {
		t.Fatal("no Replace succeeded")
	}
	got := mustGet(t, s, store.KindValueSet, "test-results")
	if !bytes.Equal(got.Data, latest.Data) || got.Seq != latest.Seq {
		t.Errorf("after racing Replaces Get() = %q at %d, want %q at %d (the highest Seq)", got.Data, got.Seq, latest.Data, latest.Seq)
	}
	if n := len(audit(t, s, store.AuditFilter{})); n != 1+len(seqs) {
		t.Errorf("%d audit records, want %d", n, 1+len(seqs))
	}
}

func testReopen(t *testing.T, s store.Store) {
	r, ok := s.(Reopener)
	if !ok {
		t.Skip("storetest: the opener's store does not implement Reopener: persistence is not tested")
	}
	ctx := context.Background()
	ca := testca.New(t, "NL")
	a, b := signer(t, ca), signer(t, ca)
	mustInsert(t, s, a, NewAudit("NL", "signer.upload", binaryRequest("a")))
	mustInsert(t, s, b, NewAudit("NL", "signer.upload", binaryRequest("b")))
	if _, err := s.Delete(ctx, b.Kind, b.ID, []byte("delete b"), NewAudit("NL", "signer.delete", nil)); err != nil {
		t.Fatal(err)
	}
	vs := NewEntry(store.KindValueSet, "disease-agent-targeted", "", "", []byte("v1"))
	mustInsert(t, s, vs, NewAudit("", "valueset.load", nil))
	vs = NewEntry(store.KindValueSet, "disease-agent-targeted", "", "", []byte("v2"))
	if err := s.Replace(ctx, vs, NewAudit("", "valueset.update", nil)); err != nil {
		t.Fatal(err)
	}
	wantEntries, wantVersion := list(t, s, store.Filter{Deleted: true})
	wantAudit := audit(t, s, store.AuditFilter{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	s2 := r.Reopen(t)
	gotEntries, gotVersion := list(t, s2, store.Filter{Deleted: true})
	if gotVersion != wantVersion || ids(gotEntries) != ids(wantEntries) {
		t.Fatalf("after reopening: %s at %d, want %s at %d", ids(gotEntries), gotVersion, ids(wantEntries), wantVersion)
	}
	for i := range gotEntries {
		if d := sameEntry(gotEntries[i], wantEntries[i]); d != "" {
			t.Errorf("after reopening, entry %d: %s", i, d)
		}
	}
	gotAudit := audit(t, s2, store.AuditFilter{})
	if len(gotAudit) != len(wantAudit) {
		t.Fatalf("after reopening: %d audit records, want %d", len(gotAudit), len(wantAudit))
	}
	for i := range gotAudit {
		if d := sameAudit(gotAudit[i], wantAudit[i]); d != "" {
			t.Errorf("after reopening, audit record %d: %s", i, d)
		}
	}
	// Writes continue the sequences; the tombstone still blocks its ID.
	c := signer(t, ca)
	ac := NewAudit("NL", "signer.upload", nil)
	mustInsert(t, s2, c, ac)
	if c.Seq != wantVersion+1 || ac.Seq <= wantAudit[len(wantAudit)-1].Seq {
		t.Errorf("first write after reopening: Seq %d, audit Seq %d, want %d, above %d", c.Seq, ac.Seq, wantVersion+1, wantAudit[len(wantAudit)-1].Seq)
	}
	if err := s2.Insert(ctx, NewEntry(b.Kind, b.ID, "NL", "DSC", b.Data), NewAudit("NL", "signer.upload", nil)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Insert of a deleted ID after reopening = %v, want ErrConflict", err)
	}
	// A second store on the same data, open at the same time, sees the
	// first one's writes.
	s3 := r.Reopen(t)
	if d := sameEntry(mustGet(t, s3, c.Kind, c.ID), c); d != "" {
		t.Errorf("a second store on the same data: %s", d)
	}
}
