// Package conformance runs published conformance vectors against ITHC's
// codec and verifier, stage by stage.
//
// RunDGC reads a folder tree in the format of the EU DCC test data
// (eu-digital-green-certificates/dgc-testdata): every */2DCode/raw/*.json
// file is one test holding the QR text, its intermediate encodings, a signer
// certificate, a validation clock and EXPECTEDRESULTS booleans, one per
// pipeline stage (see the Stage constants). Each expectation present is
// evaluated with exactly the functions the verifier uses, and counted as met
// or failed; an absent expectation is not tested.
//
// A file is excluded only for a data error that can be explained: a file that
// is not valid JSON, or an expectation the upstream project lists as a known
// data error (tests/known_issues.csv beside the country folders) that the
// data indeed contradicts. The reason is reported for every exclusion.
package conformance

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/scan"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verify"
)

// The expectation keys of the dgc test format, one per stage, in pipeline order.
const (
	PictureDecode    = "EXPECTEDPICTUREDECODE"
	Unprefix         = "EXPECTEDUNPREFIX"
	B45Decode        = "EXPECTEDB45DECODE"
	Compression      = "EXPECTEDCOMPRESSION"
	Decode           = "EXPECTEDDECODE"
	ValidJSON        = "EXPECTEDVALIDJSON"
	SchemaValidation = "EXPECTEDSCHEMAVALIDATION"
	Verify           = "EXPECTEDVERIFY"
	ExpirationCheck  = "EXPECTEDEXPIRATIONCHECK"
	KeyUsage         = "EXPECTEDKEYUSAGE"
	ValidObject      = "EXPECTEDVALIDOBJECT"
	Encode           = "EXPECTEDENCODE"
)

// Stages lists the expectation keys in the order they are evaluated and printed.
var Stages = []string{PictureDecode, Unprefix, B45Decode, Compression, Decode, ValidJSON,
	SchemaValidation, Verify, ExpirationCheck, KeyUsage, ValidObject, Encode}

// misspelt maps expectation keys that real test files misspell to the key
// they mean. Bulgaria's files say EXPTECTEDEXPIRED for the expiration check.
var misspelt = map[string]string{
	"EXPTECTEDEXPIRED": ExpirationCheck,
}

// Report is the outcome of a conformance run. It marshals to the JSON that
// "ithc conformance dgc --json" prints.
type Report struct {
	Stages   map[string]*Tally `json:"stages"`
	Met      int               `json:"met"`
	Total    int               `json:"total"`
	Files    int               `json:"files"`
	Excluded []Excluded        `json:"excluded"`
	Failures []Failure         `json:"failures"`
	// Skipped lists expectations that could not be evaluated because the file
	// lacks the data they need (such as a picture expectation without an
	// image); they are not counted in Total.
	Skipped []Skipped `json:"skipped,omitempty"`
	// Notes record data errors of files that no counted stage reads, such
	// as a JSON field that is not the payload the code carries.
	Notes []Note `json:"notes,omitempty"`
}

// Note is a remark about one file.
type Note struct {
	File string `json:"file"`
	Note string `json:"note"`
}

// Tally counts the expectations of one stage.
type Tally struct {
	Met   int `json:"met"`
	Total int `json:"total"`
}

// Excluded is a file left out of the counts, with the reason.
type Excluded struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Failure is one expectation not met.
type Failure struct {
	File     string `json:"file"`
	Key      string `json:"key"`
	Expected bool   `json:"expected"`
	Got      bool   `json:"got"`
	Detail   string `json:"detail"`
}

