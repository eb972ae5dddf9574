package issue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/healthcert/icao"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/render/pdf"
	"github.com/ithc/ithc/render/qr/qrtest"
	"github.com/ithc/ithc/verify"
)

var issueTime = qrtest.Now

// signer signs completed certificates with a test country's key.
type signer struct {
	ca    *testca.CA
	calls atomic.Int64
}

func newSigner(t testing.TB) *signer { return &signer{ca: testca.New(t, "CN")} }

func (s *signer) sign(c *healthcert.Certificate) (string, error) {
	s.calls.Add(1)
	if err := icao.Fill(&c.Holder.Name); err != nil {
		return "", err
	}
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = c.IssuedAt.Add(30 * 24 * time.Hour)
	}
	if err := c.Validate(); err != nil {
		return "", err
	}
	return hc1.Sign(hc1.SignInput{Native: c}, s.ca.Signer(), hc1.SignOptions{Certificate: s.ca.Certificate()})
}

// ndjson returns n records, one certificate a line, without identifiers
// or issuance times (the batch assigns them); the records listed in bad
// are broken: odd ones are not JSON, even ones not valid certificates.
func ndjson(t testing.TB, n int, bad ...int) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		switch {
		case contains(bad, i) && i%2 == 1:
			b.WriteString("{not json\n")
			continue
		case contains(bad, i):
			b.WriteString(`{"holder": {"name": {"family": "X"}}, "events": [{"type": "vaccination", "dose_number": 0}]}` + "\n")
			continue
		}
		c := qrtest.Certificate(qrtest.Names[i%len(qrtest.Names)], qrtest.EventTypes[:1+i%len(qrtest.EventTypes)]...)
		c.ID, c.IssuedAt, c.ExpiresAt = "", time.Time{}, time.Time{}
		c.Holder.Name.FamilyICAO, c.Holder.Name.GivenICAO = "", ""
		j, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
		if i%10 == 0 {
			b.WriteString("\n") // blank lines are skipped
		}
	}
	return b.Bytes()
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func newBatch(dir string, s *signer, formats ...Format) *Batch {
	return &Batch{Dir: dir, Sign: s.sign, Country: "CN", Formats: append([]Format{Text}, formats...), Now: func() time.Time { return issueTime }}
}

func run(t *testing.T, b *Batch, input []byte) (Progress, error) {
	t.Helper()
	return b.Run(context.Background(), func(fn func(Record) error) error { return ReadNDJSON(bytes.NewReader(input), fn) })
}

// journalLines returns the journal's lines by kind and record.
func journalLines(t *testing.T, dir string) (starts map[string][]string, done map[string]int) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	starts, done = map[string][]string{}, map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(l)
		switch f[0] {
		case "S":
			starts[f[1]] = append(starts[f[1]], f[3])
		case "D":
			done[f[1]]++
		}
	}
	return starts, done
}

