package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/postgres"
	"github.com/ithc/ithc/gateway/store/sqlite"
	"github.com/jackc/pgx/v5"
)

// DefaultPostgres is the PostgreSQL database the tests use when the
// environment variable ITHC_TEST_POSTGRES does not name another (a URL or
// key=value DSN). Each test works in a fresh schema of its own, never in
// public, so tests of several packages can run at once.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test"

// Reopener is implemented by the stores OpenSQLite and OpenPostgres return:
// Reopen opens the same data again (after the caller closed the first
// store, or beside it), so that Run can check persistence. The reopened
// store is closed when t ends.
type Reopener interface {
	Reopen(t testing.TB) store.Store
}

// reopenable is a store with a way to open its data again.
type reopenable struct {
	store.Store
	reopen func(t testing.TB) store.Store
}

func (r *reopenable) Reopen(t testing.TB) store.Store { return r.reopen(t) }

// OpenSQLite opens a SQLite store in a new temporary directory, closed
// when t ends. It implements Reopener.
func OpenSQLite(t *testing.T) store.Store { return openSQLite(t) }

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.db")
	open := func(t testing.TB) store.Store {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("storetest: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return &reopenable{Store: open(t), reopen: open}
}

// OpenPostgres opens a PostgreSQL store in a fresh schema (see PostgresDSN),
// closed and dropped when t ends. It implements Reopener. When PostgreSQL
// is unreachable it skips t, or fails it under CI=true.
func OpenPostgres(t *testing.T) store.Store { return openPostgres(t) }

func openPostgres(t testing.TB) store.Store {
	t.Helper()
	dsn := PostgresDSN(t)
	open := func(t testing.TB) store.Store {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("storetest: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return &reopenable{Store: open(t), reopen: open}
}

// PostgresDSN creates a schema with a random name in the test database
// (DefaultPostgres, or ITHC_TEST_POSTGRES) and returns a DSN whose
// search_path selects it, for postgres.Open or for gateway processes
// started by the test. The schema is dropped, with everything in it, when
// t ends: stop whatever uses it before. When PostgreSQL is unreachable it
// skips t with a clear message, or fails t when the environment variable
// CI is "true".
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("ITHC_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("storetest: PostgreSQL at %s is unreachable (required under CI=true): %v", redact(base), err)
		}
		t.Skipf("storetest: PostgreSQL at %s is unreachable; start it or set ITHC_TEST_POSTGRES to a reachable database (under CI=true this fails): %v", redact(base), err)
	}
	defer conn.Close(context.Background())

	var b [8]byte
	rand.Read(b[:])
	schema := "ithc_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() { dropSchema(t, base, schema) })

	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("storetest: ITHC_TEST_POSTGRES: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return base + " search_path=" + schema
}

func dropSchema(t testing.TB, base, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("storetest: dropping schema %s: %v", schema, err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SET lock_timeout = '20s'"); err != nil {
		t.Errorf("storetest: dropping schema %s: %v", schema, err)
		return
	}
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Errorf("storetest: dropping schema %s (is a process still using it?): %v", schema, err)
	}
}

// redact hides a password in a DSN URL for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		if strings.Contains(dsn, "password") {
			return "the database ITHC_TEST_POSTGRES names"
		}
		return dsn
	}
	return u.Redacted()
}
