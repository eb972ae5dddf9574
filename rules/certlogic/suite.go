package certlogic

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// SuiteReport is the outcome of RunSuites: every assertion of every
// test-suite file of a folder.
type SuiteReport struct {
	Dir   string        `json:"dir"`
	Files []SuiteResult `json:"files"`
	// Total is the number of assertions run (Passed + Failed); skipped
	// ones are counted apart. A file that cannot be read counts as one
	// failed assertion.
	Total    int            `json:"total"`
	Passed   int            `json:"passed"`
	Failed   int            `json:"failed"`
	Skipped  int            `json:"skipped"`
	Failures []SuiteFailure `json:"failures"`
}

// SuiteResult is the outcome of one test-suite file.
type SuiteResult struct {
	File    string `json:"file"`
	Name    string `json:"name"`
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
}

// SuiteFailure is one assertion that failed.
type SuiteFailure struct {
	File string `json:"file"`
	Case string `json:"case,omitempty"`
	// Assertion is the 1-based position of the assertion in its case; 0
	// when the whole file or case failed.
	Assertion  int    `json:"assertion"`
	Message    string `json:"message,omitempty"` // the assertion's own message
	Expression any    `json:"expression,omitempty"`
	Data       any    `json:"data,omitempty"`
	Expected   any    `json:"expected,omitempty"`
	// Got is the result as JSON text (a date-time as dateTime("…")),
	// empty when the evaluation failed.
	Got   string `json:"got,omitempty"`
	Error string `json:"error,omitempty"`
}

// RunSuites runs every test-suite file (*.json, in the format of
// schemas/CertLogic-testSuite.json of the CertLogic specification)
// directly in dir. Each assertion evaluates its own expression, or its
// case's, over its data and must give its expected value (deep JSON
// equality; a date-time equals no JSON value). Assertions whose file,
// case or own directive is "skip" are counted, not run; "only" runs as
// usual. The error is for a folder that cannot be listed or holds no
// *.json file; a broken file is a failure in the report.
func RunSuites(dir string) (*SuiteReport, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("certlogic: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".json") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("certlogic: no *.json test-suite file in %s", dir)
	}
	if len(names) > limits.MaxCertLogicSuiteFiles {
		return nil, fmt.Errorf("certlogic: %s holds %d test-suite files, more than the %d accepted", dir, len(names), limits.MaxCertLogicSuiteFiles)
	}
	sort.Strings(names)
	r := &SuiteReport{Dir: dir, Failures: []SuiteFailure{}}
	for _, name := range names {
		r.runFile(filepath.Join(dir, name), name)
	}
	return r, nil
}

func (r *SuiteReport) runFile(path, name string) {
	res := SuiteResult{File: name}
	fail := func(f SuiteFailure) {
		f.File = name
		r.Failures = append(r.Failures, f)
		res.Failed++
	}
	defer func() {
		r.Files = append(r.Files, res)
		r.Passed += res.Passed
		r.Failed += res.Failed
		r.Skipped += res.Skipped
		r.Total += res.Passed + res.Failed
	}()
	b, err := limits.ReadFile(path, limits.MaxCertLogicSuiteFile)
	if err != nil {
		fail(SuiteFailure{Error: err.Error()})
		return
	}
	doc, err := decodeStrict(b, limits.MaxCertLogicSuiteDepth)
	if err != nil {
		fail(SuiteFailure{Error: err.Error()})
		return
	}
	top, ok := doc.(map[string]any)
	cases, ok2 := top["cases"].([]any)
	if !ok || !ok2 {
		fail(SuiteFailure{Error: "not a CertLogic test suite: no \"cases\" array"})
		return
	}
	res.Name, _ = top["name"].(string)
	fileSkip, err := directive(top)
	if err != nil {
		fail(SuiteFailure{Error: err.Error()})
		return
	}
	for ci, c := range cases {
		tc, ok := c.(map[string]any)
		asserts, ok2 := tc["assertions"].([]any)
		if !ok || !ok2 {
			fail(SuiteFailure{Case: fmt.Sprintf("case %d", ci+1), Error: "a case must be an object with an \"assertions\" array"})
			continue
		}
		caseName, _ := tc["name"].(string)
		if caseName == "" {
			caseName = fmt.Sprintf("case %d", ci+1)
		}
		caseSkip, err := directive(tc)
		if err != nil {
			fail(SuiteFailure{Case: caseName, Error: err.Error()})
			continue
		}
		caseExpr, hasCaseExpr := tc["certLogicExpression"]
		var compiled *Expr
		var compileErr error
		if hasCaseExpr {
			compiled, compileErr = CompileValue(caseExpr)
		}
		for ai, a := range asserts {
			f := SuiteFailure{Case: caseName, Assertion: ai + 1}
			as, ok := a.(map[string]any)
			if !ok {
				f.Error = "an assertion must be an object"
				fail(f)
				continue
			}
			f.Message, _ = as["message"].(string)
			skip, err := directive(as)
			if err != nil {
				f.Error = err.Error()
				fail(f)
				continue
			}
			if fileSkip || caseSkip || skip {
				res.Skipped++
				continue
			}
			data, hasData := as["data"]
			expected, hasExpected := as["expected"]
			f.Data, f.Expected = data, expected
			if !hasData || !hasExpected {
				f.Error = "an assertion must have \"data\" and \"expected\""
				fail(f)
				continue
			}
			expr, e, cerr := caseExpr, compiled, compileErr
			if own, ok := as["certLogicExpression"]; ok {
				expr = own
				e, cerr = CompileValue(own)
			} else if !hasCaseExpr {
				f.Error = "neither the assertion nor its case has a certLogicExpression"
				fail(f)
				continue
			}
			f.Expression = expr
			if cerr != nil {
				f.Error = cerr.Error()
				fail(f)
				continue
			}
			got, err := e.Evaluate(data)
			if err != nil {
				f.Error = err.Error()
				fail(f)
				continue
			}
			if !jsonEqual(got, expected) {
				f.Got = jsonText(got)
				fail(f)
				continue
			}
			res.Passed++
		}
	}
}

