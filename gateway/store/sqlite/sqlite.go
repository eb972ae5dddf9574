// Package sqlite is the gateway's embedded store: store.Store on one SQLite
// file, through modernc.org/sqlite (pure Go, no cgo). Use Open.
//
// Decisions:
//
//   - Durability: the database runs in WAL mode with synchronous=FULL, so
//     every commit is fsynced to the write-ahead log before Insert, Replace
//     or Delete returns; Open also fsyncs the directory once the files
//     exist. A write that returned nil survives the process being killed.
//   - Order: all writes go through one connection (database/sql with one
//     open connection) and each is a BEGIN IMMEDIATE transaction, which
//     takes SQLite's write lock before reading anything. Seq is the highest
//     Seq plus one, read under that lock, so Seq order is commit order, also
//     when other processes (ithc gateway onboard, a second server) write to
//     the same file: they wait for the lock (busy timeout BusyTimeout).
//   - Reads (Get, List, Audit, Version) use a separate pool of read-only
//     connections and run concurrently with writes; WAL gives each read
//     transaction a snapshot, so List returns its rows and its version from
//     one moment.
//   - Times are kept as microseconds since the Unix epoch in UTC, the
//     precision of the PostgreSQL store: Insert, Replace and Delete truncate
//     a.Time to the microsecond and write it back, so what the caller holds
//     equals what Get returns.
//   - The schema is versioned: numbered SQL files embedded in the binary,
//     applied at Open in one write transaction and recorded in
//     schema_migrations (see migrate.go). Triggers make the audit table
//     append-only and keep entry rows from being removed, revived or
//     renumbered downwards, so an ID is never reused even by hand-made SQL.
//   - Records are checked before any SQL runs (check.go): bounded sizes from
//     internal/limits, ASCII keys, a thumbprint that is the SHA-256 of the
//     data. A refused record is store.ErrInvalid and nothing is stored.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ithc/ithc/gateway/store"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// BusyTimeout is how long a write waits for another process holding the
// database's write lock before failing.
const BusyTimeout = 10 * time.Second

// Store is a store.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	path   string
	writer *sql.DB // one connection: every write, in commit order
	reader *sql.DB // read-only connections
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the SQLite database at path, brings
// its schema up to date and returns the store. Several processes may open
// the same file.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// A file: URI with an escaped path, so that '?' or '%' in a file name
	// cannot be taken for parameters.
	uri := "file:" + (&url.URL{Path: abs}).EscapedPath()
	params := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL", BusyTimeout.Milliseconds())

	s := &Store{path: abs}
	s.writer, err = sql.Open("sqlite", uri+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", abs, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)

	// Migrate before the readers open: their query_only connections must
	// not be the first to touch a new file.
	if err := s.writer.PingContext(ctx); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", abs, err)
	}
	if err := migrate(ctx, s.writer); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("%w (database %s)", err, abs)
	}
	if err := syncDir(filepath.Dir(abs)); err != nil {
		s.writer.Close()
		return nil, err
	}

	s.reader, err = sql.Open("sqlite", uri+"?"+params+"&_query_only=1")
	if err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", abs, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	s.reader.SetMaxOpenConns(n)
	s.reader.SetMaxIdleConns(n)
	if err := s.reader.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", abs, err)
	}
	return s, nil
}

// syncDir fsyncs a directory, so that the entries of newly created
// database and log files survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sqlite: syncing directory %s: %w", dir, err)
	}
	return nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	var errs []error
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	errs = append(errs, s.writer.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: closing %s: %w", s.path, err)
	}
	return nil
}

// Ping reports whether both the read and the write connections answer.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range []*sql.DB{s.reader, s.writer} {
		var one int
		if err := db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
			return fmt.Errorf("sqlite: ping %s: %w", s.path, err)
		}
	}
	return nil
}

// write runs f in one write transaction and commits it.
func (s *Store) write(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", what, err)
	}
	return nil
}

