package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/jackc/pgx/v5"
)

func TestMigrationFiles(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != i+1 || m.Name == "" || m.SQL == "" {
			t.Errorf("migration %d: version %d, name %q, %d bytes of SQL", i, m.Version, m.Name, len(m.SQL))
		}
	}
}

// freshSchema creates a schema for an internal test (storetest cannot be
// imported here: it imports this package) and returns a DSN selecting it.
func freshSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("ITHC_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is unreachable (required under CI=true): %v", err)
		}
		t.Skipf("PostgreSQL is unreachable; start it or set ITHC_TEST_POSTGRES (under CI=true this fails): %v", err)
	}
	defer conn.Close(context.Background())
	schema := fmt.Sprintf("ithc_test_internal_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("dropping %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
	})
	if strings.Contains(base, "://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return base + " search_path=" + schema
}

func entry(id string) *store.Entry {
	data := []byte("data of " + id)
	sum := sha256.Sum256(data)
	return &store.Entry{Kind: store.KindSigner, ID: id, Country: "DE", Type: "DSC", Thumbprint: sum[:], Data: data}
}

func auditOf() *store.AuditRecord {
	return &store.AuditRecord{Time: time.Now(), Country: "DE", Action: "signer.upload"}
}

// TestWriteLock shows the ordering decision at work: another gateway
// process holds the schema's write lock in the middle of a write (here a
// raw transaction that took the lock and inserted Seq 2 without
// committing). The store's Insert waits for it instead of taking a Seq of
// its own meanwhile, and after the other commits it takes Seq 3: commit
// order is Seq order. Reads take no lock and go on meanwhile.
func TestWriteLock(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Insert(ctx, entry("one"), auditOf()); err != nil {
		t.Fatal(err)
	}

	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockWrite, s.lockKey); err != nil {
		t.Fatal(err)
	}
	two := entry("two")
	if _, err := tx.Exec(ctx, `INSERT INTO entries (kind, id, seq, country, type, thumbprint, data, signature, created, updated, deleted)
VALUES ($1, $2, 2, 'DE', 'DSC', $3, $4, '', now(), now(), false)`, two.Kind, two.ID, two.Thumbprint, two.Data); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit (seq, time, country, action, kind, id, entry_seq, request)
VALUES (2, now(), 'DE', 'signer.upload', $1, $2, 2, '')`, two.Kind, two.ID); err != nil {
		t.Fatal(err)
	}

	// More writers than the write pool has connections, all waiting.
	const waiting = 3 * WriteConns
	done := make(chan *store.Entry, waiting)
	for i := range waiting {
		go func() {
			e := entry(fmt.Sprint("waiting-", i))
			if err := s.Insert(ctx, e, auditOf()); err != nil {
				t.Errorf("Insert() after the other writer committed: %v", err)
			}
			done <- e
		}()
	}
	select {
	case e := <-done:
		t.Fatalf("Insert() returned (Seq %d) while another writer held the write lock; it must wait", e.Seq)
	case <-time.After(300 * time.Millisecond):
	}
	// Reads are not blocked by writers waiting for the lock.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if es, v, err := s.List(rctx, store.Filter{}); err != nil || len(es) != 1 || v != 1 {
		t.Errorf("List() during the other write = %d entries at %d, %v; want 1 at 1", len(es), v, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	seqs := map[int64]bool{}
	for range waiting {
		seqs[(<-done).Seq] = true
	}
	for seq := int64(3); seq < 3+waiting; seq++ {
		if !seqs[seq] {
			t.Errorf("the writers that waited took Seqs %v, want 3 to %d: none at or below the other writer's 2", seqs, 2+waiting)
			break
		}
	}
}
