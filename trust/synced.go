package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// A synced trust directory (written by `ithc trust sync`, read by `ithc
// verify --trust DIR`) holds two files:
//
//   - anchor.pem: the gateway trust anchor the list was checked against;
//   - trustlist.json: a SyncedList, the merged content of every signed list
//     received, checked when it was received.
//
// Both are replaced atomically (temporary file, fsync, rename, fsync of the
// directory), so a reader sees the old or the new copy, never a mixture,
// and a failed sync leaves the last good copy in place.
//
// trustlist.json is {"sha256": hex, "synced": SyncedList}, the digest
// being of the synced member's bytes exactly as stored, so that a file
// damaged on disk (truncated, a flipped bit) is detected when read
// (ErrCorrupt) instead of yielding wrong keys. Before a new copy replaces
// a good one, the good one is kept as trustlist.prev.json; LoadSynced
// falls back to it when the current copy is damaged (saying so in
// SyncedList.Recovered), and the next sync, finding the current copy
// damaged, downloads the whole list afresh and replaces it.
const (
	FileAnchor        = "anchor.pem"
	FileTrustList     = "trustlist.json"
	FilePrevTrustList = "trustlist.prev.json"
)

// ErrEpoch reports an incremental list of another epoch than the local
// copy (see List.Epoch): the gateway was restored and advanced since, and
// only a full download brings the copy to its state.
var ErrEpoch = errors.New("trust: the gateway was restored since the last sync")

// ErrCorrupt reports a synced copy damaged on disk.
var ErrCorrupt = errors.New("trust: synced copy damaged")

// syncedFile is the form of trustlist.json.
type syncedFile struct {
	SHA256 string          `json:"sha256"`
	Synced json.RawMessage `json:"synced"`
}

// SyncedList is the verifier's offline copy of a gateway's trust list.
type SyncedList struct {
	// Source is where it was fetched from.
	Source string `json:"source"`
	// Synced is when the last sync succeeded (including a 304 answer).
	Synced time.Time `json:"synced"`
	// ETag is the validator of the last answer, for If-None-Match.
	ETag string `json:"etag,omitempty"`
	// List is the merged list: Since is zero, no tombstones.
	List List `json:"list"`
	// Signers are the IDs (kids in standard base64) of the signer entries
	// that passed BuildStore when the list was received, and Problems the
	// entries left out then. LoadSynced uses only these signers.
	Signers  []string      `json:"signers"`
	Problems []ListProblem `json:"problems,omitempty"`
	// Recovered is set by LoadSynced when the current copy was damaged
	// and the previous good copy was loaded instead: it says so, for
	// every result to show until the next sync repairs the copy.
	Recovered string `json:"-"`
}

// Checked records the outcome of BuildStore for l's entries in s.
func (s *SyncedList) Checked(st *Store, problems []ListProblem) {
	s.Signers = nil
	for _, sig := range st.All() {
		s.Signers = append(s.Signers, base64.StdEncoding.EncodeToString(sig.KID))
	}
	sort.Strings(s.Signers)
	s.Problems = problems
}

// Merge applies a verified list to s: a full list (Since zero) replaces
// the entries, an incremental one must start at s's version and its
// entries replace or (tombstones) remove entries of the same kind and ID.
// A list older than s is refused: a gateway or mirror cannot roll a
// verifier back to an earlier state.
func (s *SyncedList) Merge(l *List) error {
	if l.Version < s.List.Version {
		return fmt.Errorf("%w: version %d is older than the local copy's %d (rollback refused)", ErrListFormat, l.Version, s.List.Version)
	}
	if l.Since == 0 {
		s.List = *l
		s.List.Entries = nil
		for _, e := range l.Entries {
			if !e.Deleted {
				s.List.Entries = append(s.List.Entries, e)
			}
		}
		return nil
	}
	if l.Since != s.List.Version {
		return fmt.Errorf("%w: incremental list since %d does not follow the local version %d", ErrListFormat, l.Since, s.List.Version)
	}
	if l.Epoch != s.List.Epoch {
		return fmt.Errorf("%w: %w: the gateway's epoch is %d, the local copy's %d; download the whole list", ErrListFormat, ErrEpoch, l.Epoch, s.List.Epoch)
	}
	index := make(map[string]int, len(s.List.Entries))
	for i, e := range s.List.Entries {
		index[e.Kind+"/"+e.ID] = i
	}
	removed := make(map[int]bool)
	for _, e := range l.Entries {
		i, ok := index[e.Kind+"/"+e.ID]
		switch {
		case e.Deleted && ok:
			removed[i] = true
		case e.Deleted:
		case ok:
			s.List.Entries[i] = e
			delete(removed, i)
		default:
			index[e.Kind+"/"+e.ID] = len(s.List.Entries)
			s.List.Entries = append(s.List.Entries, e)
		}
	}
	kept := s.List.Entries[:0]
	for i, e := range s.List.Entries {
		if !removed[i] {
			kept = append(kept, e)
		}
	}
	s.List.Entries = kept
	sort.Slice(s.List.Entries, func(i, j int) bool { return s.List.Entries[i].Seq < s.List.Entries[j].Seq })
	s.List.Version = l.Version
	s.List.Issued = l.Issued
	return nil
}

