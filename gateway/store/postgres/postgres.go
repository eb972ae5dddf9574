// Package postgres is the gateway's store for several gateway instances
// behind a load balancer: store.Store on one PostgreSQL schema, through
// pgx (pgxpool). Use Open.
//
// Decisions:
//
//   - The tables live in the first schema of the connection's search_path,
//     which the DSN may set (postgres://host/db?search_path=gateway); the
//     schema must exist. Several gateway processes share one schema.
//   - Order across processes. Seq is the highest Seq plus one, and every
//     write transaction (Insert, Replace, Delete) first takes a
//     transaction-scoped advisory lock, pg_advisory_xact_lock, keyed by the
//     schema, and runs at READ COMMITTED, so its statements see every write
//     committed before it got the lock. Without the lock, a sequence (or
//     max+1 under row locks) hands out numbers in the order transactions
//     start, not the order they commit: transaction A takes Seq 5, B takes
//     6 and commits first; a verifier lists, sees version 6, asks next for
//     Seq > 6, and never learns of A's 5. With the lock, writers hold it
//     until their commit is visible (PostgreSQL releases transaction locks
//     after the commit becomes visible), so the next writer's Seq is higher
//     than every visible one: a reader that saw version N never later finds
//     a new entry with Seq <= N. The price is that writes to one schema are
//     serial, one commit (one WAL flush) at a time; uploads to a gateway are
//     rare next to downloads, which take no lock.
//   - Writes use a pool of their own of WriteConns connections; reads (Get,
//     List, Audit, Version) use the pool the DSN configures
//     (pool_max_conns), so a burst of uploads waiting on the lock never
//     holds the connections that downloads need.
//   - List reads its rows and the version in one REPEATABLE READ, read-only
//     transaction: one snapshot, so the version matches the rows.
//   - Times are timestamptz (microseconds): Insert, Replace and Delete
//     truncate a.Time to the microsecond and write it back, so what the
//     caller holds equals what Get returns (in UTC).
//   - The schema is versioned: numbered SQL files embedded in the binary,
//     applied at Open under a second advisory lock and recorded in
//     schema_migrations (see migrate.go), so processes starting together
//     migrate once. Triggers make the audit table append-only (no UPDATE,
//     DELETE or TRUNCATE) and keep entry rows from being removed, revived or
//     renumbered downwards, so an ID is never reused even by hand-made SQL.
//   - Records are checked before any SQL runs (check.go): bounded sizes from
//     internal/limits, ASCII keys, a thumbprint that is the SHA-256 of the
//     data. A refused record is store.ErrInvalid and nothing is stored.
//   - A cancelled context aborts the statement under way and rolls the
//     transaction back. As with any client-server database, a Commit
//     interrupted after it reached the server may have committed though it
//     returns an error; the entry and its audit record then exist together.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Advisory lock classes (the first key of the two-key form); the second key
// is a hash of the schema name, so that gateways on different schemas of one
// database do not wait for each other.
const (
	lockWrite   int32 = 0x49544831 // "ITH1": every write transaction
	lockMigrate int32 = 0x49544832 // "ITH2": schema migrations at Open
)

// WriteConns is the size of the connection pool for writes. Writes to a
// schema are serial anyway (the write lock), so more connections would
// only wait on the lock inside the database; with their own small pool,
// a burst of uploads never takes the connections downloads need.
const WriteConns = 2

// Store is a store.Store on one PostgreSQL schema. It is safe for
// concurrent use, also by several processes on the same schema.
type Store struct {
	pool    *pgxpool.Pool // reads
	writes  *pgxpool.Pool // writes, WriteConns connections
	schema  string
	lockKey int32
}

var _ store.Store = (*Store)(nil)

