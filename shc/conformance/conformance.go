// Package conformance runs the test cases of the SMART Health Cards
// validator (smart-on-fhir health-cards-validation-SDK) against package
// shc, from the validator's test files and the expectations listed in
// their EXPECTATIONS.json (see ../shared/testdata/shc/PROVENANCE.md).
//
// For every case whose file types package shc reads, Run reports whether
// our verdict agrees with the expected errors: a case expecting errors
// must be refused with a matching reason (our finding code among the
// expected codes, or any refusal when only a count is expected); a case
// expecting none must verify. Warnings are reported, not judged.
//
// Decisions, each documented in docs/shc.md:
//
//   - QR_CHUNKING_DEPRECATED, an error of the validator, is a warning of
//     ours on purpose (chunked codes are accepted with a warning): a case
//     whose only expected error it is expects us to verify, and to warn.
//   - A refusal as expired or revoked agrees with a case expecting no
//     errors, with a note: the validator reports expiry as a warning and
//     checks the form of revocation lists, not whether a card is on one
//     (example 03 is).
//   - Bundles are read strictly (shc.Strict), as the validator does,
//     unless the case excludes fhir-schema-error.
//   - Issuer keys come from local copies of the issuers' folders:
//     https://spec.smarthealth.cards/<path> from DIR/../<path>, and a
//     raw.githubusercontent.com URL of the validator's testdata/<path>
//     from DIR/<path>. A file a case names is read from DIR, else from
//     DIR/../examples (the validator's copies of the examples).
//   - Out of scope, listed with the reason: SMART Health Links, SVG and
//     BMP images (package scan reads PNG, JPEG and GIF), and cases whose
//     files are absent.
//
// The validation time is the validator's, 2022-05-31T00:00:00Z
// (before example 01's x5c certificate expired), unless Options.Now says
// otherwise.
package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/scan"
	"github.com/ithc/ithc/shc"
)

// ValidationTime is the validator's default validation time,
// 1653955200 = 2022-05-31T00:00:00Z.
var ValidationTime = time.Unix(1653955200, 0).UTC()

// Options configure Run. The zero value runs at ValidationTime without
// clock skew.
type Options struct {
	Now       time.Time
	ClockSkew time.Duration
}

// Case is the outcome of one in-scope case.
type Case struct {
	Name  string   `json:"name"`
	Type  string   `json:"type"`
	Files []string `json:"files"`
	// Expected is the expectation as written, and as read.
	Expected     string   `json:"expected"`
	ExpectErrors int      `json:"expect_errors"`
	ExpectCodes  []string `json:"expect_codes,omitempty"`
	// Verdict is "verified" or "refused".
	Verdict  string   `json:"verdict"`
	Status   string   `json:"status"`
	Stage    string   `json:"stage,omitempty"`
	Code     string   `json:"code,omitempty"`
	Detail   string   `json:"detail,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Agree    bool     `json:"agree"`
	Note     string   `json:"note,omitempty"`
}

// OutOfScope is a case not run, with the reason.
type OutOfScope struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// Report is the outcome of Run.
type Report struct {
	Agree      int          `json:"agree"`
	Total      int          `json:"total"`
	Cases      []Case       `json:"cases"`
	OutOfScope []OutOfScope `json:"out_of_scope"`
}

// Disagreements returns the cases whose verdict does not agree.
func (r *Report) Disagreements() []Case {
	var out []Case
	for _, c := range r.Cases {
		if !c.Agree {
			out = append(out, c)
		}
	}
	return out
}

// Summary is the last line of the text report.
func (r *Report) Summary() string {
	return fmt.Sprintf("shc: %d/%d cases agree (%d out of scope)", r.Agree, r.Total, len(r.OutOfScope))
}

// WriteText writes the disagreements, notes, out-of-scope cases and the
// summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, c := range r.Cases {
		if !c.Agree {
			fmt.Fprintf(&b, "FAIL %s [%s]: expected %s, got %s", c.Name, strings.Join(c.Files, " "), c.Expected, c.Verdict)
			if c.Verdict != "verified" {
				fmt.Fprintf(&b, " (%s %s: %s)", c.Status, c.Code, c.Detail)
			}
			b.WriteString("\n")
		}
	}
	for _, c := range r.Cases {
		if c.Note != "" {
			fmt.Fprintf(&b, "NOTE %s: %s\n", c.Name, c.Note)
		}
	}
	for _, o := range r.OutOfScope {
		fmt.Fprintf(&b, "OUT OF SCOPE %s (%s): %s\n", o.Name, o.Type, o.Reason)
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// tolerated are the validator's error codes that package shc reports as
// warnings on purpose.
var tolerated = map[string]string{
	shc.CodeQRChunkingDeprecated: "chunked QR codes are accepted with a warning",
}

// stateStatuses are refusals about a card's current standing, not its
// validity as an artefact, which the validator does not count as errors.
var stateStatuses = map[shc.Status]string{
	shc.StatusExpired: "the validator reports an expired card as a warning",
	shc.StatusRevoked: "the validator checks the form of revocation lists, not whether a card is on one",
}

// Run reads DIR/EXPECTATIONS.json and runs every case.
func Run(dir string, opts Options) (*Report, error) {
	data, err := limits.ReadFile(filepath.Join(dir, "EXPECTATIONS.json"), limits.MaxJSONInput)
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	var exp struct {
		Cases []struct {
			Name     string   `json:"name"`
			Files    []string `json:"files"`
			Type     string   `json:"type"`
			Expected string   `json:"expected"`
			Options  *string  `json:"options"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		return nil, fmt.Errorf("conformance: EXPECTATIONS.json: %v", err)
	}
	if len(exp.Cases) == 0 {
		return nil, errors.New("conformance: EXPECTATIONS.json lists no case")
	}
	if opts.Now.IsZero() {
		opts.Now = ValidationTime
	}
	r := &runner{dir: dir, opts: opts}
	rep := &Report{Cases: []Case{}, OutOfScope: []OutOfScope{}}
	for _, tc := range exp.Cases {
		var o caseOptions
		if tc.Options != nil {
			o = parseOptions(*tc.Options)
		}
		files, reason := r.resolve(tc.Type, tc.Files, o)
		if reason != "" {
			rep.OutOfScope = append(rep.OutOfScope, OutOfScope{Name: tc.Name, Type: tc.Type, Reason: reason})
			continue
		}
		e, err := parseExpected(tc.Expected)
		if err != nil {
			return nil, fmt.Errorf("conformance: case %q: %v", tc.Name, err)
		}
		c := r.run(tc.Name, tc.Type, tc.Files, files, e, o)
		c.Expected = tc.Expected
		rep.Cases = append(rep.Cases, c)
		rep.Total++
		if c.Agree {
			rep.Agree++
		}
	}
	return rep, nil
}