// ListProblem is an entry BuildStore left out, and why.
type ListProblem struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Country string `json:"country,omitempty"`
	Reason  string `json:"reason"`
}

func (p ListProblem) String() string {
	return fmt.Sprintf("%s %s (%s): %s", p.Kind, p.ID, p.Country, p.Reason)
}

// BuildStore checks the entries of a verified list and returns a Store of
// its document signers. A country certificate (CSCA, upload) counts only if
// its onboarding record is signed by anchor and matches the entry; a
// signer counts only if it chains to such a CSCA of its country
// (AddChecked) and its upload CMS is signed by an onboarded upload
// certificate of that country over exactly the signer's DER. Entries that
// fail are left out and reported; the time is not checked here (the
// verifier checks validity windows against the time of verification).
func BuildStore(l *List, anchor *x509.Certificate) (*Store, []ListProblem) {
	var problems []ListProblem
	bad := func(e *ListEntry, format string, args ...any) {
		problems = append(problems, ListProblem{Kind: e.Kind, ID: e.ID, Country: e.Country, Reason: fmt.Sprintf(format, args...)})
	}
	cscas := make(map[string][]*x509.Certificate)
	uploads := Uploads{}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Deleted || (e.Kind != "csca" && e.Kind != "upload") {
			continue
		}
		rec, cert, err := VerifyOnboarding(e.Signature, anchor)
		if err != nil {
			bad(e, "%v", err)
			continue
		}
		if rec.Role != e.Kind || rec.Country != e.Country || rec.Thumbprint != e.ID || !bytes.Equal(rec.Certificate, e.Data) {
			bad(e, "the onboarding record does not match the entry")
			continue
		}
		if e.Kind == "csca" {
			cscas[e.Country] = append(cscas[e.Country], cert)
		} else {
			uploads.add(e.Country, rec.Thumbprint)
		}
	}
	// The signature checks (CMS upload, chain to the CSCA) dominate; run
	// them on every core, then add the signers in list order.
	var signers []int
	for i := range l.Entries {
		if e := &l.Entries[i]; !e.Deleted && e.Kind == "signer" {
			signers = append(signers, i)
		}
	}
	results := make([]signerCheck, len(signers))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(signers))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(signers) {
					return
				}
				results[k] = checkSigner(&l.Entries[signers[k]], cscas, uploads)
			}
		}()
	}
	wg.Wait()
	s := NewStore()
	for k, i := range signers {
		r := results[k]
		if r.reason == "" {
			if err := s.Add(r.dsc, r.country); err != nil {
				r.reason = err.Error()
			}
		}
		if r.reason != "" {
			bad(&l.Entries[i], "%s", r.reason)
		}
	}
	return s, problems
}

// signerCheck is the outcome of checkSigner: the certificate and country
// to add, or the reason it is left out.
type signerCheck struct {
	dsc     *x509.Certificate
	country string
	reason  string
}

// checkSigner checks one signer entry: its kid, its upload signature and
// its chain to one of its country's CSCAs (AddChecked's conditions).
func checkSigner(e *ListEntry, cscas map[string][]*x509.Certificate, uploads Uploads) (r signerCheck) {
	dsc, err := x509.ParseCertificate(e.Data)
	if err != nil {
		r.reason = fmt.Sprintf("certificate: %v", err)
		return r
	}
	if id := base64.StdEncoding.EncodeToString(KID(dsc)); id != e.ID {
		r.reason = fmt.Sprintf("the entry's kid is not the certificate's (%s)", id)
		return r
	}
	if err := uploads.CheckEntry(e); err != nil {
		r.reason = err.Error()
		return r
	}
	var reasons []string
	for _, csca := range cscas[e.Country] {
		country, err := checkIssued(dsc, csca)
		if err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		r.dsc, r.country = dsc, country
		return r
	}
	if len(reasons) == 0 {
		r.reason = fmt.Sprintf("no onboarded CSCA of %s", e.Country)
	} else {
		r.reason = fmt.Sprintf("does not chain to an onboarded CSCA of %s: %s", e.Country, strings.Join(reasons, "; "))
	}
	return r
}

