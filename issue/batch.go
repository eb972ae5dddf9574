// Package issue issues certificates in batches: every record of a CSV or
// NDJSON file is signed and written to a directory in the formats asked
// for (the code text, its QR image, the paper certificate, the wallet
// page), in parallel across cores, resumable after an interruption.
//
// Start with Batch.Run, fed by ReadNDJSON or ReadCSV.
//
// # Resuming without issuing twice
//
// The output directory holds a journal, batch.journal, of two kinds of
// line: "S n sum uvci issued_at" before record n is signed, and "D n" once
// all its files are written. A run skips the records the journal says are
// done, after checking that they are the same records (sum is the SHA-256
// of the record as read; a changed input is an error, not a silent skip).
// A record that was started but not finished is issued again with the
// identifier and issuance time of its start line, so an interrupted batch
// resumed gives exactly one certificate, and one file per format, for each
// record: the same certificate, whose code may differ only in the
// signature's randomness. Only the files of records marked done are
// complete; those of a record in flight at an interruption are rewritten
// by the next run. Each journal line is one append; the journal survives the
// process being killed, and is synced to disk at the end of a run (a power
// cut may lose the last lines, whose records are then issued again under
// new identifiers).
//
// Records that cannot be issued (unreadable, invalid, refused by the
// signer or a renderer) are reported in errors.ndjson, one JSON object
// per line, and the batch goes on; the next run retries them.
package issue

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
)

// The files of an output directory besides the records' own.
const (
	JournalFile = "batch.journal"
	ErrorsFile  = "errors.ndjson"
)

// ErrChanged means a record the journal says was issued is not the same
// in the input any more.
var ErrChanged = errors.New("issue: the input changed since the batch started")

// Format is one output of each record.
type Format struct {
	// Ext is the file extension, such as "pdf".
	Ext string
	// Render returns the file's content for a certificate and its code.
	Render func(c *healthcert.Certificate, code string) ([]byte, error)
}

// Progress is the state of a running batch.
type Progress struct {
	// Read counts the records read so far; Issued, Skipped (done by an
	// earlier run) and Failed those finished.
	Read, Issued, Skipped, Failed int
}

// Batch is a batch issuance. Dir, Sign and Formats are required.
type Batch struct {
	// Dir is the output directory; it is created if needed.
	Dir string
	// Sign completes and signs a certificate whose ID and IssuedAt are
	// set, and returns its code. It is called from several goroutines.
	Sign func(c *healthcert.Certificate) (string, error)
	// Country is the country of the identifiers (UVCIs) made for records
	// without one and without an issuer country.
	Country string
	// Formats are the files written for each record.
	Formats []Format
	// Workers is the number of records issued at once; zero means
	// GOMAXPROCS.
	Workers int
	// Now returns the issuance time; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness of identifiers; nil means crypto/rand.
	Rand io.Reader
	// Progress, if set, is called after each record, from one goroutine
	// at a time.
	Progress func(Progress)
}

// journalEntry is what the journal says about one record.
type journalEntry struct {
	sum      [32]byte
	uvci     string
	issuedAt time.Time
	done     bool
}

// runState is a running batch.
type runState struct {
	b        *Batch
	journal  map[int]*journalEntry
	jfile    *os.File
	efile    *os.File
	mu       sync.Mutex // journal, errors file and progress
	progress Progress
	fatal    atomic.Pointer[error]
	cancel   context.CancelFunc
}

