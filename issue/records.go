package issue

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
)

// Record is one record of a batch file: a certificate to issue, or the
// reason it cannot be read.
type Record struct {
	// N numbers the records from 1 in file order; Key, N in six or more
	// digits, names its outputs ("000042.pdf").
	N   int
	Key string
	// Line is the line of the file where the record starts.
	Line int
	// Sum is the SHA-256 of the record as read: a resumed batch checks
	// that the records it skips are the ones it issued.
	Sum [32]byte
	// Cert is the certificate, or nil and Err says what is wrong.
	Cert *healthcert.Certificate
	Err  error
}

func newRecord(n, line int, sum [32]byte) Record {
	return Record{N: n, Key: fmt.Sprintf("%06d", n), Line: line, Sum: sum}
}

// ErrFile is wrapped by errors that stop reading a batch file (as opposed
// to a bad record, which is reported and skipped).
var ErrFile = errors.New("issue: invalid batch file")

// ReadNDJSON calls fn with each record of r: one certificate in the JSON
// form of package healthcert per line; blank lines are skipped. A line
// that is not a valid certificate is a Record with Err; a line longer
// than limits.MaxBatchRecord, more than limits.MaxBatchRecords records or
// an error of fn stop the reading.
func ReadNDJSON(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), limits.MaxBatchRecord+1)
	line, n := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		n++
		if n > limits.MaxBatchRecords {
			return fmt.Errorf("%w: more than %d records", ErrFile, limits.MaxBatchRecords)
		}
		rec := newRecord(n, line, sha256.Sum256(b))
		rec.Cert, rec.Err = healthcert.ParseJSON(b)
		if err := fn(rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%w: line %d is longer than %d bytes", ErrFile, line+1, limits.MaxBatchRecord)
		}
		return fmt.Errorf("issue: reading the batch file: %w", err)
	}
	return nil
}

// ReadCSV calls fn with each record of r, a CSV file whose header names
// each column by its path in the JSON form of a certificate:
//
//	holder.name.family,holder.name.given,holder.date_of_birth,events.0.type,events.0.sample_time,...
//
// Path segments are JSON keys, or array indexes for events (events.0,
// events.1, …). Each row is one certificate: its non-empty cells are set
// at their paths (numbers for dose_number, total_doses and the quantity's
// value and cut_off, text otherwise) and the result is read as
// healthcert.ParseJSON reads a certificate, with the same checks. An event
// whose cells are all empty is left out.
func ReadCSV(r io.Reader, fn func(Record) error) error {
	// encoding/csv holds a whole row in memory: the budget reader lets it
	// read at most a record's cap (and a buffer) between two rows.
	budget := &budgetReader{r: r}
	budget.reset()
	cr := csv.NewReader(bufio.NewReaderSize(budget, csvBuffer))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("%w: empty CSV file", ErrFile)
		}
		return fmt.Errorf("%w: header: %v", ErrFile, err)
	}
	paths, err := parseHeader(header)
	if err != nil {
		return err
	}
	for n := 1; ; n++ {
		budget.reset()
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errRowTooLong) {
			return fmt.Errorf("%w: the row after line %d is longer than %d bytes", ErrFile, budget.line, limits.MaxBatchRecord)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrFile, err)
		}
		if n > limits.MaxBatchRecords {
			return fmt.Errorf("%w: more than %d records", ErrFile, limits.MaxBatchRecords)
		}
		line, _ := cr.FieldPos(0)
		budget.line = line
		h := sha256.New()
		size := 0
		for _, cell := range row {
			size += len(cell)
			fmt.Fprintf(h, "%d:%s,", len(cell), cell)
		}
		var sum [32]byte
		h.Sum(sum[:0])
		rec := newRecord(n, line, sum)
		if size > limits.MaxBatchRecord {
			rec.Err = fmt.Errorf("issue: row of %d bytes, more than %d", size, limits.MaxBatchRecord)
		} else {
			rec.Cert, rec.Err = rowCertificate(paths, row)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

const csvBuffer = 4096

var errRowTooLong = errors.New("row too long")

// budgetReader fails once more than a row's cap is read without a reset.
type budgetReader struct {
	r    io.Reader
	left int
	line int // the line of the last row read, for the error
}

func (b *budgetReader) reset() { b.left = limits.MaxBatchRecord + 2*csvBuffer }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errRowTooLong
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

// numericKeys are the keys whose CSV cells are JSON numbers.
var numericKeys = map[string]bool{"dose_number": true, "total_doses": true, "value": true, "cut_off": true}

// parseHeader checks the column paths: segments of a–z, 0–9 and '_', at
// most 4 deep, array indexes below limits.MaxEvents, no column twice and
// no path both a value and a parent of another.
func parseHeader(header []string) ([][]string, error) {
	if len(header) > limits.MaxBatchColumns {
		return nil, fmt.Errorf("%w: %d columns, more than %d", ErrFile, len(header), limits.MaxBatchColumns)
	}
	paths := make([][]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		segs := strings.Split(h, ".")
		if h == "" || len(segs) > 4 {
			return nil, fmt.Errorf("%w: column %d: %q is not a path such as holder.name.family", ErrFile, i+1, h)
		}
		for _, s := range segs {
			if s == "" || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
				return nil, fmt.Errorf("%w: column %d: %q: segment %q is not a key or an index", ErrFile, i+1, h, s)
			}
			if k, err := strconv.Atoi(s); err == nil && (k < 0 || k >= limits.MaxEvents) {
				return nil, fmt.Errorf("%w: column %d: %q: index %d is not below %d", ErrFile, i+1, h, k, limits.MaxEvents)
			}
		}
		if seen[h] {
			return nil, fmt.Errorf("%w: column %q appears twice", ErrFile, h)
		}
		seen[h] = true
		paths[i] = segs
	}
	for h := range seen {
		for p := h; strings.Contains(p, "."); {
			p = p[:strings.LastIndex(p, ".")]
			if seen[p] {
				return nil, fmt.Errorf("%w: column %q is a value and column %q is inside it", ErrFile, p, h)
			}
		}
	}
	return paths, nil
}

