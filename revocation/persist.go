package revocation

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// StateFormat is State.Format.
const StateFormat = "ithc-revocation-state/1"

// State is what a verifier keeps of a gateway's revocation list: the
// description of every batch it holds, and where and when it got them.
// Saved as DIR/state.json beside DIR/batches/ID.bin (the batch bodies).
// Epoch is the list's restore epoch at the last sync (trust.List.Epoch):
// a list of another epoch makes the next sync download the whole list.
type State struct {
	Format  string       `json:"format"`
	Source  string       `json:"source"`
	Version int64        `json:"version"`
	Epoch   int64        `json:"epoch,omitempty"`
	ETag    string       `json:"etag,omitempty"`
	Synced  time.Time    `json:"synced"`
	Batches []StateBatch `json:"batches"`
}

// StateBatch is one held batch: the sequence number of its list entry and
// its description.
type StateBatch struct {
	Seq int64 `json:"seq"`
	Info
}

// ParseState parses a state file strictly and within limits.
func ParseState(data []byte) (*State, error) {
	if len(data) > limits.MaxRevocationState {
		return nil, fmt.Errorf("revocation: state: %d bytes, more than %d", len(data), limits.MaxRevocationState)
	}
	var s State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("revocation: state: %v", err)
	}
	if dec.More() {
		return nil, errors.New("revocation: state: data after the JSON object")
	}
	if s.Format != StateFormat {
		return nil, fmt.Errorf("revocation: state: format %q, want %q", s.Format, StateFormat)
	}
	if s.Version < 0 {
		return nil, fmt.Errorf("revocation: state: version %d is negative", s.Version)
	}
	if len(s.Batches) > limits.MaxRevocationBatches {
		return nil, fmt.Errorf("revocation: state: %d batches, more than %d", len(s.Batches), limits.MaxRevocationBatches)
	}
	seen := make(map[string]bool, len(s.Batches))
	for i := range s.Batches {
		b := &s.Batches[i]
		if err := b.check(); err != nil {
			return nil, fmt.Errorf("revocation: state: batch %d: %w", i, err)
		}
		if seen[b.ID] {
			return nil, fmt.Errorf("revocation: state: batch %s is listed twice", b.ID)
		}
		seen[b.ID] = true
		if b.Seq < 1 || b.Seq > s.Version {
			return nil, fmt.Errorf("revocation: state: batch %s: sequence %d outside 1 to the version %d", b.ID, b.Seq, s.Version)
		}
	}
	return &s, nil
}

// Files of a persisted revocation directory.
const (
	FileState  = "state.json"
	DirBatches = "batches"
)

// BodyPath is where the body of batch id is kept under dir.
func BodyPath(dir, id string) string { return filepath.Join(dir, DirBatches, id+".bin") }

// Save writes s and the batch bodies to dir atomically: everything is
// written to a new directory beside it, which then replaces dir; the
// replaced copy stays as dir + ".prev" (the last good copy, used by Load
// if dir is missing). bodies holds the bodies of batches new since the
// copy in dir; the others are taken (hard-linked, or copied) from dir.
func Save(dir string, s *State, bodies map[string][]byte) error {
	s.Format = StateFormat
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("revocation: save: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("revocation: save: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Mkdir(filepath.Join(tmp, DirBatches), 0o755); err != nil {
		return fmt.Errorf("revocation: save: %w", err)
	}
	for _, b := range s.Batches {
		dst := BodyPath(tmp, b.ID)
		if body, ok := bodies[b.ID]; ok {
			if err := writeSynced(dst, body); err != nil {
				return err
			}
			continue
		}
		if err := linkOrCopy(BodyPath(dir, b.ID), dst); err != nil {
			return fmt.Errorf("revocation: save: batch %s is neither new nor held: %w", b.ID, err)
		}
	}
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(tmp, FileState), append(data, '\n')); err != nil {
		return err
	}
	prev := dir + ".prev"
	if _, err := os.Stat(dir); err == nil {
		if err := os.RemoveAll(prev); err != nil {
			return fmt.Errorf("revocation: save: %w", err)
		}
		if err := os.Rename(dir, prev); err != nil {
			return fmt.Errorf("revocation: save: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(prev, dir)
		return fmt.Errorf("revocation: save: %w", err)
	}
	ok = true
	if d, err := os.Open(parent); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("revocation: save: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("revocation: save %s: %w", path, err)
	}
	return nil
}

func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ReadState reads the state file of dir (or of dir + ".prev" when dir is
// missing).
func ReadState(dir string) (*State, string, error) {
	if _, err := os.Stat(filepath.Join(dir, FileState)); errors.Is(err, os.ErrNotExist) {
		if _, perr := os.Stat(filepath.Join(dir+".prev", FileState)); perr == nil {
			dir += ".prev"
		}
	}
	data, err := limits.ReadFile(filepath.Join(dir, FileState), limits.MaxRevocationState)
	if err != nil {
		return nil, dir, fmt.Errorf("revocation: %w", err)
	}
	s, err := ParseState(data)
	if err != nil {
		return nil, dir, fmt.Errorf("%w (in %s)", err, dir)
	}
	return s, dir, nil
}

// ReadBody reads and checks the body of batch in held under dir: its
// SHA-256 must be the one the description names, and it must parse and
// match the description.
func ReadBody(dir string, in *Info) (*Batch, error) {
	data, err := limits.ReadFile(BodyPath(dir, in.ID), limits.MaxRevocationBatchBytes)
	if err != nil {
		return nil, fmt.Errorf("revocation: batch %s: %w", in.ID, err)
	}
	return CheckBody(data, in)
}

// CheckBody parses a batch body and checks it against its description.
func CheckBody(body []byte, in *Info) (*Batch, error) {
	sum := sha256.Sum256(body)
	if fmt.Sprintf("%x", sum) != in.Body {
		return nil, fmt.Errorf("revocation: batch %s: the body's SHA-256 %x is not the %s of the list", in.ID, sum, in.Body)
	}
	b, err := ParseBatch(body)
	if err != nil {
		return nil, err
	}
	if err := in.Matches(b); err != nil {
		return nil, err
	}
	return b, nil
}

// Load reads a persisted revocation directory (written by Save) into a
// new index, leaving out batches expired at now. A batch whose body is
// missing or damaged fails the load: the caller keeps its old index, or
// syncs again.
func Load(dir string, now time.Time) (*Index, *State, error) {
	s, dir, err := ReadState(dir)
	if err != nil {
		return nil, nil, err
	}
	x := NewIndex()
	var bs []*Batch
	for i := range s.Batches {
		in := &s.Batches[i].Info
		if !now.Before(in.Expires) {
			continue
		}
		b, err := ReadBody(dir, in)
		if err != nil {
			return nil, nil, err
		}
		bs = append(bs, b)
	}
	if err := x.AddAll(bs); err != nil {
		return nil, nil, err
	}
	return x, s, nil
}