// Skipped is one expectation that could not be evaluated.
type Skipped struct {
	File   string `json:"file"`
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// Summary is the last line of the text report.
func (r *Report) Summary() string {
	return fmt.Sprintf("dgc: %d/%d expectations met (%d files excluded)", r.Met, r.Total, len(r.Excluded))
}

// WriteText prints the per-stage table, the failures, exclusions and the summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-26s %5s %5s\n", "stage", "met", "total")
	for _, k := range Stages {
		t := r.Stages[k]
		if t == nil || t.Total == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-26s %5d %5d\n", k, t.Met, t.Total)
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "FAIL %s %s: expected %t, got %t: %s\n", f.File, f.Key, f.Expected, f.Got, f.Detail)
	}
	for _, e := range r.Excluded {
		fmt.Fprintf(&b, "EXCLUDED %s: %s\n", e.File, e.Reason)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "SKIPPED %s %s: %s\n", s.File, s.Key, s.Reason)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "NOTE %s: %s\n", n.File, n.Note)
	}
	fmt.Fprintf(&b, "%s\n", r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// Options configure RunDGC. The zero value uses the embedded value sets
// and no clock skew.
type Options struct {
	// ValueSets for the schema stage; nil means valueset.Default().
	ValueSets *valueset.Sets
	// ClockSkew is the allowance of the expiration stage, as the verifier
	// applies it (verify.DefaultClockSkew for the ithc command).
	ClockSkew time.Duration
}

// testFile is one dgc test file.
type testFile struct {
	JSON       json.RawMessage
	CBOR       string
	COSE       string
	Compressed string
	Base45     string
	Prefix     string
	Picture    string // 2DCODE
	PictureAlt string // _2DCODE
	TestCtx    struct {
		Certificate     string
		ValidationClock string
		Schema          string
		Description     string
	}
	Expected map[string]json.RawMessage
}

// parseTestFile reads a test file. Field names are matched without regard
// to case or surrounding spaces (Norway's picture key is "2DCODE "), an
// exact match winning; a field of another type than the format's (a
// number where a string is due) reads as empty rather than failing the
// whole file, and the stages that need it say so.
func parseTestFile(data []byte) (*testFile, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	tf := &testFile{}
	str := func(v json.RawMessage) string {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ""
		}
		return s
	}
	fields := map[string]*string{"CBOR": &tf.CBOR, "COSE": &tf.COSE, "COMPRESSED": &tf.Compressed,
		"BASE45": &tf.Base45, "PREFIX": &tf.Prefix, "2DCODE": &tf.Picture, "_2DCODE": &tf.PictureAlt}
	ctxStrings := map[string]*string{"CERTIFICATE": &tf.TestCtx.Certificate, "VALIDATIONCLOCK": &tf.TestCtx.ValidationClock,
		"SCHEMA": &tf.TestCtx.Schema, "DESCRIPTION": &tf.TestCtx.Description}
	for _, k := range sortedFieldKeys(top) {
		v := top[k]
		if p, ok := fields[normalKey(k)]; ok {
			*p = str(v)
			continue
		}
		switch normalKey(k) {
		case "JSON":
			tf.JSON = v
		case "EXPECTEDRESULTS":
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return nil, fmt.Errorf("EXPECTEDRESULTS is not an object: %v", err)
			}
			tf.Expected = m
		case "TESTCTX":
			var ctx map[string]json.RawMessage
			if json.Unmarshal(v, &ctx) != nil {
				continue
			}
			for _, ck := range sortedFieldKeys(ctx) {
				if p, ok := ctxStrings[normalKey(ck)]; ok {
					*p = str(ctx[ck])
				}
			}
		}
	}
	return tf, nil
}

func normalKey(k string) string { return strings.ToUpper(strings.TrimSpace(k)) }

// sortedFieldKeys returns the keys of m with the exactly spelt ones (already
// normal) last, so that they win over variants.
func sortedFieldKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ei, ej := normalKey(keys[i]) == keys[i], normalKey(keys[j]) == keys[j]
		if ei != ej {
			return !ei
		}
		return keys[i] < keys[j]
	})
	return keys
}