// Open connects to the database dsn names (a URL or key=value string as
// libpq takes it; search_path selects the schema), brings its schema up to
// date and returns the store.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	wcfg := cfg.Copy()
	wcfg.MaxConns = WriteConns
	wcfg.MinConns = 0
	s := &Store{}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if s.writes, err = pgxpool.NewWithConfig(ctx, wcfg); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	var schema *string
	if err := s.writes.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	if schema == nil {
		s.Close()
		return nil, errors.New("postgres: no schema to create the tables in: the search_path names no existing schema (create it first)")
	}
	h := fnv.New32a()
	h.Write([]byte(*schema))
	s.schema, s.lockKey = *schema, int32(h.Sum32())
	if err := migrate(ctx, s.writes, s.lockKey); err != nil {
		s.Close()
		return nil, fmt.Errorf("%w (schema %s)", err, s.schema)
	}
	return s, nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	s.pool.Close()
	s.writes.Close()
	return nil
}

// Ping reports whether the database answers, on both pools.
func (s *Store) Ping(ctx context.Context) error {
	for _, p := range []*pgxpool.Pool{s.pool, s.writes} {
		if err := p.Ping(ctx); err != nil {
			return fmt.Errorf("postgres: ping: %w", err)
		}
	}
	return nil
}

// write runs f in one READ COMMITTED transaction holding the schema's
// write lock, and commits it.
func (s *Store) write(ctx context.Context, what string, f func(tx pgx.Tx) error) error {
	tx, err := s.writes.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockWrite, s.lockKey); err != nil {
		return fmt.Errorf("postgres: %s: write lock: %w", what, err)
	}
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", what, err)
	}
	return nil
}

// nextSeq returns the Seq the write in tx takes: writes hold the write
// lock, so no other transaction can take the same one.
func nextSeq(ctx context.Context, tx pgx.Tx) (int64, error) {
	var seq int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM entries`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("postgres: next seq: %w", err)
	}
	return seq, nil
}

// state reads the deleted flag and creation time of an entry in tx;
// found is false when there is no such entry.
func state(ctx context.Context, tx pgx.Tx, kind, id string) (found, deleted bool, created time.Time, err error) {
	err = tx.QueryRow(ctx, `SELECT deleted, created FROM entries WHERE kind = $1 AND id = $2`, kind, id).Scan(&deleted, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false, time.Time{}, nil
	}
	if err != nil {
		return false, false, time.Time{}, fmt.Errorf("postgres: reading %s %s: %w", kind, id, err)
	}
	return true, deleted, created.UTC(), nil
}

// appendAudit stores a, the record of the write that gave entrySeq, and
// returns its Seq.
func appendAudit(ctx context.Context, tx pgx.Tx, a *store.AuditRecord, t time.Time, entrySeq int64) (int64, error) {
	var caller []byte // NULL for the operator
	if len(a.Caller) > 0 {
		caller = a.Caller
	}
	var seq int64
	err := tx.QueryRow(ctx, `INSERT INTO audit (seq, time, country, caller, action, kind, id, entry_seq, request)
VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM audit), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
		t, a.Country, caller, a.Action, a.Kind, a.ID, entrySeq, nonNil(a.Request)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("postgres: audit of %s %s: %w", a.Kind, a.ID, err)
	}
	return seq, nil
}

// nonNil keeps an empty byte slice from being sent as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func insertEntry(ctx context.Context, tx pgx.Tx, e *store.Entry, seq int64, t time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO entries (kind, id, seq, country, type, thumbprint, data, signature, created, updated, deleted)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, false)`,
		e.Kind, e.ID, seq, e.Country, e.Type, e.Thumbprint, e.Data, nonNil(e.Signature), t)
	if err != nil {
		return fmt.Errorf("postgres: inserting %s %s: %w", e.Kind, e.ID, err)
	}
	return nil
}

// Insert stores a new entry and its audit record in one transaction.
func (s *Store) Insert(ctx context.Context, e *store.Entry, a *store.AuditRecord) error {
	return s.insert(ctx, 0, e, a)
}

// Advance inserts e with Seq = version, above the current version.
func (s *Store) Advance(ctx context.Context, version int64, e *store.Entry, a *store.AuditRecord) error {
	if version <= 0 {
		return fmt.Errorf("postgres: %w: version %d is not positive", store.ErrInvalid, version)
	}
	return s.insert(ctx, version, e, a)
}