// directive reports whether the "directive" of a suite, case or assertion
// is "skip"; "only" and no directive run.
func directive(m map[string]any) (bool, error) {
	d, ok := m["directive"]
	if !ok {
		return false, nil
	}
	switch d {
	case "skip":
		return true, nil
	case "only":
		return false, nil
	}
	return false, fmt.Errorf("directive %s is neither \"skip\" nor \"only\"", jsonText(d))
}

// jsonEqual is deep equality of decoded JSON values; a date-time equals
// no JSON value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, float64, string:
		return a == b
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// jsonText writes a result as JSON, a date-time as dateTime("…").
func jsonText(v any) string {
	if t, ok := v.(time.Time); ok {
		return `dateTime("` + t.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `")`
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Summary is the last line of the text report:
// "certlogic: N/M assertions passed (S skipped)".
func (r *SuiteReport) Summary() string {
	return fmt.Sprintf("certlogic: %d/%d assertions passed (%d skipped)", r.Passed, r.Total, r.Skipped)
}

// WriteText writes the report for a reader: a line per file, a line per
// failure naming its file, case and assertion, and the summary last.
func (r *SuiteReport) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Files {
		status := "ok  "
		if f.Failed > 0 {
			status = "FAIL"
		}
		fmt.Fprintf(&b, "%s  %s  %d/%d assertions passed", status, f.File, f.Passed, f.Passed+f.Failed)
		if f.Skipped > 0 {
			fmt.Fprintf(&b, " (%d skipped)", f.Skipped)
		}
		if f.Name != "" {
			fmt.Fprintf(&b, "  %q", f.Name)
		}
		b.WriteByte('\n')
		for _, x := range r.Failures {
			if x.File == f.File {
				b.WriteString("FAIL  " + x.String() + "\n")
			}
		}
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// String describes the failure on one line: file, case, assertion, and
// what went wrong.
func (f SuiteFailure) String() string {
	var b strings.Builder
	b.WriteString(f.File)
	if f.Case != "" {
		fmt.Fprintf(&b, ": case %q", f.Case)
	}
	if f.Assertion > 0 {
		fmt.Fprintf(&b, " assertion %d", f.Assertion)
	}
	if f.Message != "" {
		fmt.Fprintf(&b, " (%s)", f.Message)
	}
	if f.Error != "" {
		b.WriteString(": " + f.Error)
		if f.Assertion > 0 {
			b.WriteString(", want " + jsonText(f.Expected))
		}
		return b.String()
	}
	fmt.Fprintf(&b, ": data %s: got %s, want %s", clip(jsonText(f.Data)), f.Got, jsonText(f.Expected))
	return b.String()
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
