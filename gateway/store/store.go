// Package store defines how the gateway keeps what countries publish: the
// Store interface, the records it holds and the errors it returns. The
// implementations live in the subpackages sqlite (the embedded default,
// pure Go) and postgres (several gateway instances on one database);
// storetest holds the behaviour both must show and is run against each.
//
// Everything a verifier may fetch is an Entry: a country's onboarded
// certificates (CSCA, upload, TLS), its document signers, and later its
// rules, revocation batches and encryption keys, and the gateway's value
// sets. All entries share one sequence: every write (insert, replace,
// tombstone) takes the next Seq, and Seq order is commit order, so a
// verifier that has seen everything up to version N asks for Seq > N and
// misses nothing, even with several gateway instances writing to one
// database. Deleting an entry leaves a tombstone (Deleted set, a new Seq)
// so that verifiers syncing incrementally learn of it. An ID is never
// reused once taken, not even after deletion: a removed signer cannot be
// slipped back in under the same key identifier.
//
// Every write is stored together with its AuditRecord in one transaction:
// there is no entry without its audit record and no audit record of a
// write that did not happen. The audit table is append-only.
package store

import (
	"context"
	"errors"
	"time"
)

// Kinds of entries. Onboarding records (KindCSCA, KindUpload, KindTLS) are
// signed by the gateway's trust anchor; the other kinds are signed by the
// uploading country's upload certificate.
const (
	KindCSCA       = "csca"       // a country signing CA certificate (DER)
	KindUpload     = "upload"     // a country's upload certificate (DER)
	KindTLS        = "tls"        // a country's TLS client certificate (DER)
	KindSigner     = "signer"     // a document signer certificate (DER)
	KindValueSet   = "valueset"   // a value-set file, gateway-owned
	KindCountry    = "country"    // an onboarded country (JSON), gateway-owned
	KindRule       = "rule"       // an acceptance or invalidation rule (JSON), issue 4
	KindRevocation = "revocation" // a revocation batch, issue 7
	KindEncryption = "encryption" // a recipient encryption key, issue 9
)

// Errors a Store returns; implementations wrap them with detail, so test
// with errors.Is.
var (
	// ErrNotFound: no entry with that kind and ID.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: Insert of an ID that exists (live or deleted).
	ErrConflict = errors.New("store: already exists")
	// ErrDeleted: Delete or Replace of an entry that is already a tombstone.
	ErrDeleted = errors.New("store: entry deleted")
	// ErrInvalid: a record lacks a required field or a field is too large.
	ErrInvalid = errors.New("store: invalid record")
)

// Entry is one item of the signed lists.
type Entry struct {
	// Seq is assigned by the store on every write; zero before.
	Seq int64
	// Kind is one of the Kind constants.
	Kind string
	// ID is unique within Kind, for ever. For signers it is the key
	// identifier in standard base64 (as the EU gateway writes it); for
	// onboarding records the hex SHA-256 thumbprint of the certificate.
	ID string
	// Country is the ISO 3166-1 alpha-2 code of the owning country; empty
	// for gateway-owned entries such as value sets.
	Country string
	// Type refines Kind (for signers "DSC"; for rules "Acceptance" or
	// "Invalidation"); may be empty.
	Type string
	// Thumbprint is the SHA-256 of Data.
	Thumbprint []byte
	// Data is the content: certificate DER or JSON.
	Data []byte
	// Signature is the signed request that produced this state: the CMS
	// upload (or delete) signed by the country's upload certificate, or the
	// trust anchor's signature of an onboarding record.
	Signature []byte
	// Created is when the entry was first stored; Updated when its current
	// state was written (equal to Created until replaced or deleted).
	Created, Updated time.Time
	// Deleted marks a tombstone.
	Deleted bool
}

// AuditRecord describes one accepted write.
type AuditRecord struct {
	// Seq is assigned by the store; zero before.
	Seq int64
	// Time is when the write happened.
	Time time.Time
	// Country is the caller's country; empty for the operator.
	Country string
	// Caller is the SHA-256 fingerprint of the caller's TLS client
	// certificate; nil for operator commands run on the gateway host.
	Caller []byte
	// Action names the write, such as "signer.upload", "signer.delete",
	// "onboard.csca".
	Action string
	// Kind and ID name the entry written.
	Kind, ID string
	// EntrySeq is the Seq the write gave the entry (filled by the store).
	EntrySeq int64
	// Request is the signed request body exactly as received.
	Request []byte
}

// Filter selects entries for List. Zero fields select everything.
type Filter struct {
	// Kinds restricts to these kinds; empty means all kinds.
	Kinds []string
	// Country restricts to one country.
	Country string
	// Type restricts to one type.
	Type string
	// Since returns only entries with Seq > Since (incremental sync).
	Since int64
	// Deleted includes tombstones. An incremental sync sets it, a full
	// download usually does not.
	Deleted bool
	// Limit caps the number of entries returned (0 means no cap); List
	// returns them in Seq order, so a caller pages by raising Since.
	Limit int
}

// AuditFilter selects audit records.
type AuditFilter struct {
	// Country restricts to one caller country.
	Country string
	// Since returns only records with Seq > Since.
	Since int64
	// Limit caps the number of records (0 means no cap).
	Limit int
}

// Store keeps the gateway's entries and audit log. Implementations are safe
// for concurrent use, and a write that returned nil is durable: it survives
// the process being killed the next instant.
type Store interface {
	// Insert stores a new entry and its audit record atomically, setting
	// e.Seq, e.Created, e.Updated (from a.Time), a.Seq and a.EntrySeq. It
	// returns ErrConflict if an entry of that kind and ID exists, deleted
	// or not; then nothing is stored.
	Insert(ctx context.Context, e *Entry, a *AuditRecord) error
	// Replace overwrites the live entry of e's kind and ID (or inserts it
	// when absent) with a new Seq, keeping Created. It returns ErrDeleted
	// for a tombstone. Used for versioned content such as value sets and
	// rules.
	Replace(ctx context.Context, e *Entry, a *AuditRecord) error
	// Delete turns the live entry into a tombstone with a new Seq, storing
	// signature as its Signature, and returns it. It returns ErrNotFound
	// when there is no such entry and ErrDeleted when it is a tombstone.
	Delete(ctx context.Context, kind, id string, signature []byte, a *AuditRecord) (*Entry, error)
	// Advance inserts e as Insert does but with Seq = version, raising the
	// store's version to it; version must be above the current version
	// (ErrInvalid otherwise) and e's ID unused. It is the operator's repair
	// after restoring a backup (docs/operations.md): the restored store's
	// version is below the highest one verifiers have seen, and every
	// write after the repair must be newer than that to reach them.
	Advance(ctx context.Context, version int64, e *Entry, a *AuditRecord) error
	// Get returns the entry, live or tombstone, or ErrNotFound.
	Get(ctx context.Context, kind, id string) (*Entry, error)
	// List returns the entries f selects in Seq order, and the version of
	// the store they were read at (the highest Seq of any entry at that
	// moment, selected or not): one consistent snapshot.
	List(ctx context.Context, f Filter) ([]*Entry, int64, error)
	// Version returns the highest Seq of any entry (0 when empty).
	Version(ctx context.Context) (int64, error)
	// Audit returns audit records in Seq order.
	Audit(ctx context.Context, f AuditFilter) ([]*AuditRecord, error)
	// Ping reports whether the store is reachable (readiness).
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}
