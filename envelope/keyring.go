package envelope

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
)

// KindEncryption is the trust-list entry kind of recipient keys (the
// gateway's store.KindEncryption).
const KindEncryption = "encryption"

// KeyRing holds the published recipient keys of countries, from which an
// issuer picks the key of each destination (Select, Recipients). Several
// keys of one country may be valid at once during a rotation.
type KeyRing struct {
	records []*KeyRecord
}

// Add adds records to the ring; a record with a key identifier already
// present is ignored.
func (k *KeyRing) Add(records ...*KeyRecord) {
	for _, r := range records {
		if k.Lookup(r.KID) == nil {
			k.records = append(k.records, r)
		}
	}
}

// Records returns the keys, ordered by country, then not-before.
func (k *KeyRing) Records() []*KeyRecord {
	out := append([]*KeyRecord(nil), k.records...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Country != out[j].Country {
			return out[i].Country < out[j].Country
		}
		return out[i].NotBefore.Before(out[j].NotBefore)
	})
	return out
}

// Lookup returns the record of a key identifier, or nil.
func (k *KeyRing) Lookup(kid []byte) *KeyRecord {
	for _, r := range k.records {
		if bytes.Equal(r.KID, kid) {
			return r
		}
	}
	return nil
}

// Select returns the key an issuer encrypts for country at now: among the
// country's keys valid at now, the one that became valid last (the newest
// of a rotation; ties go to the one valid longest). During an overlap the
// older key stays valid for verifiers that still hold only it, but new
// codes use the newer one.
func (k *KeyRing) Select(country string, now time.Time) (*KeyRecord, error) {
	var best *KeyRecord
	var seen []string
	for _, r := range k.records {
		if r.Country != country {
			continue
		}
		if !r.ValidAt(now) {
			seen = append(seen, fmt.Sprintf("%s valid %s to %s", KIDString(r.KID), timeString(r.NotBefore), timeString(r.NotAfter)))
			continue
		}
		if best == nil || r.NotBefore.After(best.NotBefore) || r.NotBefore.Equal(best.NotBefore) && r.NotAfter.After(best.NotAfter) {
			best = r
		}
	}
	if best != nil {
		return best, nil
	}
	if len(seen) > 0 {
		return nil, fmt.Errorf("envelope: %s has no recipient key valid at %s (keys: %s)", country, timeString(now), strings.Join(seen, "; "))
	}
	return nil, fmt.Errorf("envelope: %s has published no recipient key", country)
}

// Recipients returns the recipients of countries at now (Select for
// each); a country named twice is an error.
func (k *KeyRing) Recipients(countries []string, now time.Time) ([]Recipient, error) {
	var out []Recipient
	seen := make(map[string]bool)
	for _, c := range countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !validCountry(c) {
			return nil, fmt.Errorf("envelope: recipient country %q is not an ISO 3166-1 alpha-2 code", c)
		}
		if seen[c] {
			return nil, fmt.Errorf("envelope: recipient country %s is named twice", c)
		}
		seen[c] = true
		r, err := k.Select(c, now)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Recipient())
	}
	return out, nil
}

// ParseKeyRecords parses a file of recipient keys: one KeyRecord or a
// JSON array of them (what "ithc enckey generate" writes and what an
// operator may hand out of band).
func ParseKeyRecords(data []byte) (*KeyRing, error) {
	if len(data) > limits.MaxRecipientKeyFile {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrKeyRecord, len(data), limits.MaxRecipientKeyFile)
	}
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeyRecord, err)
		}
	} else {
		raws = []json.RawMessage{data}
	}
	ring := &KeyRing{}
	for i, raw := range raws {
		r, err := ParseKeyRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i+1, err)
		}
		ring.Add(r)
	}
	return ring, nil
}

// KeysFromList returns the recipient keys of a verified trust list (see
// trust.VerifyList): each entry of kind "encryption" counts only if its
// upload signature is a CMS over exactly its data by an upload certificate
// of its country that the trust anchor onboarded, and its record is valid
// and matches the entry (country, kid). Entries that fail are left out and
// reported. The keys' validity is not compared with the time here; Select
// does that.
func KeysFromList(l *trust.List, anchor *x509.Certificate) (*KeyRing, []trust.ListProblem) {
	var problems []trust.ListProblem
	bad := func(e *trust.ListEntry, format string, args ...any) {
		problems = append(problems, trust.ListProblem{Kind: e.Kind, ID: e.ID, Country: e.Country, Reason: fmt.Sprintf(format, args...)})
	}
	uploads := trust.UploadsOf(l, anchor)
	ring := &KeyRing{}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Deleted || e.Kind != KindEncryption {
			continue
		}
		if err := uploads.CheckEntry(e); err != nil {
			bad(e, "%v", err)
			continue
		}
		r, err := ParseKeyRecord(e.Data)
		if err != nil {
			bad(e, "%v", err)
			continue
		}
		if r.Country != e.Country || KIDString(r.KID) != e.ID {
			bad(e, "the record (%s, kid %s) does not match the entry", r.Country, KIDString(r.KID))
			continue
		}
		ring.Add(r)
	}
	return ring, problems
}

// LoadSyncedKeys returns the recipient keys of a synced trust directory
// (written by "ithc trust sync"; see trust.ReadSynced), checked as
// KeysFromList does against the anchor the directory was synced with.
func LoadSyncedKeys(dir string) (*KeyRing, []trust.ListProblem, error) {
	s, anchor, err := trust.ReadSynced(dir)
	if err != nil {
		return nil, nil, err
	}
	ring, problems := KeysFromList(&s.List, anchor)
	return ring, problems, nil
}