// checkOutputs checks that dir holds exactly one .txt per record in want,
// each a code that verifies, with the identifier the journal started it
// under, all identifiers distinct.
func checkOutputs(t *testing.T, dir string, s *signer, want []int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, strings.TrimSuffix(filepath.Base(f), ".txt"))
	}
	sort.Strings(got)
	var wantKeys []string
	for _, n := range want {
		wantKeys = append(wantKeys, fmt.Sprintf("%06d", n))
	}
	if strings.Join(got, " ") != strings.Join(wantKeys, " ") {
		t.Fatalf("outputs %v, want %v", got, wantKeys)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	starts, done := journalLines(t, dir)
	v := verify.New(s.ca.Store(), verify.Options{Now: issueTime.Add(time.Minute)})
	ids := map[string]string{}
	for _, key := range wantKeys {
		code, err := os.ReadFile(filepath.Join(dir, key+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		r := v.Verify(strings.TrimSpace(string(code)))
		if r.Status != verify.StatusVerified {
			t.Fatalf("%s: %s %v", key, r.Status, r.Err())
		}
		n := strings.TrimLeft(key, "0")
		if len(starts[n]) != 1 || done[n] != 1 {
			t.Errorf("record %s started %d times, done %d times", n, len(starts[n]), done[n])
		}
		if id := r.Certificate.ID; len(starts[n]) == 0 || id != starts[n][0] {
			t.Errorf("record %s: code of %s, journal started %v", n, id, starts[n])
		} else if other, dup := ids[id]; dup {
			t.Errorf("records %s and %s both issued as %s", other, key, id)
		}
		ids[r.Certificate.ID] = key
	}
}

func TestBatch(t *testing.T) {
	s := newSigner(t)
	dir := t.TempDir()
	input := ndjson(t, 40, 7, 12)
	pdfFormat := Format{Ext: "pdf", Render: func(c *healthcert.Certificate, code string) ([]byte, error) {
		return pdf.Bytes(c, code, pdf.Options{})
	}}
	b := newBatch(dir, s, pdfFormat)
	var last Progress
	b.Progress = func(p Progress) { last = p }
	p, err := run(t, b, input)
	if err != nil {
		t.Fatal(err)
	}
	if p != (Progress{Read: 40, Issued: 38, Failed: 2}) || last != p {
		t.Errorf("progress %+v (last reported %+v), want 40 read, 38 issued, 2 failed", p, last)
	}
	var good []int
	for i := 1; i <= 40; i++ {
		if i != 7 && i != 12 {
			good = append(good, i)
		}
	}
	checkOutputs(t, dir, s, good)
	pdfs, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(pdfs) != 38 {
		t.Errorf("%d PDFs, want 38", len(pdfs))
	}
	report, err := os.ReadFile(filepath.Join(dir, ErrorsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(report)), "\n")
	sort.Strings(lines)
	if len(lines) != 2 || !regexp.MustCompile(`^\{"record":12,"line":13,"error":"healthcert: .*dose_number`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^\{"record":7,"line":7,"error":"healthcert: invalid json`).MatchString(lines[1]) {
		t.Errorf("errors report:\n%s", report)
	}

	// A second run issues nothing; it retries the failed records (the
	// invalid certificate reaches the signer again, which refuses it).
	calls := s.calls.Load()
	p, err = run(t, newBatch(dir, s, pdfFormat), input)
	if err != nil {
		t.Fatal(err)
	}
	if p.Skipped != 38 || p.Issued != 0 || p.Failed != 2 || s.calls.Load() != calls+1 {
		t.Errorf("second run: %+v, %d signatures", p, s.calls.Load()-calls)
	}
	checkOutputs(t, dir, s, good)
}

// TestResume interrupts a batch (cancelled after 15 signatures, then a
// crash simulated between start and done of some records) and resumes it:
// exactly one certificate and file per record, each record started once.
func TestResume(t *testing.T) {
	s := newSigner(t)
	dir := t.TempDir()
	input := ndjson(t, 60)
	ctx, cancel := context.WithCancel(context.Background())
	b := newBatch(dir, s)
	b.Workers = 4
	b.Sign = func(c *healthcert.Certificate) (string, error) {
		if s.calls.Load() == 15 {
			cancel()
		}
		return s.sign(c)
	}
	p, err := b.Run(ctx, func(fn func(Record) error) error { return ReadNDJSON(bytes.NewReader(input), fn) })
	if !errors.Is(err, context.Canceled) || p.Issued < 15 || p.Issued >= 60 {
		t.Fatalf("interrupted run: %+v, %v", p, err)
	}
	// A crash after the start lines of three more records and the files
	// of one of them, before their done lines.
	started := map[string]string{}
	for i, n := range []int{58, 59, 60} {
		uvci, err := healthcert.NewUVCI("CN", "", nil, true)
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		ReadNDJSON(bytes.NewReader(input), func(r Record) error {
			if r.N == n {
				rec = r
			}
			return nil
		})
		f, err := os.OpenFile(filepath.Join(dir, JournalFile), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "S %d %x %s %s\n", n, rec.Sum, uvci, issueTime.Format(time.RFC3339))
		f.Close()
		started[fmt.Sprint(n)] = uvci
		if i == 0 {
			os.WriteFile(filepath.Join(dir, rec.Key+".txt.tmp"), []byte("partial"), 0o644)
		}
	}
	// And a last journal line cut short.
	f, _ := os.OpenFile(filepath.Join(dir, JournalFile), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("D 5")
	f.Close()

	b = newBatch(dir, s)
	p, err = run(t, b, input)
	if err != nil {
		t.Fatal(err)
	}
	if p.Issued+p.Skipped != 60 || p.Failed != 0 {
		t.Errorf("resumed run: %+v", p)
	}
	var all []int
	for i := 1; i <= 60; i++ {
		all = append(all, i)
	}
	os.Remove(filepath.Join(dir, "000058.txt.tmp")) // the crash's own leftover, overwritten by name only
	checkOutputs(t, dir, s, all)
	starts, _ := journalLines(t, dir)
	for n, uvci := range started {
		if starts[n][0] != uvci {
			t.Errorf("record %s re-issued as %s, started as %s", n, starts[n][0], uvci)
		}
	}
}

func TestChangedInput(t *testing.T) {
	s := newSigner(t)
	dir := t.TempDir()
	input := ndjson(t, 5)
	if _, err := run(t, newBatch(dir, s), input); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(input), "\n", 4)
	lines[2] = strings.Replace(lines[2], "E12345678", "E87654321", 1)
	changed := []byte(strings.Join(lines, "\n"))
	_, err := run(t, newBatch(dir, s), changed)
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "record 3 (line 3)") {
		t.Errorf("changed record: %v", err)
	}
}

func TestJournalErrors(t *testing.T) {
	s := newSigner(t)
	for _, tt := range []struct {
		journal, want string
	}{
		{"X 1\n", "unknown line"},
		{"D 1\n", "done but never started"},
		{"S 1 zz URN 2026-01-01T00:00:00Z\n", "bad checksum"},
		{"S 0 00 URN 2026-01-01T00:00:00Z\n", "bad record number"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, JournalFile), []byte(tt.journal), 0o644)
		if _, err := run(t, newBatch(dir, s), ndjson(t, 1)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("journal %q: error %v, want %q", tt.journal, err, tt.want)
		}
	}
	if _, err := (&Batch{}).Run(context.Background(), nil); err == nil {
		t.Error("a batch without directory, signer or formats ran")
	}
}

func TestReadNDJSONLimits(t *testing.T) {
	long := append(bytes.Repeat([]byte(" "), 5<<20), '\n')
	err := ReadNDJSON(bytes.NewReader(long), func(Record) error { return nil })
	if !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), "line 1 is longer than") {
		t.Errorf("long line: %v", err)
	}
	stop := errors.New("stop")
	if err := ReadNDJSON(bytes.NewReader(ndjson(t, 3)), func(Record) error { return stop }); err != stop {
		t.Errorf("fn's error not returned: %v", err)
	}
}