// RunDGC evaluates every test file under dir. It fails only when dir cannot
// be read; problems with single files are reported in the Report.
func RunDGC(dir string, opts Options) (*Report, error) {
	sets := opts.ValueSets
	if sets == nil {
		sets = valueset.Default()
	}
	files, err := findTestFiles(dir)
	if err != nil {
		return nil, err
	}
	known, err := readKnownIssues(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Stages: map[string]*Tally{}, Excluded: []Excluded{}, Failures: []Failure{}}
	for _, k := range Stages {
		r.Stages[k] = &Tally{}
	}
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		res := runFile(path, sets, opts.ClockSkew)
		if res.excluded != "" {
			r.Excluded = append(r.Excluded, Excluded{File: rel, Reason: res.excluded})
			continue
		}
		if reason := known.explains(rel, res); reason != "" {
			r.Excluded = append(r.Excluded, Excluded{File: rel, Reason: reason})
			continue
		}
		r.Files++
		for _, n := range res.notes {
			r.Notes = append(r.Notes, Note{File: rel, Note: n})
		}
		for _, o := range res.outcomes {
			if o.skipped != "" {
				r.Skipped = append(r.Skipped, Skipped{File: rel, Key: o.key, Reason: o.skipped})
				continue
			}
			t := r.Stages[o.key]
			t.Total++
			r.Total++
			if o.got == o.expected {
				t.Met++
				r.Met++
				continue
			}
			r.Failures = append(r.Failures, Failure{File: rel, Key: o.key, Expected: o.expected, Got: o.got, Detail: o.detail})
		}
	}
	return r, nil
}

// findTestFiles returns every */2DCode/raw/*.json below dir (case-insensitive
// folder names: Ireland uses 2DCode/Raw), sorted.
func findTestFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".json") {
			return nil
		}
		parent := filepath.Dir(path)
		if strings.EqualFold(filepath.Base(parent), "raw") && strings.EqualFold(filepath.Base(filepath.Dir(parent)), "2DCode") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conformance: reading %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("conformance: no */2DCode/raw/*.json test files under %s", dir)
	}
	sort.Strings(files)
	return files, nil
}

type outcome struct {
	key      string
	expected bool
	got      bool
	detail   string
	skipped  string
}

type fileResult struct {
	excluded string
	outcomes []outcome
	notes    []string
}

func (fr fileResult) failed(key string) bool {
	for _, o := range fr.outcomes {
		if o.key == key && o.skipped == "" && o.got != o.expected {
			return true
		}
	}
	return false
}

// runFile evaluates one test file.
func runFile(path string, sets *valueset.Sets, skew time.Duration) fileResult {
	data, err := limits.ReadFile(path, limits.MaxJSONInput)
	if err != nil {
		return fileResult{excluded: err.Error()}
	}
	tf, err := parseTestFile(data)
	if err != nil {
		return fileResult{excluded: fmt.Sprintf("not a test file: invalid JSON: %v", err)}
	}
	expected, err := collectExpectations(tf.Expected)
	if err != nil {
		return fileResult{excluded: err.Error()}
	}
	e := &evaluator{tf: tf, sets: sets, skew: skew}
	var fr fileResult
	for _, key := range Stages {
		exp, ok := expected[key]
		if !ok {
			continue
		}
		got, detail, skip := e.eval(key)
		if exp.spelt != key && skip == "" && got != exp.want {
			// A misspelt key is not part of the format; when the reading
			// we give it contradicts the data, the file is in error.
			return fileResult{excluded: fmt.Sprintf("data error: the misspelt key %s, read as %s, expects %t but the data gives %t (%s)", exp.spelt, key, exp.want, got, detail)}
		}
		fr.outcomes = append(fr.outcomes, outcome{key: key, expected: exp.want, got: got, detail: detail, skipped: skip})
	}
	if reason := e.dataError(fr); reason != "" {
		return fileResult{excluded: reason}
	}
	if n := e.payloadMismatch(); n != "" {
		fr.notes = append(fr.notes, n)
	}
	return fr
}