// insert stores a new entry at the next Seq, or at version when it is not
// zero.
func (s *Store) insert(ctx context.Context, version int64, e *store.Entry, a *store.AuditRecord) error {
	if err := store.CheckEntry(e); err != nil {
		return err
	}
	t, err := store.CheckAudit(a, e.Kind, e.ID)
	if err != nil {
		return err
	}
	var seq, aseq int64
	err = s.write(ctx, "insert", func(tx pgx.Tx) error {
		found, deleted, _, err := state(ctx, tx, e.Kind, e.ID)
		if err != nil {
			return err
		}
		if found {
			if deleted {
				return fmt.Errorf("postgres: %w: %s %s was deleted, and an ID is never reused", store.ErrConflict, e.Kind, e.ID)
			}
			return fmt.Errorf("postgres: %w: %s %s", store.ErrConflict, e.Kind, e.ID)
		}
		if seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		if version != 0 {
			if version < seq {
				return fmt.Errorf("postgres: %w: version %d is not above the store's version %d", store.ErrInvalid, version, seq-1)
			}
			seq = version
		}
		if err := insertEntry(ctx, tx, e, seq, t); err != nil {
			return err
		}
		aseq, err = appendAudit(ctx, tx, a, t, seq)
		return err
	})
	if err != nil {
		return err
	}
	e.Seq, e.Created, e.Updated = seq, t, t
	a.Time, a.Seq, a.EntrySeq = t, aseq, seq
	return nil
}

// Replace overwrites the live entry of e's kind and ID, or inserts it.
func (s *Store) Replace(ctx context.Context, e *store.Entry, a *store.AuditRecord) error {
	if err := store.CheckEntry(e); err != nil {
		return err
	}
	t, err := store.CheckAudit(a, e.Kind, e.ID)
	if err != nil {
		return err
	}
	var seq, aseq int64
	created := t
	err = s.write(ctx, "replace", func(tx pgx.Tx) error {
		found, deleted, c, err := state(ctx, tx, e.Kind, e.ID)
		if err != nil {
			return err
		}
		if deleted {
			return fmt.Errorf("postgres: %w: %s %s", store.ErrDeleted, e.Kind, e.ID)
		}
		if seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		if found {
			created = c
			_, err = tx.Exec(ctx, `UPDATE entries SET seq = $1, country = $2, type = $3, thumbprint = $4, data = $5, signature = $6, updated = $7
WHERE kind = $8 AND id = $9`, seq, e.Country, e.Type, e.Thumbprint, e.Data, nonNil(e.Signature), t, e.Kind, e.ID)
			if err != nil {
				return fmt.Errorf("postgres: replacing %s %s: %w", e.Kind, e.ID, err)
			}
		} else if err := insertEntry(ctx, tx, e, seq, t); err != nil {
			return err
		}
		aseq, err = appendAudit(ctx, tx, a, t, seq)
		return err
	})
	if err != nil {
		return err
	}
	e.Seq, e.Created, e.Updated = seq, created, t
	a.Time, a.Seq, a.EntrySeq = t, aseq, seq
	return nil
}

// Delete turns the live entry into a tombstone and returns it.
func (s *Store) Delete(ctx context.Context, kind, id string, signature []byte, a *store.AuditRecord) (*store.Entry, error) {
	if err := store.CheckKey(kind, id); err != nil {
		return nil, err
	}
	if err := store.CheckSignature(kind+" "+id, signature); err != nil {
		return nil, err
	}
	t, err := store.CheckAudit(a, kind, id)
	if err != nil {
		return nil, err
	}
	var e *store.Entry
	var aseq int64
	err = s.write(ctx, "delete", func(tx pgx.Tx) error {
		found, deleted, _, err := state(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("postgres: %w: %s %s", store.ErrNotFound, kind, id)
		}
		if deleted {
			return fmt.Errorf("postgres: %w: %s %s", store.ErrDeleted, kind, id)
		}
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		row := tx.QueryRow(ctx, `UPDATE entries SET seq = $1, signature = $2, updated = $3, deleted = true
WHERE kind = $4 AND id = $5 RETURNING `+entryColumns, seq, nonNil(signature), t, kind, id)
		if e, err = scanEntry(row); err != nil {
			return fmt.Errorf("postgres: deleting %s %s: %w", kind, id, err)
		}
		aseq, err = appendAudit(ctx, tx, a, t, seq)
		return err
	})
	if err != nil {
		return nil, err
	}
	a.Time, a.Seq, a.EntrySeq = t, aseq, e.Seq
	return e, nil
}

