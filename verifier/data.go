package verifier

import (
	"context"
	"time"

	"github.com/ithc/ithc/verify"
)

// A Source is one optional kind of verification data kept in the data
// directory beside the trust list: acceptance rules (rules.json),
// revocation data (revocation/), decryption keys, value sets. The service
// syncs and loads each source on its own schedule's tick, after the trust
// list; a source that fails keeps its last good data, as the trust list
// does, and its failure shows in /v1/status.
//
// The rules, revocation and decryption sources are written beside this
// file (rules.go, revocation.go) and given to the service in
// Options.Sources.
type Source struct {
	// Name names the data in /v1/status, the metrics and the logs:
	// "rules", "revocation", "encryption", "valuesets".
	Name string
	// Sync, when set, brings the source's files in o.Dir up to date from
	// the gateway at o.URL (same anchor, client and clock as the trust
	// list). It must replace its files atomically and leave them
	// untouched on error. Nil when the source is only read.
	Sync func(ctx context.Context, o SyncOptions) error
	// Load reads the source's files in dir and sets its part of o
	// (Rules, Revocation, Decrypter or ValueSets), returning what to show
	// in /v1/status. Absent files are not an error: Load returns a status
	// with Present false and leaves o alone. Load must not keep o.
	Load func(dir string, o *verify.Options) (DataStatus, error)
}

// DataStatus describes one kind of data the service verifies with, as
// /v1/status shows it.
type DataStatus struct {
	// Present is false when the data directory holds none of this data:
	// the corresponding check does not run.
	Present bool `json:"present"`
	// Version is the data's version as its source names it (the gateway's
	// list version, a rule set's version).
	Version string `json:"version,omitempty"`
	// Updated is when the data was last received from its source (the
	// last successful sync); zero when unknown or never synced.
	Updated time.Time `json:"updated,omitzero"`
	// AgeSeconds is the age of the data at the time of the status, from
	// Updated; the service fills it.
	AgeSeconds float64 `json:"age_seconds,omitempty"`
	// Stale is true when the data is older than the configured
	// stale_after; the service fills it.
	Stale bool `json:"stale,omitempty"`
	// Source is where the data comes from (a URL, "embedded").
	Source string `json:"source,omitempty"`
	// Detail says more: counts, the entries left out.
	Detail string `json:"detail,omitempty"`
	// LastError is the last sync or load error of this data, if the last
	// attempt failed (the last good data is still used).
	LastError string `json:"last_error,omitempty"`
}

// mergeOptions copies the parts a source set in from into to.
func mergeOptions(to *verify.Options, from *verify.Options) {
	if from.Rules != nil {
		to.Rules = from.Rules
	}
	if from.Revocation != nil {
		to.Revocation = from.Revocation
	}
	if from.Decrypter != nil {
		to.Decrypter = from.Decrypter
	}
	if from.ValueSets != nil {
		to.ValueSets = from.ValueSets
	}
}