// nextSeq returns the Seq the write in tx takes: writes are serialised by
// the write lock, so no other transaction can take the same one.
func nextSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM entries`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sqlite: next seq: %w", err)
	}
	return seq, nil
}

// state reads the deleted flag and creation time of an entry in tx;
// found is false when there is no such entry.
func state(ctx context.Context, tx *sql.Tx, kind, id string) (found, deleted bool, created int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT deleted, created FROM entries WHERE kind = ? AND id = ?`, kind, id).Scan(&deleted, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, 0, nil
	}
	if err != nil {
		return false, false, 0, fmt.Errorf("sqlite: reading %s %s: %w", kind, id, err)
	}
	return true, deleted, created, nil
}

// appendAudit stores a, the record of the write that gave entrySeq, and
// returns its Seq.
func appendAudit(ctx context.Context, tx *sql.Tx, a *store.AuditRecord, t time.Time, entrySeq int64) (int64, error) {
	var caller any // NULL for the operator
	if len(a.Caller) > 0 {
		caller = a.Caller
	}
	var seq int64
	err := tx.QueryRowContext(ctx, `INSERT INTO audit (seq, time, country, caller, action, kind, id, entry_seq, request)
VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM audit), ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		t.UnixMicro(), a.Country, caller, a.Action, a.Kind, a.ID, entrySeq, nonNil(a.Request)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("sqlite: audit of %s %s: %w", a.Kind, a.ID, err)
	}
	return seq, nil
}

// nonNil keeps an empty byte slice from being bound as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func insertEntry(ctx context.Context, tx *sql.Tx, e *store.Entry, seq int64, created, updated time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO entries (kind, id, seq, country, type, thumbprint, data, signature, created, updated, deleted)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
		e.Kind, e.ID, seq, e.Country, e.Type, e.Thumbprint, e.Data, nonNil(e.Signature), created.UnixMicro(), updated.UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlite: inserting %s %s: %w", e.Kind, e.ID, err)
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
		return fmt.Errorf("sqlite: %w: version %d is not positive", store.ErrInvalid, version)
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
	err = s.write(ctx, "insert", func(tx *sql.Tx) error {
		found, deleted, _, err := state(ctx, tx, e.Kind, e.ID)
		if err != nil {
			return err
		}
		if found {
			if deleted {
				return fmt.Errorf("sqlite: %w: %s %s was deleted, and an ID is never reused", store.ErrConflict, e.Kind, e.ID)
			}
			return fmt.Errorf("sqlite: %w: %s %s", store.ErrConflict, e.Kind, e.ID)
		}
		if seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		if version != 0 {
			if version < seq {
				return fmt.Errorf("sqlite: %w: version %d is not above the store's version %d", store.ErrInvalid, version, seq-1)
			}
			seq = version
		}
		if err := insertEntry(ctx, tx, e, seq, t, t); err != nil {
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
	err = s.write(ctx, "replace", func(tx *sql.Tx) error {
		found, deleted, c, err := state(ctx, tx, e.Kind, e.ID)
		if err != nil {
			return err
		}
		if deleted {
			return fmt.Errorf("sqlite: %w: %s %s", store.ErrDeleted, e.Kind, e.ID)
		}
		if seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		if found {
			created = fromMicro(c)
			_, err = tx.ExecContext(ctx, `UPDATE entries SET seq = ?, country = ?, type = ?, thumbprint = ?, data = ?, signature = ?, updated = ?
WHERE kind = ? AND id = ?`, seq, e.Country, e.Type, e.Thumbprint, e.Data, nonNil(e.Signature), t.UnixMicro(), e.Kind, e.ID)
			if err != nil {
				return fmt.Errorf("sqlite: replacing %s %s: %w", e.Kind, e.ID, err)
			}
		} else if err := insertEntry(ctx, tx, e, seq, t, t); err != nil {
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
	err = s.write(ctx, "delete", func(tx *sql.Tx) error {
		found, deleted, _, err := state(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("sqlite: %w: %s %s", store.ErrNotFound, kind, id)
		}
		if deleted {
			return fmt.Errorf("sqlite: %w: %s %s", store.ErrDeleted, kind, id)
		}
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		row := tx.QueryRowContext(ctx, `UPDATE entries SET seq = ?, signature = ?, updated = ?, deleted = 1
WHERE kind = ? AND id = ? RETURNING `+entryColumns, seq, nonNil(signature), t.UnixMicro(), kind, id)
		if e, err = scanEntry(row); err != nil {
			return fmt.Errorf("sqlite: deleting %s %s: %w", kind, id, err)
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

func fromMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

func scanEntry(row interface{ Scan(...any) error }) (*store.Entry, error) {
	var e store.Entry
	var created, updated int64
	if err := row.Scan(&e.Seq, &e.Kind, &e.ID, &e.Country, &e.Type, &e.Thumbprint, &e.Data, &e.Signature, &created, &updated, &e.Deleted); err != nil {
		return nil, err
	}
	e.Created, e.Updated = fromMicro(created), fromMicro(updated)
	return &e, nil
}

// Get returns the entry, live or tombstone.
func (s *Store) Get(ctx context.Context, kind, id string) (*store.Entry, error) {
	if err := store.CheckKey(kind, id); err != nil {
		return nil, err
	}
	e, err := scanEntry(s.reader.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM entries WHERE kind = ? AND id = ?`, kind, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: %w: %s %s", store.ErrNotFound, kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading %s %s: %w", kind, id, err)
	}
	return e, nil
}

