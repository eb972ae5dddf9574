package certlogic

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// TestSuite runs the evaluator test suite of the CertLogic specification:
// one subtest per file, every assertion not marked skip must pass.
func TestSuite(t *testing.T) {
	dir := filepath.Join(shareddata.Path(t, "certlogic"), "testSuite")
	r, err := RunSuites(dir)
	if err != nil {
		t.Fatalf("RunSuites(%s) = %v", dir, err)
	}
	if len(r.Files) < 14 || r.Total < 200 {
		t.Errorf("RunSuites ran %d files, %d assertions; want at least 14 files and 200 assertions", len(r.Files), r.Total)
	}
	for _, f := range r.Files {
		t.Run(f.File, func(t *testing.T) {
			for _, x := range r.Failures {
				if x.File == f.File {
					t.Errorf("%s", x)
				}
			}
			if f.Passed+f.Skipped == 0 {
				t.Errorf("no assertion passed or was skipped")
			}
		})
	}
	t.Log(r.Summary())
}

// TestValidationSuite runs the validation test suite of the CertLogic
// specification: Validate must report exactly the expected issues, each
// with its sub-expression and message, in order.
func TestValidationSuite(t *testing.T) {
	dir := filepath.Join(shareddata.Path(t, "certlogic"), "validation-testSuite")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) < 4 {
		t.Fatalf("validation suite files in %s: %v, %v; want at least 4", dir, files, err)
	}
	cases := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var suite struct {
				Name  string `json:"name"`
				Cases []struct {
					Name      string          `json:"name"`
					Directive string          `json:"directive"`
					Expr      json.RawMessage `json:"certLogicExpression"`
					Issues    []struct {
						Expr    any    `json:"expr"`
						Message string `json:"message"`
					} `json:"issues"`
				} `json:"cases"`
			}
			if err := json.Unmarshal(b, &suite); err != nil {
				t.Fatal(err)
			}
			for i, c := range suite.Cases {
				if c.Directive == "skip" {
					continue
				}
				cases++
				got := Validate(c.Expr)
				if len(got) != len(c.Issues) {
					t.Errorf("case %d %s: Validate(%s) = %v, want %d issues %+v", i+1, c.Name, c.Expr, got, len(c.Issues), c.Issues)
					continue
				}
				for j, want := range c.Issues {
					var ve *ValidationError
					if !errors.As(got[j], &ve) {
						t.Errorf("case %d: issue %d is %T, want *ValidationError", i+1, j, got[j])
						continue
					}
					if ve.Message != want.Message || !jsonEqual(ve.Expr, want.Expr) {
						t.Errorf("case %d: Validate(%s) issue %d = {%s, %q}, want {%s, %q}", i+1, c.Expr, j, jsonText(ve.Expr), ve.Message, jsonText(want.Expr), want.Message)
					}
				}
				_, err := Compile(c.Expr)
				if (err == nil) != (len(c.Issues) == 0) {
					t.Errorf("case %d: Compile(%s) error = %v, want error %v", i+1, c.Expr, err, len(c.Issues) > 0)
				}
			}
		})
	}
	if cases < 20 {
		t.Errorf("ran %d validation cases, want at least 20", cases)
	}
}