// dataError returns why a failed expectation of fr is an error of the
// file's data rather than of the code under test, or "". Two cases are
// recognised, both by evidence in the file itself:
//
//   - EXPECTEDENCODE expects the JSON field to encode to the payload, but
//     the JSON field is not the payload the file's code carries (a JSON
//     edited by hand after the code was made: Switzerland's file 1);
//   - EXPECTEDVERIFY expects success, the signature verifies with the
//     test certificate's key, but the kid is absent or is not that
//     certificate's (Georgia's 15-byte kid, Greece's code without one):
//     the format defines the kid as the certificate's.
func (e *evaluator) dataError(fr fileResult) string {
	if fr.failed(Encode) && fr.expects(Encode, true) {
		if n := e.payloadMismatch(); n != "" {
			return "data error: EXPECTEDENCODE expects the JSON field to encode to the code's payload, but " + n
		}
	}
	if fr.failed(Verify) && fr.expects(Verify, true) {
		code, err := e.envelope()
		if err != nil {
			return ""
		}
		cert, err := e.certificate()
		if err != nil || code.VerifySignature(cert.PublicKey) != nil {
			return ""
		}
		want := trust.KID(cert)
		if !bytes.Equal(code.KID, want) {
			got := "absent"
			switch {
			case len(code.KID) > 0:
				got = hex.EncodeToString(code.KID)
			case code.EmptyKIDFrom != hc1.HeaderAbsent:
				got = "empty"
			}
			return fmt.Sprintf("data error: EXPECTEDVERIFY expects success and the signature verifies with TESTCTX.CERTIFICATE, but the code's kid (%s) is not that certificate's (%s), as the format requires", got, hex.EncodeToString(want))
		}
	}
	return ""
}

// expects reports whether fr has an evaluated expectation of key equal to
// want.
func (fr fileResult) expects(key string, want bool) bool {
	for _, o := range fr.outcomes {
		if o.key == key && o.skipped == "" {
			return o.expected == want
		}
	}
	return false
}

// expectation is one expected result and the key it was written under.
type expectation struct {
	want  bool
	spelt string
}

// collectExpectations reads the EXPECTEDRESULTS object, including keys nested
// one object deeper (some files group them) and the known misspellings. A
// correctly spelt key wins over a misspelt one.
func collectExpectations(raw map[string]json.RawMessage) (map[string]expectation, error) {
	out := map[string]expectation{}
	var walk func(m map[string]json.RawMessage, depth int) error
	walk = func(m map[string]json.RawMessage, depth int) error {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := m[k]
			var nested map[string]json.RawMessage
			if depth == 0 && json.Unmarshal(v, &nested) == nil {
				if err := walk(nested, depth+1); err != nil {
					return err
				}
				continue
			}
			key := k
			if m, ok := misspelt[k]; ok {
				key = m
			}
			if !isStage(key) {
				continue
			}
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				// "true" and "false" as strings mean what they say.
				var str string
				if json.Unmarshal(v, &str) != nil || !strings.EqualFold(str, "true") && !strings.EqualFold(str, "false") {
					return fmt.Errorf("data error: expectation %s is %s, not a boolean", k, v)
				}
				b = strings.EqualFold(str, "true")
			}
			if prev, dup := out[key]; dup && prev.spelt == key {
				continue
			}
			out[key] = expectation{want: b, spelt: k}
		}
		return nil
	}
	return out, walk(raw, 0)
}

func isStage(key string) bool {
	for _, s := range Stages {
		if s == key {
			return true
		}
	}
	return false
}

// evaluator computes each stage of one test file once, from the most
// specific input the file offers for that stage.
type evaluator struct {
	tf   *testFile
	sets *valueset.Sets
	skew time.Duration

	coseDone bool
	code     *hc1.Code
	coseErr  error

	envDone bool
	env     *hc1.Code
	envErr  error
}