// Version returns the highest Seq of any entry.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.reader.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM entries`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: version: %w", err)
	}
	return v, nil
}

// List returns the entries f selects in Seq order and the version they
// were read at, both from one read transaction (one WAL snapshot).
func (s *Store) List(ctx context.Context, f store.Filter) ([]*store.Entry, int64, error) {
	if err := store.CheckFilter(f); err != nil {
		return nil, 0, err
	}
	var q strings.Builder
	q.WriteString(`SELECT ` + entryColumns + ` FROM entries WHERE seq > ?`)
	args := []any{f.Since}
	if !f.Deleted {
		q.WriteString(` AND deleted = 0`)
	}
	if len(f.Kinds) > 0 {
		q.WriteString(` AND kind IN (?` + strings.Repeat(`, ?`, len(f.Kinds)-1) + `)`)
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	if f.Country != "" {
		q.WriteString(` AND country = ?`)
		args = append(args, f.Country)
	}
	if f.Type != "" {
		q.WriteString(` AND type = ?`)
		args = append(args, f.Type)
	}
	q.WriteString(` ORDER BY seq`)
	if f.Limit > 0 {
		q.WriteString(` LIMIT ?`)
		args = append(args, f.Limit)
	}

	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: list: %w", err)
	}
	defer tx.Rollback()
	var version int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM entries`).Scan(&version); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list: version: %w", err)
	}
	rows, err := tx.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: list: %w", err)
	}
	defer rows.Close()
	var out []*store.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlite: list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list: %w", err)
	}
	return out, version, nil
}

// Audit returns audit records in Seq order.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]*store.AuditRecord, error) {
	if err := store.CheckAuditFilter(f); err != nil {
		return nil, err
	}
	q := `SELECT seq, time, country, caller, action, kind, id, entry_seq, request FROM audit WHERE seq > ?`
	args := []any{f.Since}
	if f.Country != "" {
		q += ` AND country = ?`
		args = append(args, f.Country)
	}
	q += ` ORDER BY seq`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	defer rows.Close()
	var out []*store.AuditRecord
	for rows.Next() {
		var a store.AuditRecord
		var t int64
		if err := rows.Scan(&a.Seq, &t, &a.Country, &a.Caller, &a.Action, &a.Kind, &a.ID, &a.EntrySeq, &a.Request); err != nil {
			return nil, fmt.Errorf("sqlite: audit: %w", err)
		}
		a.Time = fromMicro(t)
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return out, nil
}