type runner struct {
	dir  string
	opts Options
}

// resolve finds the files of a case, or says why it is out of scope.
func (r *runner) resolve(typ string, names []string, o caseOptions) ([]string, string) {
	switch typ {
	case "shlink", "shlpayload", "shlmanifest", "shlfile":
		return nil, "SMART Health Links are out of scope"
	case "fhirbundle", "jwspayload", "jws", "healthcard", "fhirhealthcard", "qrnumeric", "qr":
	default:
		return nil, fmt.Sprintf("file type %q is not one package shc reads", typ)
	}
	if o.shl {
		return nil, "SMART Health Links are out of scope"
	}
	var paths []string
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), "shlink") {
			return nil, "SMART Health Links are out of scope"
		}
		if typ == "qr" {
			switch strings.ToLower(filepath.Ext(n)) {
			case ".png", ".jpg", ".jpeg", ".gif":
			default:
				return nil, fmt.Sprintf("%s: package scan reads PNG, JPEG and GIF images, not %s", n, filepath.Ext(n))
			}
		}
		p := filepath.Join(r.dir, filepath.FromSlash(n))
		if _, err := os.Stat(p); err != nil {
			p = filepath.Join(r.dir, "..", "examples", filepath.FromSlash(n))
			if _, err := os.Stat(p); err != nil {
				return nil, fmt.Sprintf("%s is absent from the test data", n)
			}
		}
		paths = append(paths, p)
	}
	return paths, ""
}