// eval returns whether the stage key succeeds, a detail for failures, or a
// reason the stage cannot be evaluated.
func (e *evaluator) eval(key string) (ok bool, detail, skip string) {
	check := func(err error) (bool, string, string) {
		if err != nil {
			return false, err.Error(), ""
		}
		return true, "", ""
	}
	switch key {
	case PictureDecode:
		img, err := e.picture()
		if err != nil {
			return false, "", err.Error()
		}
		text, err := scan.Decode(bytes.NewReader(img))
		if err != nil {
			return check(err)
		}
		if text != e.tf.Prefix {
			return check(fmt.Errorf("picture decodes to %q, not the PREFIX", abbreviate(text)))
		}
		return check(nil)
	case Unprefix:
		rest, err := hc1.Unprefix(e.tf.Prefix)
		if err == nil && e.tf.Base45 != "" && rest != e.tf.Base45 {
			err = errors.New("the text after the prefix differs from BASE45")
		}
		return check(err)
	case B45Decode:
		_, err := e.base45()
		return check(err)
	case Compression:
		_, err := e.cose()
		return check(err)
	case Decode:
		return check(e.decode())
	case ValidJSON:
		return check(e.validJSON())
	case SchemaValidation:
		p, err := e.payload()
		if err != nil {
			return check(err)
		}
		return check(p.Check(e.sets))
	case Verify:
		_, err := e.signer()
		return check(err)
	case ExpirationCheck:
		code, signer, err := e.testSigner(e.envelope())
		if err != nil {
			return check(err)
		}
		now, err := ParseClock(e.tf.TestCtx.ValidationClock)
		if err != nil {
			return false, "", err.Error()
		}
		return check(verify.CheckValidity(code, signer, now, e.skew))
	case KeyUsage:
		// Key usage compares with the payload's groups: it needs the payload.
		code, signer, err := e.testSigner(e.parsed())
		if err != nil {
			return check(err)
		}
		return check(verify.CheckKeyUsage(code, signer))
	case ValidObject:
		if len(e.tf.JSON) == 0 {
			return false, "", "the file has no JSON payload"
		}
		_, err := dcc.ParseJSON(e.tf.JSON)
		return check(err)
	case Encode:
		return check(e.encode())
	}
	return false, "", "unknown stage"
}

// picture returns the image of the test: the 2DCODE field (_2DCODE in a
// few files), base64 as the format has it, or hex (Georgia's files) when
// the hex decodes to an image. PNG files kept elsewhere in a test tree are
// not part of the format and are not used.
func (e *evaluator) picture() ([]byte, error) {
	for _, s := range []string{e.tf.Picture, e.tf.PictureAlt} {
		if s == "" {
			continue
		}
		s = strings.TrimSpace(s)
		if b, err := hex.DecodeString(s); err == nil && isImage(b) {
			return b, nil
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("2DCODE is neither base64 nor hex of an image: %v", err)
		}
		return b, nil
	}
	return nil, errors.New("the file has no picture (no 2DCODE field)")
}

// isImage reports whether b starts as a PNG, JPEG or GIF file.
func isImage(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(b, []byte("GIF8"))
}

// binaryField decodes a field holding bytes: hex, as the format has it, or
// base64 (standard or URL alphabet, padded or not), which some countries'
// files use instead (North Macedonia's COSE, COMPRESSED and CBOR). Hex is
// tried first: a string of hex digits is also valid base64 but never meant
// as such, so one that does not decode as hex is an error.
func binaryField(name, v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	if !strings.ContainsFunc(v, func(r rune) bool {
		return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F')
	}) {
		b, err := hex.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("%s is not hex: %v", name, err)
		}
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s is neither hex nor base64", name)
}

// base45 decodes the Base45 text of the test: BASE45 when given, else the
// text after the prefix.
func (e *evaluator) base45() ([]byte, error) {
	text := e.tf.Base45
	if text == "" {
		rest, err := hc1.Unprefix(e.tf.Prefix)
		if err != nil {
			return nil, err
		}
		text = rest
	}
	b, err := base45.Decode(text)
	if err != nil {
		return nil, err
	}
	if e.tf.Compressed != "" {
		want, herr := binaryField("COMPRESSED", e.tf.Compressed)
		if herr == nil && !bytes.Equal(b, want) {
			return nil, errors.New("base45 decodes to bytes that differ from COMPRESSED")
		}
	}
	return b, nil
}

// cose inflates the compressed bytes of the test (COMPRESSED when given,
// else the Base45-decoded text) and checks them against COSE when given.
func (e *evaluator) cose() ([]byte, error) {
	var compressed []byte
	if e.tf.Compressed != "" {
		b, err := binaryField("COMPRESSED", e.tf.Compressed)
		if err != nil {
			return nil, err
		}
		compressed = b
	} else {
		b, err := e.base45()
		if err != nil {
			return nil, err
		}
		compressed = b
	}
	c, err := hc1.Inflate(compressed)
	if err != nil {
		return nil, err
	}
	if e.tf.COSE != "" {
		want, herr := binaryField("COSE", e.tf.COSE)
		if herr == nil && !bytes.Equal(c, want) {
			return nil, errors.New("inflated bytes differ from COSE")
		}
	}
	return c, nil
}

