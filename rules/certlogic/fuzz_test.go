package certlogic

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// suiteSeeds returns (expression, data) pairs of the published test
// suites, and the expressions of the validation suite with empty data.
func suiteSeeds(f *testing.F) [][2][]byte {
	f.Helper()
	root := shareddata.Path(f, "certlogic")
	var seeds [][2][]byte
	files, _ := filepath.Glob(filepath.Join(root, "testSuite", "*.json"))
	vfiles, _ := filepath.Glob(filepath.Join(root, "validation-testSuite", "*.json"))
	if len(files) == 0 || len(vfiles) == 0 {
		f.Fatalf("no suite files below %s", root)
	}
	for _, file := range append(files, vfiles...) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var suite struct {
			Cases []struct {
				Expr       json.RawMessage `json:"certLogicExpression"`
				Assertions []struct {
					Expr json.RawMessage `json:"certLogicExpression"`
					Data json.RawMessage `json:"data"`
				} `json:"assertions"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(b, &suite); err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		for _, c := range suite.Cases {
			if len(c.Assertions) == 0 {
				seeds = append(seeds, [2][]byte{c.Expr, []byte("{}")})
			}
			for _, a := range c.Assertions {
				expr := c.Expr
				if a.Expr != nil {
					expr = a.Expr
				}
				seeds = append(seeds, [2][]byte{expr, a.Data})
			}
		}
	}
	return seeds
}

// FuzzCompile: Compile never panics, gives an expression or an error and
// never both, agrees with Validate, and a compiled expression evaluates
// to a value or an error, never both.
func FuzzCompile(f *testing.F) {
	for _, s := range suiteSeeds(f) {
		f.Add(s[0])
	}
	data := map[string]any{"payload": map[string]any{"v": []any{map[string]any{"dn": 2.0, "dt": "2021-06-01"}}}, "external": map[string]any{"validationClock": "2021-07-01T00:00:00Z"}}
	f.Fuzz(func(t *testing.T, expr []byte) {
		e, err := Compile(expr)
		if (e == nil) == (err == nil) {
			t.Fatalf("Compile(%q) = %v, %v: want exactly one", expr, e, err)
		}
		problems := Validate(expr)
		if (err == nil) != (problems == nil) {
			t.Fatalf("Compile(%q) error %v but Validate = %v", expr, err, problems)
		}
		if err != nil {
			var inv *InvalidError
			if !errors.As(err, &inv) || len(inv.Problems) == 0 {
				t.Fatalf("Compile(%q) error %T %v, want an *InvalidError with problems", expr, err, err)
			}
			return
		}
		v, err := e.Evaluate(data)
		if err != nil && v != nil {
			t.Fatalf("Evaluate(%q) = %v and %v", expr, v, err)
		}
	})
}

// FuzzEvaluate: evaluation of any valid expression over any data never
// panics and gives a value or an *EvalError, never both, and the same
// with and without shared sub-expressions (share.go).
func FuzzEvaluate(f *testing.F) {
	for _, s := range suiteSeeds(f) {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, expr, data []byte) {
		e, err := Compile(expr)
		if err != nil {
			return
		}
		d, err := DecodeData(data)
		if err != nil {
			return
		}
		v, err := e.Evaluate(d)
		if err != nil {
			var ee *EvalError
			if v != nil || !errors.As(err, &ee) {
				t.Fatalf("Evaluate(%q, %q) = %v, %T %v; want nil and an *EvalError", expr, data, v, err, err)
			}
		}
		uv, uerr := unshared(e).Evaluate(d)
		if !reflect.DeepEqual(v, uv) || errText(err) != errText(uerr) {
			t.Fatalf("Evaluate(%q, %q) = %v, %v; without sharing %v, %v", expr, data, v, err, uv, uerr)
		}
		b, berr := e.EvaluateBool(d)
		if berr != nil && b {
			t.Fatalf("EvaluateBool(%q, %q) = true and %v", expr, data, berr)
		}
	})
}