// SaveSynced writes the anchor and the synced list to dir atomically.
func SaveSynced(dir string, anchor *x509.Certificate, s *SyncedList) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("trust: %w", err)
	}
	inner, err := json.Marshal(s)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(inner)
	data, err := json.Marshal(syncedFile{SHA256: fmt.Sprintf("%x", sum), Synced: inner})
	if err != nil {
		return err
	}
	if err := writeAtomic(dir, FileAnchor, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: anchor.Raw}), false); err != nil {
		return err
	}
	// Keep the current copy as the previous one, if it is good: a damaged
	// copy must not replace a good previous one.
	cur := filepath.Join(dir, FileTrustList)
	if _, err := readSyncedFile(cur); err == nil {
		if err := os.Rename(cur, filepath.Join(dir, FilePrevTrustList)); err != nil {
			return fmt.Errorf("trust: keeping the previous copy: %w", err)
		}
	}
	if err := writeAtomic(dir, FileTrustList, data, false); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadSynced reads a synced trust directory without checking its entries:
// the list and the anchor it was checked against.
func ReadSynced(dir string) (*SyncedList, *x509.Certificate, error) {
	ap := filepath.Join(dir, FileAnchor)
	adata, err := limits.ReadFile(ap, limits.MaxCertificatePEM)
	if err != nil {
		return nil, nil, fmt.Errorf("trust: %w", err)
	}
	anchors, err := LoadPEM(bytes.NewReader(adata))
	if err != nil {
		return nil, nil, fmt.Errorf("trust: %s: %w", ap, err)
	}
	if len(anchors) != 1 {
		return nil, nil, fmt.Errorf("trust: %s: %d certificates, want exactly one anchor", ap, len(anchors))
	}
	s, err := readSyncedFile(filepath.Join(dir, FileTrustList))
	if err != nil {
		return nil, nil, err
	}
	return s, anchors[0], nil
}

// readSyncedFile reads and checks one copy of the synced list.
func readSyncedFile(path string) (*SyncedList, error) {
	data, err := limits.ReadFile(path, MaxListBytes)
	if err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	var f syncedFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if sum := sha256.Sum256(f.Synced); f.SHA256 != fmt.Sprintf("%x", sum) {
		return nil, fmt.Errorf("%w: %s: its content does not match its SHA-256 (damaged on disk, or written by hand); run a sync to replace it", ErrCorrupt, path)
	}
	var s SyncedList
	if err := json.Unmarshal(f.Synced, &s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return &s, nil
}

// LoadSynced reads a synced trust directory and returns a store of the
// signers that passed BuildStore when the list was received (see
// SyncedList.Signers), the list, and the entries left out then. It checks
// no signature again: the directory is written only after the whole list
// was checked, so it deserves the protection of the program itself (a
// verifier that could be fed another directory could as well be fed
// another anchor). Loading 10,000 signers parses 10,000 certificates and
// nothing more.
//
// When the current copy is damaged (ErrCorrupt) and a previous good copy
// exists, LoadSynced loads that one and says so in SyncedList.Recovered.
func LoadSynced(dir string) (*Store, *SyncedList, []ListProblem, error) {
	s, _, err := ReadSynced(dir)
	if errors.Is(err, ErrCorrupt) {
		prev, perr := readSyncedFile(filepath.Join(dir, FilePrevTrustList))
		if perr != nil {
			return nil, nil, nil, err
		}
		prev.Recovered = fmt.Sprintf("the synced trust list is damaged (%v); using the previous copy, synced %s, until the next sync replaces it",
			err, prev.Synced.UTC().Format(time.RFC3339))
		s = prev
	} else if err != nil {
		return nil, nil, nil, err
	}
	usable := make(map[string]bool, len(s.Signers))
	for _, id := range s.Signers {
		usable[id] = true
	}
	st := NewStore()
	for i := range s.List.Entries {
		e := &s.List.Entries[i]
		if e.Kind != "signer" || e.Deleted || !usable[e.ID] {
			continue
		}
		dsc, err := x509.ParseCertificate(e.Data)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("trust: %s: signer %s: %w", filepath.Join(dir, FileTrustList), e.ID, err)
		}
		if err := st.Add(dsc, e.Country); err != nil {
			return nil, nil, nil, fmt.Errorf("trust: %s: signer %s: %w", filepath.Join(dir, FileTrustList), e.ID, err)
		}
	}
	return st, s, s.Problems, nil
}

// IsSyncedDir reports whether dir holds a synced trust list.
func IsSyncedDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, FileTrustList))
	return err == nil
}