// rawCOSE returns the COSE_Sign1 bytes of the test: the COSE field when
// given (so that later stages are tested even where an earlier one is
// deliberately broken), else the output of the pipeline.
func (e *evaluator) rawCOSE() ([]byte, error) {
	if e.tf.COSE != "" {
		return binaryField("COSE", e.tf.COSE)
	}
	return e.cose()
}

// parsed returns the parsed COSE_Sign1 of the test, payload included.
func (e *evaluator) parsed() (*hc1.Code, error) {
	if !e.coseDone {
		e.coseDone = true
		raw, err := e.rawCOSE()
		if err == nil {
			e.code, err = hc1.ParseCOSE(raw)
		}
		e.coseErr = err
	}
	return e.code, e.coseErr
}

// envelope returns the COSE_Sign1 of the test with its claims but its
// payload undecoded, for the stages that do not read the payload (kid,
// signature, validity): a payload that breaks the schema, such as a dose
// number written as text, does not stop them.
func (e *evaluator) envelope() (*hc1.Code, error) {
	if !e.envDone {
		e.envDone = true
		raw, err := e.rawCOSE()
		if err == nil {
			e.env, err = hc1.ParseCOSEEnvelope(raw)
		}
		e.envErr = err
	}
	return e.env, e.envErr
}

// decode checks that the COSE payload decodes as a DCC and equals the
// test's payload: the CBOR field when given (the bytes the code was made
// from), else the JSON field.
func (e *evaluator) decode() error {
	code, err := e.envelope()
	if err != nil {
		return err
	}
	if code.Kind != hc1.KindDCC {
		return errors.New("the code carries no EU DCC payload")
	}
	got, err := dcc.DecodeGeneric(code.RawPayload)
	if err != nil {
		return err
	}
	want, name, err := e.reference()
	if err != nil || want == nil {
		return err
	}
	if path, ok := equalJSON(got, want, "$"); !ok {
		return fmt.Errorf("decoded payload differs from the %s field at %s", name, path)
	}
	return nil
}

// reference returns the payload the test file states, as a generic value:
// the CBOR field (its hcert sub-claim when it holds the whole CWT claims
// set), else the JSON field, else nil.
func (e *evaluator) reference() (any, string, error) {
	if e.tf.CBOR != "" {
		b, err := e.cborPayload()
		if err != nil {
			return nil, "CBOR", err
		}
		v, err := dcc.DecodeGeneric(b)
		if err != nil {
			return nil, "CBOR", fmt.Errorf("CBOR field: %v", err)
		}
		return v, "CBOR", nil
	}
	if len(e.tf.JSON) > 0 {
		v, err := decodeJSON(e.tf.JSON)
		if err != nil {
			return nil, "JSON", fmt.Errorf("JSON field: %v", err)
		}
		return v, "JSON", nil
	}
	return nil, "", nil
}

// cborPayload returns the DCC payload bytes of the CBOR field.
func (e *evaluator) cborPayload() ([]byte, error) {
	b, err := binaryField("CBOR", e.tf.CBOR)
	if err != nil {
		return nil, err
	}
	if _, kind, raw, err := hc1.ParseClaims(b); err == nil && kind == hc1.KindDCC {
		return raw, nil
	}
	return b, nil
}

// payloadMismatch notes a JSON field that differs from the payload the code
// carries: a data error of the file that the stages reading the CBOR do
// not see.
func (e *evaluator) payloadMismatch() string {
	code, err := e.parsed()
	if err != nil || code.DCC == nil || len(e.tf.JSON) == 0 {
		return ""
	}
	got, err1 := dcc.DecodeGeneric(code.RawPayload)
	want, err2 := decodeJSON(e.tf.JSON)
	if err1 != nil || err2 != nil {
		return ""
	}
	if path, ok := equalJSON(got, want, "$"); !ok {
		return fmt.Sprintf("the JSON field is not the payload the code carries (first difference at %s)", path)
	}
	return ""
}