// rowCertificate builds the JSON of a row and reads it as a certificate.
func rowCertificate(paths [][]string, row []string) (*healthcert.Certificate, error) {
	root := map[string]any{}
	for i, cell := range row {
		if cell == "" {
			continue
		}
		var v any = cell
		segs := paths[i]
		if last := segs[len(segs)-1]; numericKeys[last] {
			num := strings.TrimSpace(cell)
			if _, err := strconv.ParseFloat(num, 64); err != nil {
				return nil, fmt.Errorf("issue: column %s: %q is not a number", strings.Join(segs, "."), cell)
			}
			v = json.Number(num)
		}
		if err := setPath(root, segs, v); err != nil {
			return nil, fmt.Errorf("issue: column %s: %v", strings.Join(segs, "."), err)
		}
	}
	b, err := json.Marshal(compact(root))
	if err != nil {
		return nil, fmt.Errorf("issue: %v", err)
	}
	return healthcert.ParseJSON(b)
}

// setPath sets v at segs in a tree of maps; numeric segments are keys
// too, turned into arrays by compact.
func setPath(m map[string]any, segs []string, v any) error {
	for _, s := range segs[:len(segs)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			if m[s] != nil {
				return fmt.Errorf("%q holds a value", s)
			}
			next = map[string]any{}
			m[s] = next
		}
		m = next
	}
	m[segs[len(segs)-1]] = v
	return nil
}

// compact turns maps whose keys are all indexes into arrays in index
// order (the empty ones were never created).
func compact(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	indexes := make([]int, 0, len(m))
	for k, c := range m {
		m[k] = compact(c)
		if i, err := strconv.Atoi(k); err == nil {
			indexes = append(indexes, i)
		}
	}
	if len(indexes) == 0 || len(indexes) != len(m) {
		return m
	}
	// Insertion sort: at most limits.MaxEvents indexes.
	for i := 1; i < len(indexes); i++ {
		for j := i; j > 0 && indexes[j] < indexes[j-1]; j-- {
			indexes[j], indexes[j-1] = indexes[j-1], indexes[j]
		}
	}
	arr := make([]any, len(indexes))
	for i, k := range indexes {
		arr[i] = m[strconv.Itoa(k)]
	}
	return arr
}
