package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/postgres"
	"github.com/ithc/ithc/gateway/store/storetest"
	"github.com/jackc/pgx/v5"
)

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.OpenPostgres)
}

func TestCrash(t *testing.T) {
	storetest.Crash(t, func(t *testing.T) string { return storetest.PostgresDSN(t) },
		func(ctx context.Context, dsn string) (store.Store, error) { return postgres.Open(ctx, dsn) })
}

func open(tb testing.TB) store.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), storetest.PostgresDSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkStore(b *testing.B) { storetest.Benchmark(b, open) }

func FuzzStore(f *testing.F) { storetest.Fuzz(f, open) }

// rawConn connects to the store's schema directly, as an operator with
// psql would.
func rawConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestAppendOnly checks the triggers: hand-made SQL can neither change nor
// remove audit records, nor remove, revive or renumber entries.
func TestAppendOnly(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{"a", "b"} {
		e := storetest.NewEntry(store.KindSigner, id, "DE", "DSC", []byte(id))
		if err := s.Insert(ctx, e, storetest.NewAudit("DE", "signer.upload", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Delete(ctx, store.KindSigner, "b", nil, storetest.NewAudit("DE", "signer.delete", nil)); err != nil {
		t.Fatal(err)
	}
	c := rawConn(t, dsn)
	for _, q := range []string{
		`UPDATE audit SET request = '\x00'`,
		`DELETE FROM audit`,
		`TRUNCATE audit`,
		`DELETE FROM entries WHERE id = 'a'`,
		`TRUNCATE entries CASCADE`,
		`UPDATE entries SET deleted = false, seq = 100 WHERE id = 'b'`,
		`UPDATE entries SET seq = 1 WHERE id = 'a'`,
		`UPDATE entries SET id = 'c', seq = 100 WHERE id = 'a'`,
	} {
		if _, err := c.Exec(ctx, q); err == nil {
			t.Errorf("%s succeeded, want it refused", q)
		}
	}
	as, err := s.Audit(ctx, store.AuditFilter{})
	if err != nil || len(as) != 3 {
		t.Errorf("Audit() = %d records, %v; want 3", len(as), err)
	}
	if es, v, err := s.List(ctx, store.Filter{Deleted: true}); err != nil || len(es) != 2 || v != 3 {
		t.Errorf("List() = %d entries at %d, %v; want 2 at 3", len(es), v, err)
	}
}

// TestConcurrentOpen opens one new schema from several goroutines at once
// (as gateway processes starting together would): each migration is
// applied once and every store works.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	const n = 6
	stores := make([]*postgres.Store, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(ctx, dsn)
			if err != nil {
				t.Errorf("Open() %d: %v", i, err)
				return
			}
			stores[i] = s
		}()
	}
	wg.Wait()
	for i, s := range stores {
		if s == nil {
			continue
		}
		defer s.Close()
		e := storetest.NewEntry(store.KindSigner, fmt.Sprint("id-", i), "DE", "DSC", []byte{byte(i)})
		if err := s.Insert(ctx, e, storetest.NewAudit("DE", "signer.upload", nil)); err != nil {
			t.Errorf("Insert() through store %d: %v", i, err)
		}
	}
	var rows, version int
	if err := rawConn(t, dsn).QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != version || rows < 1 {
		t.Errorf("schema_migrations has %d rows up to version %d, want each migration once", rows, version)
	}
}

// TestNewerSchema checks that a program refuses a database migrated by a
// newer version of itself instead of writing to a schema it does not know.
func TestNewerSchema(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := rawConn(t, dsn).Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Errorf("Open() of a newer schema = %v, want an error saying it is newer", err)
	}
}

// TestSchemas checks that the DSN's search_path chooses the schema: two
// schemas of one database hold separate stores, and a search_path naming
// no existing schema is a clear error.
func TestSchemas(t *testing.T) {
	ctx := context.Background()
	dsn1, dsn2 := storetest.PostgresDSN(t), storetest.PostgresDSN(t)
	s1, err := postgres.Open(ctx, dsn1)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := postgres.Open(ctx, dsn2)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	e := storetest.NewEntry(store.KindSigner, "b25l", "DE", "DSC", []byte("one"))
	if err := s1.Insert(ctx, e, storetest.NewAudit("DE", "signer.upload", nil)); err != nil {
		t.Fatal(err)
	}
	if v, err := s2.Version(ctx); err != nil || v != 0 {
		t.Errorf("the other schema's Version() = %d, %v; want 0", v, err)
	}

	missing := dsn1 + " search_path=ithc_no_such_schema" // key=value form
	if strings.Contains(dsn1, "://") {
		u, err := url.Parse(dsn1)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", "ithc_no_such_schema")
		u.RawQuery = q.Encode()
		missing = u.String()
	}
	if _, err := postgres.Open(ctx, missing); err == nil || !strings.Contains(err.Error(), "search_path names no existing schema") {
		t.Errorf("Open() with a missing schema = %v, want an error naming the search_path", err)
	}
	if _, err := postgres.Open(ctx, "postgres://%zz"); err == nil || !strings.HasPrefix(err.Error(), "postgres: ") {
		t.Errorf("Open() of a malformed DSN = %v, want a postgres: error", err)
	}
}