// validJSON checks that the JSON of the test is well-formed JSON holding
// an object: no syntax error, duplicate key or trailing data. Whether it is
// a valid DCC is for the schema stage and EXPECTEDVALIDOBJECT. Without a
// JSON field, the payload of the code must decode to such an object.
func (e *evaluator) validJSON() error {
	var v any
	var err error
	if len(e.tf.JSON) > 0 {
		v, err = dcc.DecodeGenericJSON(e.tf.JSON)
	} else {
		code, cerr := e.envelope()
		if cerr != nil {
			return cerr
		}
		if code.Kind != hc1.KindDCC {
			return errors.New("the code carries no EU DCC payload")
		}
		v, err = dcc.DecodeGeneric(code.RawPayload)
	}
	if err != nil {
		return err
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("the payload is a %T, not an object", v)
	}
	return nil
}

// payload returns the DCC payload for the schema stage: the one in the code,
// else the CBOR field, else the JSON field.
func (e *evaluator) payload() (*dcc.Payload, error) {
	if code, err := e.parsed(); err == nil && code.DCC != nil {
		return code.DCC, nil
	}
	if e.tf.CBOR != "" {
		b, err := e.cborPayload()
		if err != nil {
			return nil, err
		}
		return dcc.ParseCBOR(b)
	}
	if len(e.tf.JSON) > 0 {
		return dcc.ParseJSON(e.tf.JSON)
	}
	return nil, errors.New("the file has no payload")
}

// certificate returns the signer certificate of the test context.
func (e *evaluator) certificate() (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(e.tf.TestCtx.Certificate))
	if err != nil {
		return nil, fmt.Errorf("TESTCTX.CERTIFICATE is not base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("TESTCTX.CERTIFICATE: %v", err)
	}
	return cert, nil
}

// signer verifies the code against the test's certificate, through the same
// trust lookup (kid) and signature check the verifier uses.
func (e *evaluator) signer() (*trust.Signer, error) {
	code, err := e.envelope()
	if err != nil {
		return nil, err
	}
	cert, err := e.certificate()
	if err != nil {
		return nil, err
	}
	store := trust.NewStore()
	if err := store.Add(cert, ""); err != nil {
		return nil, fmt.Errorf("TESTCTX.CERTIFICATE: %v", err)
	}
	if err := verify.CheckKID(code); err != nil {
		return nil, err
	}
	signers, err := verify.CheckSigners(store, code)
	if err != nil {
		return nil, err
	}
	return verify.CheckSignature(code, signers)
}

// testSigner returns the code (from parsed or envelope) and the test's
// certificate as its signer, for
// the stages that check the certificate's validity window and key usage
// whether or not the signature verifies (a test may pair a code with
// another certificate on purpose).
func (e *evaluator) testSigner(code *hc1.Code, err error) (*hc1.Code, *trust.Signer, error) {
	if err != nil {
		return nil, nil, err
	}
	cert, err := e.certificate()
	if err != nil {
		return nil, nil, err
	}
	return code, trust.NewSigner(cert, ""), nil
}

// encode checks that encoding the JSON payload gives a payload equal in
// content to the one the test states (the CBOR field, else the code's):
// signatures are randomised, so bytes beyond the payload cannot be
// compared.
func (e *evaluator) encode() error {
	if len(e.tf.JSON) == 0 {
		return errors.New("the file has no JSON payload to encode")
	}
	p, err := dcc.ParseJSON(e.tf.JSON)
	if err != nil {
		return err
	}
	ours, err := p.MarshalCBOR()
	if err != nil {
		return err
	}
	got, err := dcc.DecodeGeneric(ours)
	if err != nil {
		return fmt.Errorf("our encoding does not decode: %v", err)
	}
	var want any
	name := "CBOR"
	if e.tf.CBOR != "" {
		b, err := e.cborPayload()
		if err != nil {
			return err
		}
		if want, err = dcc.DecodeGeneric(b); err != nil {
			return fmt.Errorf("CBOR field: %v", err)
		}
	} else {
		name = "code's"
		code, err := e.parsed()
		if err != nil {
			return fmt.Errorf("no CBOR field, and the code does not decode: %v", err)
		}
		if want, err = dcc.DecodeGeneric(code.RawPayload); err != nil {
			return err
		}
	}
	if path, ok := equalJSON(got, want, "$"); !ok {
		return fmt.Errorf("encoded payload differs from the %s payload at %s", name, path)
	}
	return nil
}