const entryColumns = `seq, kind, id, country, type, thumbprint, data, signature, created, updated, deleted`

func scanEntry(row pgx.Row) (*store.Entry, error) {
	var e store.Entry
	if err := row.Scan(&e.Seq, &e.Kind, &e.ID, &e.Country, &e.Type, &e.Thumbprint, &e.Data, &e.Signature, &e.Created, &e.Updated, &e.Deleted); err != nil {
		return nil, err
	}
	e.Created, e.Updated = e.Created.UTC(), e.Updated.UTC()
	return &e, nil
}

// Get returns the entry, live or tombstone.
func (s *Store) Get(ctx context.Context, kind, id string) (*store.Entry, error) {
	if err := store.CheckKey(kind, id); err != nil {
		return nil, err
	}
	e, err := scanEntry(s.pool.QueryRow(ctx, `SELECT `+entryColumns+` FROM entries WHERE kind = $1 AND id = $2`, kind, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: %w: %s %s", store.ErrNotFound, kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: reading %s %s: %w", kind, id, err)
	}
	return e, nil
}

// Version returns the highest Seq of any entry.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM entries`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: version: %w", err)
	}
	return v, nil
}

// List returns the entries f selects in Seq order and the version they
// were read at, both from one REPEATABLE READ snapshot.
func (s *Store) List(ctx context.Context, f store.Filter) ([]*store.Entry, int64, error) {
	if err := store.CheckFilter(f); err != nil {
		return nil, 0, err
	}
	var q strings.Builder
	q.WriteString(`SELECT ` + entryColumns + ` FROM entries WHERE seq > $1`)
	args := []any{f.Since}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.Deleted {
		q.WriteString(` AND NOT deleted`)
	}
	if len(f.Kinds) > 0 {
		q.WriteString(` AND kind = ANY(` + arg(f.Kinds) + `)`)
	}
	if f.Country != "" {
		q.WriteString(` AND country = ` + arg(f.Country))
	}
	if f.Type != "" {
		q.WriteString(` AND type = ` + arg(f.Type))
	}
	q.WriteString(` ORDER BY seq`)
	if f.Limit > 0 {
		q.WriteString(` LIMIT ` + arg(f.Limit))
	}

	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: list: %w", err)
	}
	defer tx.Rollback(context.Background())
	var version int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM entries`).Scan(&version); err != nil {
		return nil, 0, fmt.Errorf("postgres: list: version: %w", err)
	}
	rows, err := tx.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: list: %w", err)
	}
	defer rows.Close()
	var out []*store.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("postgres: list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgres: list: %w", err)
	}
	return out, version, nil
}

// Audit returns audit records in Seq order.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]*store.AuditRecord, error) {
	if err := store.CheckAuditFilter(f); err != nil {
		return nil, err
	}
	q := `SELECT seq, time, country, caller, action, kind, id, entry_seq, request FROM audit WHERE seq > $1`
	args := []any{f.Since}
	if f.Country != "" {
		args = append(args, f.Country)
		q += ` AND country = $` + strconv.Itoa(len(args))
	}
	q += ` ORDER BY seq`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit: %w", err)
	}
	defer rows.Close()
	var out []*store.AuditRecord
	for rows.Next() {
		var a store.AuditRecord
		if err := rows.Scan(&a.Seq, &a.Time, &a.Country, &a.Caller, &a.Action, &a.Kind, &a.ID, &a.EntrySeq, &a.Request); err != nil {
			return nil, fmt.Errorf("postgres: audit: %w", err)
		}
		a.Time = a.Time.UTC()
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: audit: %w", err)
	}
	return out, nil
}