// run evaluates one case.
func (r *runner) run(name, typ string, names, files []string, e expected, o caseOptions) Case {
	c := Case{Name: name, Type: typ, Files: names}
	res, notes := r.verdict(typ, files, o)
	if res.Status == shc.StatusVerified {
		c.Verdict = "verified"
	} else {
		c.Verdict = "refused"
	}
	c.Status, c.Stage, c.Code, c.Detail = string(res.Status), string(res.Stage), res.Code, res.Detail
	for _, w := range res.Warnings {
		if !slices.Contains(c.Warnings, w.Code) {
			c.Warnings = append(c.Warnings, w.Code)
		}
	}
	// The expected errors, less those we tolerate on purpose.
	var codes []string
	count := e.Errors.Count
	for _, code := range e.Errors.Codes {
		if why, ok := tolerated[code]; ok {
			count--
			if !slices.Contains(c.Warnings, code) {
				notes = append(notes, fmt.Sprintf("expected %s as an error; we warn instead (%s), but gave no such warning", code, why))
			}
			continue
		}
		codes = append(codes, code)
	}
	c.ExpectErrors, c.ExpectCodes = count, codes
	switch {
	case count > 0 && c.Verdict == "verified":
		c.Agree = false
	case count > 0:
		c.Agree = len(codes) == 0 || slices.Contains(codes, res.Code)
		if !c.Agree {
			notes = append(notes, fmt.Sprintf("refused with %s, not one of %s", res.Code, strings.Join(codes, ", ")))
		}
	case c.Verdict == "verified":
		c.Agree = true
	default:
		why, ok := stateStatuses[res.Status]
		c.Agree = ok
		if ok {
			notes = append(notes, fmt.Sprintf("refused as %s (%s), which the validator does not count as an error: %s", res.Status, res.Detail, why))
		}
	}
	c.Note = strings.Join(notes, "; ")
	return c
}

// verdict runs the files of a case through package shc.
func (r *runner) verdict(typ string, files []string, o caseOptions) (*shc.Result, []string) {
	var notes []string
	verifyOpts := shc.Options{Now: r.opts.Now, ClockSkew: r.opts.ClockSkew, Bundle: shc.Strict}
	if o.excludeFHIRSchema {
		verifyOpts.Bundle = shc.Lenient
	}
	if o.profile != "" {
		notes = append(notes, fmt.Sprintf("profile %q is not applied: package shc checks SMART Health Cards, not national profiles", o.profile))
	}
	keys, err := r.keys(o, &verifyOpts)
	if err != nil {
		return refused(shc.StatusIssuerNotTrusted, shc.StageKey, shc.CodeIssuerKeyDownload, err.Error()), notes
	}
	var contents [][]byte
	for _, f := range files {
		max := int64(limits.MaxSHCFile)
		if typ == "qr" {
			max = limits.MaxImageBytes
		}
		b, err := limits.ReadFile(f, max)
		if err != nil {
			return refused(shc.StatusInvalidEncoding, shc.StageJWS, shc.CodeJSONParse, err.Error()), notes
		}
		// The validator refuses white space around any text file.
		if typ != "qr" && strings.TrimSpace(string(b)) != string(b) {
			return refused(shc.StatusInvalidEncoding, shc.StageJWS, shc.CodeTrailingCharacters,
				fmt.Sprintf("%s has leading or trailing white space", filepath.Base(f))), notes
		}
		contents = append(contents, b)
	}
	switch typ {
	case "fhirbundle":
		res := &shc.Result{Format: "shc", Status: shc.StatusVerified, Stage: shc.StageDone}
		b, w, err := shc.ParseBundle(contents[0], verifyOpts.Bundle)
		res.Warnings = w
		if err != nil {
			return fromError(res, err), notes
		}
		res.Bundle = b
		return res, notes
	case "jwspayload":
		return shc.CheckPayload(contents[0], verifyOpts), notes
	case "jws":
		return shc.VerifyJWS(string(contents[0]), keys, verifyOpts, nil), notes
	case "healthcard", "fhirhealthcard":
		var list []string
		var err error
		if typ == "healthcard" {
			list, err = shc.ParseFile(contents[0])
		} else {
			list, err = shc.ParseIssueResponse(contents[0])
		}
		if err != nil {
			return refused(shc.StatusInvalidEncoding, shc.StageJWS, shc.CodeJSONParse, err.Error()), notes
		}
		var warnings []shc.Finding
		if typ == "healthcard" && filepath.Ext(files[0]) != ".smart-health-card" {
			warnings = append(warnings, shc.Finding{Code: "INVALID_FILE_EXTENSION", Message: "a health card file is named *.smart-health-card"})
		}
		var last *shc.Result
		for i, jws := range list {
			res := shc.VerifyJWS(jws, keys, verifyOpts, warnings)
			if res.Status != shc.StatusVerified {
				res.Detail = fmt.Sprintf("card %d of %d: %s", i+1, len(list), res.Detail)
				return res, notes
			}
			last = res
		}
		return last, notes
	case "qrnumeric":
		chunks := make([]string, len(contents))
		for i, b := range contents {
			chunks[i] = string(b)
		}
		return shc.VerifyChunks(chunks, keys, verifyOpts), notes
	default: // qr images
		var chunks []string
		var warnings []shc.Finding
		for i, b := range contents {
			text, w, note, err := readQRImage(b)
			if err != nil {
				return refused(shc.StatusInvalidEncoding, shc.StageQR, codeOf(err), fmt.Sprintf("%s: %v", filepath.Base(files[i]), err)), notes
			}
			if note != "" {
				notes = append(notes, filepath.Base(files[i])+": "+note)
			}
			warnings = append(warnings, w...)
			chunks = append(chunks, text)
		}
		jws, w, err := shc.DecodeQR(chunks...)
		if err != nil {
			return fromError(&shc.Result{Format: "shc", Warnings: w}, err), notes
		}
		return shc.VerifyJWS(jws, keys, verifyOpts, append(warnings, w...)), notes
	}
}