// ParseClock parses a VALIDATIONCLOCK: RFC 3339 with any number of
// fractional digits, "+0000" offsets, or no zone at all (read as UTC).
func ParseClock(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("VALIDATIONCLOCK %q is not a date-time", s)
}

// decodeJSON decodes JSON keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// equalJSON compares two JSON-like values; numbers compare by value. It
// returns the path of the first difference.
func equalJSON(a, b any, path string) (string, bool) {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return path, ok && fa == fb
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return path, false
		}
		if len(av) != len(bv) {
			return path + " (number of members)", false
		}
		keys := make([]string, 0, len(av))
		for k := range av {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			bvk, ok := bv[k]
			if !ok {
				return path + "." + k, false
			}
			if p, ok := equalJSON(av[k], bvk, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return path, false
		}
		for i := range av {
			if p, ok := equalJSON(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	case string:
		bv, ok := b.(string)
		if !ok {
			return path, false
		}
		return path, av == bv || sameInstant(av, bv)
	default:
		return path, a == b
	}
}

// sameInstant reports whether two date-time strings name the same instant
// in different lexical forms ("Z" against "+00:00", say), as equal
// payloads may write them.
func sameInstant(a, b string) bool {
	if len(a) < 20 || len(b) < 20 || a[10] != 'T' || b[10] != 'T' {
		return false
	}
	ta, err1 := ParseClock(a)
	tb, err2 := ParseClock(b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return math.NaN(), false
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// knownIssues are the upstream-acknowledged data errors of a test tree.
type knownIssues []knownIssue

type knownIssue struct {
	stage   string // expectation key the upstream test name checks, "" for every one
	country string
	set     string // file stem, or "" for every file of the country
	ref     string
}

// upstreamTests maps the test names of known_issues.csv (those of the
// upstream pytest runner) to the expectation key each one checks; the
// upstream runner selects test_cbor_json by EXPECTEDVALIDJSON.
var upstreamTests = map[string]string{
	"test_picture_decode":     PictureDecode,
	"test_un_prefix":          Unprefix,
	"test_b45decode":          B45Decode,
	"test_compression":        Compression,
	"test_cose_json":          Decode,
	"test_cose_cbor":          Decode,
	"test_cbor_json":          ValidJSON,
	"test_cose_schema":        SchemaValidation,
	"test_verification_check": Verify,
	"test_expiration_check":   ExpirationCheck,
	"test_expected_key_usage": KeyUsage,
}

// readKnownIssues reads tests/known_issues.csv under dir, if present.
func readKnownIssues(dir string) (knownIssues, error) {
	data, err := limits.ReadFile(filepath.Join(dir, "tests", "known_issues.csv"), limits.MaxJSONInput)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("conformance: known_issues.csv: %w", err)
	}
	var ki knownIssues
	for i, row := range rows {
		if i == 0 || len(row) < 4 {
			continue
		}
		// An empty test name lists the file (or country) for every test,
		// as the upstream runner reads it.
		stage, ok := upstreamTests[row[0]]
		if !ok && row[0] != "" {
			continue
		}
		ki = append(ki, knownIssue{stage: stage, country: row[1], set: row[2], ref: row[3]})
	}
	return ki, nil
}

// explains returns an exclusion reason when a listed known data error
// accounts for a failed expectation of the file at rel.
func (ki knownIssues) explains(rel string, fr fileResult) string {
	parts := strings.Split(rel, "/")
	stem := strings.TrimSuffix(parts[len(parts)-1], filepath.Ext(rel))
	for _, k := range ki {
		if parts[0] != k.country || (k.set != "" && k.set != stem) {
			continue
		}
		stages := []string{k.stage}
		if k.stage == "" {
			stages = Stages
		}
		for _, stage := range stages {
			if fr.failed(stage) {
				return fmt.Sprintf("known upstream data error (%s): its %s expectation contradicts the data", k.ref, stage)
			}
		}
	}
	return ""
}