// Run issues the records that read yields (ReadNDJSON or ReadCSV bound to
// the input) and returns the progress at the end. It stops early, with an
// error, when ctx is cancelled (records in flight are finished), when the
// input changed under the journal, or when the journal or an output file
// cannot be written; bad records do not stop it.
func (b *Batch) Run(ctx context.Context, read func(func(Record) error) error) (Progress, error) {
	if b.Dir == "" || b.Sign == nil || len(b.Formats) == 0 {
		return Progress{}, errors.New("issue: batch needs an output directory, a signer and formats")
	}
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return Progress{}, err
	}
	journalPath := filepath.Join(b.Dir, JournalFile)
	journal, valid, err := loadJournal(journalPath)
	if err != nil {
		return Progress{}, err
	}
	jfile, err := os.OpenFile(journalPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return Progress{}, err
	}
	// Drop a last line cut short, so that the next line starts afresh.
	if err := jfile.Truncate(valid); err != nil {
		jfile.Close()
		return Progress{}, fmt.Errorf("issue: journal: %w", err)
	}
	defer jfile.Close()
	efile, err := os.Create(filepath.Join(b.Dir, ErrorsFile))
	if err != nil {
		return Progress{}, err
	}
	defer efile.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &runState{b: b, journal: journal, jfile: jfile, efile: efile, cancel: cancel}
	workers := b.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	records := make(chan Record, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rec := range records {
				s.process(rec)
			}
		}()
	}
	readErr := read(func(rec Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		s.progress.Read++
		s.mu.Unlock()
		select {
		case records <- rec:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(records)
	wg.Wait()
	syncErr := jfile.Sync()
	if p := s.fatal.Load(); p != nil {
		return s.progress, *p
	}
	if readErr != nil {
		return s.progress, readErr
	}
	if syncErr != nil {
		return s.progress, fmt.Errorf("issue: journal: %w", syncErr)
	}
	return s.progress, nil
}

// stop records a fatal error and cancels the run.
func (s *runState) stop(err error) {
	s.fatal.CompareAndSwap(nil, &err)
	s.cancel()
}

// process issues one record.
func (s *runState) process(rec Record) {
	if s.fatal.Load() != nil {
		return
	}
	b := s.b
	s.mu.Lock()
	entry := s.journal[rec.N]
	s.mu.Unlock()
	if entry != nil && entry.sum != rec.Sum {
		s.stop(fmt.Errorf("%w: record %d (line %d) is not the one started or issued as %s", ErrChanged, rec.N, rec.Line, entry.uvci))
		return
	}
	if entry != nil && entry.done {
		s.finish(func(p *Progress) { p.Skipped++ })
		return
	}
	if rec.Err != nil {
		s.fail(rec, rec.Err)
		return
	}
	c := rec.Cert
	if entry == nil {
		entry = &journalEntry{sum: rec.Sum, uvci: c.ID, issuedAt: c.IssuedAt}
		if entry.uvci == "" {
			country := c.Issuer.Country
			if country == "" {
				country = b.Country
			}
			id, err := healthcert.NewUVCI(country, "", b.Rand, true)
			if err != nil {
				s.fail(rec, err)
				return
			}
			entry.uvci = id
		}
		if entry.issuedAt.IsZero() {
			now := time.Now
			if b.Now != nil {
				now = b.Now
			}
			entry.issuedAt = now().UTC().Truncate(time.Second)
		}
		if strings.ContainsAny(entry.uvci, " \n") {
			s.fail(rec, fmt.Errorf("issue: identifier %q holds a space", entry.uvci))
			return
		}
		line := fmt.Sprintf("S %d %x %s %s\n", rec.N, rec.Sum, entry.uvci, entry.issuedAt.Format(time.RFC3339))
		if !s.appendJournal(line, rec.N, entry) {
			return
		}
	}
	c.ID, c.IssuedAt = entry.uvci, entry.issuedAt
	code, err := b.Sign(c)
	if err != nil {
		s.fail(rec, err)
		return
	}
	for _, f := range b.Formats {
		data, err := f.Render(c, code)
		if err != nil {
			s.fail(rec, fmt.Errorf("%s: %w", f.Ext, err))
			return
		}
		if err := writeFile(filepath.Join(b.Dir, rec.Key+"."+f.Ext), data); err != nil {
			s.stop(err)
			return
		}
	}
	if !s.appendJournal(fmt.Sprintf("D %d\n", rec.N), rec.N, nil) {
		return
	}
	s.finish(func(p *Progress) { p.Issued++ })
}

// appendJournal writes one journal line; entry, if set, is remembered.
func (s *runState) appendJournal(line string, n int, entry *journalEntry) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.jfile.WriteString(line); err != nil {
		s.stop(fmt.Errorf("issue: journal: %w", err))
		return false
	}
	if entry != nil {
		s.journal[n] = entry
	}
	return true
}

func (s *runState) fail(rec Record, err error) {
	line, _ := json.Marshal(struct {
		Record int    `json:"record"`
		Line   int    `json:"line"`
		Error  string `json:"error"`
	}{rec.N, rec.Line, err.Error()})
	s.mu.Lock()
	_, werr := s.efile.Write(append(line, '\n'))
	s.mu.Unlock()
	if werr != nil {
		s.stop(fmt.Errorf("issue: %s: %w", ErrorsFile, werr))
		return
	}
	s.finish(func(p *Progress) { p.Failed++ })
}

func (s *runState) finish(count func(*Progress)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	count(&s.progress)
	if s.b.Progress != nil {
		s.b.Progress(s.progress)
	}
}

// writeFile writes a record's file in place. A file cut short by an
// interruption belongs to a record the journal has not marked done, which
// the next run issues again and so overwrites: a temporary file and a
// rename would cost another metadata operation per file for nothing (on
// this project's machines a file creation costs more than the PDF).
func writeFile(name string, data []byte) error {
	return os.WriteFile(name, data, 0o644)
}

// loadJournal reads the journal of an earlier run, if any, and returns
// the length of its complete lines: a last line without its newline (a
// write cut short) is ignored.
func loadJournal(path string) (map[int]*journalEntry, int64, error) {
	j := map[int]*journalEntry{}
	data, err := limits.ReadFile(path, limits.MaxBatchJournal)
	if errors.Is(err, os.ErrNotExist) {
		return j, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<16)
	for no := 1; sc.Scan(); no++ {
		bad := func(why string) error {
			return fmt.Errorf("issue: %s line %d: %s: %q", path, no, why, sc.Text())
		}
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			return nil, 0, bad("too few fields")
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 1 || n > limits.MaxBatchRecords {
			return nil, 0, bad("bad record number")
		}
		switch {
		case f[0] == "S" && len(f) == 5:
			e := &journalEntry{uvci: f[3]}
			sum, err := hex.DecodeString(f[2])
			if err != nil || len(sum) != 32 {
				return nil, 0, bad("bad checksum")
			}
			copy(e.sum[:], sum)
			if e.issuedAt, err = time.Parse(time.RFC3339, f[4]); err != nil {
				return nil, 0, bad("bad time")
			}
			if old := j[n]; old != nil && (old.sum != e.sum || old.uvci != e.uvci) {
				return nil, 0, bad("record started twice")
			}
			j[n] = e
		case f[0] == "D" && len(f) == 2:
			if j[n] == nil {
				return nil, 0, bad("record done but never started")
			}
			j[n].done = true
		default:
			return nil, 0, bad("unknown line")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("issue: %s: %w", path, err)
	}
	return j, int64(len(data)), nil
}

// Text is the Format of the code text, one line.
var Text = Format{Ext: "txt", Render: func(_ *healthcert.Certificate, code string) ([]byte, error) {
	return []byte(code + "\n"), nil
}}
