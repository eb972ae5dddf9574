package rules

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/ithc/ithc/internal/jsonw"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/rules/certlogic"
)

// TestReport is the result of RunTests over a folder of rules and their
// tests.
type TestReport struct {
	// Dir is the folder run.
	Dir string `json:"dir"`
	// Rules is the number of rule.json files found; Total and Passed count
	// their tests.
	Rules  int `json:"rules"`
	Total  int `json:"total"`
	Passed int `json:"passed"`
	// Tests lists every test in the order run.
	Tests []TestResult `json:"tests"`
	// RuleProblems lists, per rule file, what ParseRule refuses in a rule
	// whose Logic still compiled and ran (its tests count as usual).
	RuleProblems map[string][]string `json:"rule_problems,omitempty"`
}

// TestResult is one rule test.
type TestResult struct {
	Rule     string `json:"rule"`
	File     string `json:"file"`
	Name     string `json:"name,omitempty"`
	Passed   bool   `json:"passed"`
	Expected any    `json:"expected"`
	Got      any    `json:"got"`
	Error    string `json:"error,omitempty"`
}

// RunTests runs a folder tree of rules with their tests in the layout of
// the EU business-rules test data: every <Identifier>/rule.json below dir,
// at any depth, with <Identifier>/tests/*.json, each test
// {name?, payload, expected, external}. The rule's Logic is evaluated over
// {"payload": payload, "external": external} exactly as the test gives
// them, and must give expected (deep JSON equality). A test whose external
// has no valueSets member gets the value sets of the nearest
// valuesets/valueSets.json in the rule's folder or above it, up to dir.
//
// A rule that ParseRule refuses but whose Logic compiles is still run;
// RuleProblems says what ParseRule found. A rule whose Logic does not
// compile fails every test. RunTests fails only when dir cannot be read.
func RunTests(dir string) (*TestReport, error) {
	rep := &TestReport{Dir: dir}
	var ruleFiles []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "rule.json" {
			ruleFiles = append(ruleFiles, p)
			if len(ruleFiles) > limits.MaxRuleSet {
				return fmt.Errorf("more than %d rule files", limits.MaxRuleSet)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rules: %s: %w", dir, err)
	}
	sort.Strings(ruleFiles)
	rep.Rules = len(ruleFiles)
	valueSets := map[string]any{} // valueSets.json path → decoded (nil when absent)
	for _, rf := range ruleFiles {
		ruleDir := filepath.Dir(rf)
		rel, _ := filepath.Rel(dir, ruleDir)
		expr, problems := loadTestRule(rf)
		if len(problems) > 0 {
			if rep.RuleProblems == nil {
				rep.RuleProblems = map[string][]string{}
			}
			rep.RuleProblems[rel] = problems
		}
		tests, _ := filepath.Glob(filepath.Join(ruleDir, "tests", "*.json"))
		sort.Strings(tests)
		for _, tf := range tests {
			if rep.Total >= limits.MaxRuleTests {
				return nil, fmt.Errorf("rules: %s: more than %d tests", dir, limits.MaxRuleTests)
			}
			res := TestResult{Rule: rel, File: filepath.Base(tf)}
			runTest(&res, tf, expr, func() (any, error) { return findValueSets(dir, ruleDir, valueSets) })
			rep.Total++
			if res.Passed {
				rep.Passed++
			}
			rep.Tests = append(rep.Tests, res)
		}
	}
	return rep, nil
}

// loadTestRule compiles a rule file's Logic; problems are what ParseRule
// refuses and, for a nil expression, why the Logic does not compile.
func loadTestRule(path string) (*certlogic.Expr, []string) {
	data, err := readFile(path, limits.MaxRule)
	if err != nil {
		return nil, []string{err.Error()}
	}
	r, err := ParseRule(data)
	if err == nil {
		return r.expr, nil
	}
	problems := []string{err.Error()}
	v, derr := decodeJSON(data, limits.MaxRuleDepth)
	if derr != nil {
		return nil, problems
	}
	obj, _ := v.(map[string]any)
	logic, ok := obj["Logic"]
	if !ok {
		return nil, problems
	}
	b, merr := jsonw.Marshal(logic)
	if merr != nil {
		return nil, append(problems, merr.Error())
	}
	e, cerr := certlogic.Compile(b)
	if cerr != nil {
		return nil, problems
	}
	return e, problems
}

// runTest runs one test file into res.
func runTest(res *TestResult, path string, expr *certlogic.Expr, defaultSets func() (any, error)) {
	data, err := readFile(path, limits.MaxRuleTest)
	if err != nil {
		res.Error = err.Error()
		return
	}
	v, err := decodeJSON(data, limits.MaxRuleDepth)
	if err != nil {
		res.Error = "json: " + err.Error()
		return
	}
	test, ok := v.(map[string]any)
	if !ok {
		res.Error = "the test is " + jsonType(v) + ", want an object"
		return
	}
	res.Name, _ = test["name"].(string)
	expected, ok := test["expected"]
	if !ok {
		res.Error = "the test has no expected member"
		return
	}
	res.Expected = expected
	if expr == nil {
		res.Error = "the rule's Logic does not compile"
		return
	}
	ctx := map[string]any{}
	if p, ok := test["payload"]; ok {
		ctx["payload"] = p
	}
	ext, hasExt := test["external"].(map[string]any)
	if !hasExt {
		ext = map[string]any{}
	}
	if _, ok := ext["valueSets"]; !ok {
		sets, err := defaultSets()
		if err != nil {
			res.Error = err.Error()
			return
		}
		if sets != nil {
			ext["valueSets"] = sets
		}
	}
	ctx["external"] = ext
	got, err := expr.Evaluate(ctx)
	if err != nil {
		res.Error = "evaluation: " + err.Error()
		return
	}
	res.Got = got
	res.Passed = reflect.DeepEqual(normalise(got), normalise(expected))
}

// normalise maps a value to the types encoding/json decodes, so that an
// engine returning int or []string compares equal to the expected JSON.
func normalise(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

// findValueSets returns the decoded valuesets/valueSets.json nearest to
// ruleDir, looking up to root; nil when there is none.
func findValueSets(root, ruleDir string, cache map[string]any) (any, error) {
	root = filepath.Clean(root)
	for d := filepath.Clean(ruleDir); ; d = filepath.Dir(d) {
		p := filepath.Join(d, "valuesets", "valueSets.json")
		if v, ok := cache[p]; ok {
			if v != nil {
				return v, nil
			}
		} else if data, err := readFile(p, limits.MaxValueSetBytes); err == nil {
			v, err := decodeJSON(data, limits.MaxRuleDepth)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", p, err)
			}
			cache[p] = v
			return v, nil
		} else if !os.IsNotExist(err) {
			return nil, err
		} else {
			cache[p] = nil
		}
		if d == root || !strings.HasPrefix(d, root) || filepath.Dir(d) == d {
			return nil, nil
		}
	}
}

// readFile reads at most max bytes of a file, failing beyond.
func readFile(path string, max int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return data, nil
}

// WriteText writes the report for a reader: each failing test, each rule
// problem, and last "rules: N/M rule tests passed".
func (r *TestReport) WriteText(w io.Writer) error {
	var b strings.Builder
	ids := make([]string, 0, len(r.RuleProblems))
	for id := range r.RuleProblems {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, p := range r.RuleProblems[id] {
			fmt.Fprintf(&b, "note %s: %s\n", id, p)
		}
	}
	for _, t := range r.Tests {
		if t.Passed {
			continue
		}
		name := ""
		if t.Name != "" {
			name = " (" + t.Name + ")"
		}
		if t.Error != "" {
			fmt.Fprintf(&b, "FAIL %s/%s%s: %s\n", t.Rule, t.File, name, t.Error)
		} else {
			got, _ := json.Marshal(t.Got)
			want, _ := json.Marshal(t.Expected)
			fmt.Fprintf(&b, "FAIL %s/%s%s: got %s, want %s\n", t.Rule, t.File, name, got, want)
		}
	}
	fmt.Fprintf(&b, "rules: %d/%d rule tests passed\n", r.Passed, r.Total)
	_, err := io.WriteString(w, b.String())
	return err
}
