package sqlite

import (
	"context"
	"path/filepath"
	"testing"
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

// TestSettings checks the settings the durability and ordering decisions
// rest on, on the connections the store really uses.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		name   string
		pragma string
		want   string
		reader bool
	}{
		{"writer journal", "journal_mode", "wal", false},
		{"writer synchronous", "synchronous", "2", false}, // FULL
		{"writer foreign keys", "foreign_keys", "1", false},
		{"writer busy timeout", "busy_timeout", "10000", false},
		{"reader journal", "journal_mode", "wal", true},
		{"reader foreign keys", "foreign_keys", "1", true},
		{"reader query only", "query_only", "1", true},
	} {
		db := s.writer
		if c.reader {
			db = s.reader
		}
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", c.name, c.pragma, got, c.want)
		}
	}
	if _, err := s.reader.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (100, 'x', 0)`); err == nil {
		t.Error("a write through the read-only connections succeeded")
	}
	if n := s.writer.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}
}