// qrError is a QR image problem with the validator's code.
type qrError struct {
	code string
	err  error
}

func (e *qrError) Error() string { return e.err.Error() }

func codeOf(err error) string {
	var q *qrError
	if errors.As(err, &q) {
		return q.code
	}
	return "QR_DECODE_ERROR"
}

// readQRImage reads the text of a QR image with package scan, and checks
// its symbol as SMART Health Cards require: version 22 or lower, a byte
// segment holding "shc:/" (and the chunk header) followed by one numeric
// segment. An image that does not read is read again downscaled by area
// averaging, as the validator scales images it cannot read ("requires
// scaling 85": a code at 4.5 pixels per module after JPEG compression).
func readQRImage(data []byte) (string, []shc.Finding, string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", nil, "", &qrError{code: "QR_DECODE_ERROR", err: err}
	}
	if int64(cfg.Width)*int64(cfg.Height) > limits.MaxImagePixels {
		return "", nil, "", &qrError{code: "QR_DECODE_ERROR", err: fmt.Errorf("a %d×%d image is larger than %d pixels", cfg.Width, cfg.Height, limits.MaxImagePixels)}
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", nil, "", &qrError{code: "QR_DECODE_ERROR", err: err}
	}
	candidates := []image.Image{img, downscale(img, 4, 5), downscale(img, 1, 2)}
	text, first := "", error(nil)
	for _, c := range candidates {
		t, err := scan.Image(c)
		if err == nil {
			text = t
			break
		}
		if first == nil {
			first = err
		}
	}
	if text == "" {
		return "", nil, "", &qrError{code: "QR_DECODE_ERROR", err: first}
	}
	var sym *symbol
	for _, c := range candidates {
		if sym, err = readSymbol(c); err == nil {
			break
		}
	}
	if sym == nil {
		return text, nil, fmt.Sprintf("the symbol's structure could not be read (%v): version and segments not checked", err), nil
	}
	if sym.version > maxSHCQRVersion {
		return "", nil, "", &qrError{code: "INVALID_QR_VERSION", err: fmt.Errorf("qr version %d, above the %d SMART Health Cards allow", sym.version, maxSHCQRVersion)}
	}
	header := len(text) - len(strings.TrimLeft(strings.TrimPrefix(text, "shc:/"), "0123456789/")) // prefix and chunk header
	if !strings.HasPrefix(text, "shc:/") {
		header = 0
	}
	ok := len(sym.segments) == 2 && sym.segments[0].mode == "byte" && sym.segments[1].mode == "numeric" &&
		sym.segments[0].count+sym.segments[1].count == len(text)
	if ok {
		// The byte segment holds the prefix and header, no digit of the body.
		body := text[sym.segments[0].count:]
		ok = strings.HasPrefix(text, "shc:/") && sym.segments[0].count <= header && strings.Trim(body, "0123456789") == ""
	}
	if !ok {
		modes := make([]string, len(sym.segments))
		for i, s := range sym.segments {
			modes[i] = fmt.Sprintf("%s(%d)", s.mode, s.count)
		}
		return "", nil, "", &qrError{code: "INVALID_QR", err: fmt.Errorf("qr segments %s: SMART Health Cards use a byte segment \"shc:/\" then one numeric segment", strings.Join(modes, " "))}
	}
	return text, nil, "", nil
}

func refused(status shc.Status, stage shc.Stage, code, detail string) *shc.Result {
	return &shc.Result{Format: "shc", Status: status, Stage: stage, Code: code, Detail: detail}
}

func fromError(res *shc.Result, err error) *shc.Result {
	var e *shc.Error
	if !errors.As(err, &e) {
		e = &shc.Error{Status: shc.StatusInvalidEncoding, Stage: shc.StageJWS, Code: shc.CodeJSONParse, Detail: err.Error()}
	}
	res.Status, res.Stage, res.Code, res.Detail = e.Status, e.Stage, e.Code, e.Detail
	return res
}

