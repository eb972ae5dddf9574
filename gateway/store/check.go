package store

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// The record checks every implementation applies before writing or
// reading, so that all stores refuse the same records with the same
// errors (storetest runs the same invalid records against each).

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// CheckKey checks an entry's kind and ID: a kind is lowercase ASCII
// letters, digits, '.', '_' or '-', starting with a letter; an ID is
// printable ASCII without spaces (base64, hex, UUIDs, rule identifiers).
func CheckKey(kind, id string) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	if id == "" {
		return invalid("%s: entry ID is empty", kind)
	}
	if len(id) > limits.MaxStoreID {
		return invalid("%s: entry ID is %d bytes, more than %d", kind, len(id), limits.MaxStoreID)
	}
	if i := nonPrintable(id); i >= 0 {
		return invalid("%s: entry ID %q: byte %d is not printable ASCII", kind, id, i)
	}
	return nil
}

func checkKind(kind string) error {
	if kind == "" {
		return invalid("entry kind is empty")
	}
	if len(kind) > limits.MaxStoreKind {
		return invalid("entry kind is %d bytes, more than %d", len(kind), limits.MaxStoreKind)
	}
	for i := 0; i < len(kind); i++ {
		c := kind[i]
		if !('a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '_' || c == '-')) {
			return invalid("entry kind %q: byte %d (%q) is not a lowercase letter, digit, '.', '_' or '-'", kind, i, c)
		}
	}
	return nil
}

// nonPrintable returns the index of the first byte of s outside '!'..'~',
// or -1.
func nonPrintable(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return i
		}
	}
	return -1
}

func checkCountry(what, c string) error {
	if c == "" {
		return nil
	}
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return invalid("%s country %q is not two uppercase letters (ISO 3166-1 alpha-2)", what, c)
	}
	return nil
}

// CheckEntry checks an entry given to Insert or Replace.
func CheckEntry(e *Entry) error {
	if e == nil {
		return invalid("entry is nil")
	}
	if err := CheckKey(e.Kind, e.ID); err != nil {
		return err
	}
	name := e.Kind + " " + e.ID
	if err := checkCountry(name+": entry", e.Country); err != nil {
		return err
	}
	if len(e.Type) > limits.MaxStoreType {
		return invalid("%s: type is %d bytes, more than %d", name, len(e.Type), limits.MaxStoreType)
	}
	if i := nonPrintable(e.Type); i >= 0 {
		return invalid("%s: type %q: byte %d is not printable ASCII", name, e.Type, i)
	}
	if len(e.Data) == 0 {
		return invalid("%s: data is empty", name)
	}
	if len(e.Data) > limits.MaxStoreData {
		return invalid("%s: data is %d bytes, more than %d", name, len(e.Data), limits.MaxStoreData)
	}
	sum := sha256.Sum256(e.Data)
	if !bytes.Equal(e.Thumbprint, sum[:]) {
		return invalid("%s: thumbprint %x is not the SHA-256 of the data (%x)", name, e.Thumbprint, sum)
	}
	if err := CheckSignature(name, e.Signature); err != nil {
		return err
	}
	if e.Deleted {
		return invalid("%s: a new state cannot be a tombstone (use Delete)", name)
	}
	return nil
}

func CheckSignature(name string, sig []byte) error {
	if len(sig) > limits.MaxStoreSignature {
		return invalid("%s: signature is %d bytes, more than %d", name, len(sig), limits.MaxStoreSignature)
	}
	return nil
}

// CheckAudit checks the audit record of a write to the entry kind/id,
// filling a.Kind and a.ID when empty. It returns the record's time as
// stored: in UTC, truncated to the microsecond.
func CheckAudit(a *AuditRecord, kind, id string) (time.Time, error) {
	if a == nil {
		return time.Time{}, invalid("%s %s: audit record is nil", kind, id)
	}
	if a.Kind == "" && a.ID == "" {
		a.Kind, a.ID = kind, id
	}
	if a.Kind != kind || a.ID != id {
		return time.Time{}, invalid("audit record names %s %q but the write is to %s %q", a.Kind, a.ID, kind, id)
	}
	name := kind + " " + id
	if a.Time.IsZero() {
		return time.Time{}, invalid("%s: audit time is zero", name)
	}
	t := a.Time.UTC().Truncate(time.Microsecond)
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, invalid("%s: audit time %v is outside the years 1 to 9999", name, a.Time)
	}
	if err := checkCountry(name+": caller", a.Country); err != nil {
		return time.Time{}, err
	}
	if len(a.Caller) != 0 && len(a.Caller) != sha256.Size {
		return time.Time{}, invalid("%s: caller fingerprint is %d bytes, not a SHA-256 (%d)", name, len(a.Caller), sha256.Size)
	}
	if a.Action == "" {
		return time.Time{}, invalid("%s: audit action is empty", name)
	}
	if len(a.Action) > limits.MaxStoreAction {
		return time.Time{}, invalid("%s: audit action is %d bytes, more than %d", name, len(a.Action), limits.MaxStoreAction)
	}
	if i := nonPrintable(a.Action); i >= 0 {
		return time.Time{}, invalid("%s: audit action %q: byte %d is not printable ASCII", name, a.Action, i)
	}
	if len(a.Request) > limits.MaxStoreRequest {
		return time.Time{}, invalid("%s: audit request is %d bytes, more than %d", name, len(a.Request), limits.MaxStoreRequest)
	}
	return t, nil
}

// CheckFilter checks a list filter.
func CheckFilter(f Filter) error {
	if len(f.Kinds) > limits.MaxStoreFilterKinds {
		return invalid("filter has %d kinds, more than %d", len(f.Kinds), limits.MaxStoreFilterKinds)
	}
	for _, k := range f.Kinds {
		if err := checkKind(k); err != nil {
			return err
		}
	}
	if err := checkCountry("filter", f.Country); err != nil {
		return err
	}
	if len(f.Type) > limits.MaxStoreType {
		return invalid("filter type is %d bytes, more than %d", len(f.Type), limits.MaxStoreType)
	}
	if f.Since < 0 || f.Limit < 0 {
		return invalid("filter since %d, limit %d: negative", f.Since, f.Limit)
	}
	return nil
}

func CheckAuditFilter(f AuditFilter) error {
	if err := checkCountry("audit filter", f.Country); err != nil {
		return err
	}
	if f.Since < 0 || f.Limit < 0 {
		return invalid("audit filter since %d, limit %d: negative", f.Since, f.Limit)
	}
	return nil
}
