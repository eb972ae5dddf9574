package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The schema's history: migrations/NNNN_name.sql, numbered from 0001
// without gaps, applied in order, each once, and recorded in
// schema_migrations. A migration, once released, is never edited: a
// change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, or an error naming
// the file that breaks the numbering.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	var ms []migration
	for _, p := range names {
		base := strings.TrimPrefix(p, "migrations/")
		num, name, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || len(num) != 4 || err != nil || v < 1 || name == "" {
			return nil, fmt.Errorf("sqlite: migration file %s is not named NNNN_name.sql", base)
		}
		b, err := migrationFiles.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %04d_%s: expected number %04d (no gaps, no duplicates)", m.version, m.name, i+1)
		}
	}
	return ms, nil
}

// migrate brings the schema up to date in one write transaction (BEGIN
// IMMEDIATE on the writer connection), so that two processes opening the
// same file at once apply each migration exactly once: the second waits
// for the first's lock, then finds the migrations recorded.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrating: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name    TEXT    NOT NULL,
	applied INTEGER NOT NULL
) STRICT`); err != nil {
		return fmt.Errorf("sqlite: creating schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: reading schema_migrations: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("sqlite: the database is at schema version %d, newer than this program knows (%d): upgrade the program", current, len(ms))
	}
	for _, m := range ms[current:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlite: migration %04d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: recording migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrating: %w", err)
	}
	return nil
}
