package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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

// migrate brings the schema up to date in one transaction holding the
// schema's migration lock (a transaction-scoped advisory lock), so that
// gateway processes starting at once apply each migration exactly once:
// the others wait for the lock, then find the migrations recorded (READ
// COMMITTED: each statement sees what committed before it began). DDL is
// transactional in PostgreSQL, so a failed migration leaves nothing behind.
func migrate(ctx context.Context, pool *pgxpool.Pool, lockKey int32) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: migrating: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockMigrate, lockKey); err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version integer     PRIMARY KEY,
	name    text        NOT NULL,
	applied timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return fmt.Errorf("postgres: creating schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres: reading schema_migrations: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("postgres: the database is at schema version %d, newer than this program knows (%d): upgrade the program", current, len(ms))
	}
	for _, m := range ms[current:] {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return fmt.Errorf("postgres: recording migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrating: %w", err)
	}
	return nil
}
