package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/ithc/ithc/gateway/store"
)

// The schema's history: migrations/NNNN_name.sql, numbered from 0001
// without gaps, applied in order, each once, and recorded in
// schema_migrations. A migration, once released, is never edited: a
// change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in order.
func migrations() ([]store.Migration, error) { return store.ReadMigrations(migrationFiles) }

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
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: recording migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrating: %w", err)
	}
	return nil
}