// keys builds the key resolver of a case and sets its directory.
func (r *runner) keys(o caseOptions, opts *shc.Options) (shc.KeyResolver, error) {
	l := &localIssuers{dir: r.dir, store: shc.NewKeyStore(), loaded: map[string]error{}}
	if o.jwkset != "" {
		p := filepath.Join(r.dir, filepath.FromSlash(strings.TrimPrefix(o.jwkset, "testdata/")))
		data, err := limits.ReadFile(p, limits.MaxSHCFile)
		if err != nil {
			return nil, fmt.Errorf("jwkset option: %w", err)
		}
		keys, _, err := shc.ParseJWKS("", data)
		if err != nil {
			return nil, fmt.Errorf("jwkset option: %w", err)
		}
		l.store.AddKeys(keys...)
	}
	switch d := o.issuerDirectory; {
	case d == "":
	case d == "VCI":
		vci := filepath.Join(r.dir, "..", "vci-directory")
		snap, err1 := limits.ReadFile(filepath.Join(vci, "vci_snapshot.json"), limits.MaxSHCFile)
		sig, err2 := limits.ReadFile(filepath.Join(vci, "vci_snapshot.sig"), 1<<10)
		crt, err3 := limits.ReadFile(filepath.Join(vci, "vci_snapshot.crt"), limits.MaxCertificatePEM)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("VCI directory: %w", err)
		}
		// The snapshot's certificate is checked at the snapshot's own
		// time, not the validation time, which predates it.
		store, _, err := shc.ParseVCISnapshot(snap, sig, crt, time.Date(2026, 8, 22, 4, 43, 50, 0, time.UTC))
		if err != nil {
			return nil, err
		}
		return store, nil
	case d == "test" || strings.HasSuffix(d, "/test-issuers.json"):
		data, err := limits.ReadFile(filepath.Join(r.dir, "test-issuers.json"), limits.MaxSHCFile)
		if err != nil {
			return nil, fmt.Errorf("issuer directory: %w", err)
		}
		dir, err := shc.ParseDirectory(data)
		if err != nil {
			return nil, err
		}
		opts.Directory = dir
	default:
		return nil, fmt.Errorf("issuer directory %q is not known to the runner", d)
	}
	return l, nil
}

// localIssuers resolves issuer keys from local copies of the issuers'
// folders, loading each issuer once, as the validator downloads them.
type localIssuers struct {
	dir    string
	store  *shc.KeyStore
	loaded map[string]error
}

func (l *localIssuers) ResolveKey(iss, kid string) (*shc.Key, error) {
	err, done := l.loaded[iss]
	if !done {
		err = l.load(iss)
		l.loaded[iss] = err
	}
	if err != nil {
		return nil, fmt.Errorf("the keys of %q cannot be obtained: %w", iss, err)
	}
	return l.store.ResolveKey(iss, kid)
}

func (l *localIssuers) load(iss string) error {
	u, err := url.Parse(iss)
	if err != nil {
		return err
	}
	var folder string
	switch {
	case u.Host == "spec.smarthealth.cards":
		folder = filepath.Join(l.dir, "..", filepath.FromSlash(strings.TrimPrefix(u.Path, "/")))
	case u.Host == "raw.githubusercontent.com" && strings.Contains(u.Path, "/testdata/"):
		_, rest, _ := strings.Cut(u.Path, "/testdata/")
		folder = filepath.Join(l.dir, filepath.FromSlash(rest))
	default:
		return fmt.Errorf("no local copy of %s", iss)
	}
	if _, err := os.Stat(folder); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no issuer folder at %s", iss)
	}
	_, err = l.store.LoadIssuerDir(iss, folder)
	return err
}

// downscale returns img scaled by num/den (< 1) in grey, each pixel the
// average of the source pixels it covers.
func downscale(img image.Image, num, den int) image.Image {
	b := img.Bounds()
	w, h := b.Dx()*num/den, b.Dy()*num/den
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := y*den/num, max((y+1)*den/num, y*den/num+1)
		for x := 0; x < w; x++ {
			x0, x1 := x*den/num, max((x+1)*den/num, x*den/num+1)
			sum, n := 0, 0
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					sum += int(color.GrayModel.Convert(img.At(b.Min.X+xx, b.Min.Y+yy)).(color.Gray).Y)
					n++
				}
			}
			out.SetGray(x, y, color.Gray{Y: uint8(sum / n)})
		}
	}
	return out
}
