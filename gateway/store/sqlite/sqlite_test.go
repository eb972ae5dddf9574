package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/sqlite"
	"github.com/ithc/ithc/gateway/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.OpenSQLite)
}

func TestCrash(t *testing.T) {
	storetest.Crash(t,
		func(t *testing.T) string { return filepath.Join(t.TempDir(), "gateway.db") },
		func(ctx context.Context, path string) (store.Store, error) { return sqlite.Open(ctx, path) })
}

func open(tb testing.TB) store.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "gateway.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkStore(b *testing.B) { storetest.Benchmark(b, open) }

func FuzzStore(f *testing.F) { storetest.Fuzz(f, open) }

// rawDB opens the store's file directly, as an operator with the sqlite3
// shell would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_foreign_keys=1&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAppendOnly checks the triggers: hand-made SQL can neither change nor
// remove audit records, nor remove, revive or renumber entries.
func TestAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gateway.db")
	s, err := sqlite.Open(ctx, path)
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
	db := rawDB(t, path)
	for _, q := range []string{
		`UPDATE audit SET request = x'00'`,
		`DELETE FROM audit`,
		`DELETE FROM entries WHERE id = 'a'`,
		`UPDATE entries SET deleted = 0, seq = 100 WHERE id = 'b'`,
		`UPDATE entries SET seq = 1 WHERE id = 'a'`,
		`UPDATE entries SET id = 'c', seq = 100 WHERE id = 'a'`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded, want it refused", q)
		}
	}
	as, err := s.Audit(ctx, store.AuditFilter{})
	if err != nil || len(as) != 3 {
		t.Errorf("Audit() = %d records, %v; want 3", len(as), err)
	}
}

// TestConcurrentOpen opens one new file from several goroutines at once
// (as two processes starting together would): each migration is applied
// once and every store works.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gateway.db")
	const n = 6
	stores := make([]*sqlite.Store, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := sqlite.Open(ctx, path)
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
	db := rawDB(t, path)
	if err := db.QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &version); err != nil {
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
	path := filepath.Join(t.TempDir(), "gateway.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := rawDB(t, path).ExecContext(ctx, `INSERT INTO schema_migrations VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Errorf("Open() of a newer schema = %v, want an error saying it is newer", err)
	}
}

// TestPath checks that a path with characters special in URIs is opened as
// the file it names.
func TestPath(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a dir?x=1#frag%20")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gate?way%.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping() = %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at the path given: %v", err)
	}
	if _, err := sqlite.Open(ctx, ""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	if _, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "missing", "dir", "x.db")); err == nil {
		t.Error("Open() in a missing directory succeeded")
	}
}

// TestNotADatabase checks that a file that is not SQLite is an error, not a
// silently recreated store.
func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), path)
	if err == nil {
		s.Close()
		t.Fatal("Open() of a file that is not a database succeeded")
	}
	if !strings.HasPrefix(err.Error(), "sqlite: ") {
		t.Errorf("Open() error %q does not name the package", err)
	}
	if errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open() error %v is ErrInvalid, a record error", err)
	}
}
