package certlogic

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// unshared returns e without its memo slots: every sub-expression is
// evaluated wherever it occurs, as before sharing.
func unshared(e *Expr) *Expr {
	var cp func(n *node) *node
	cp = func(n *node) *node {
		c := *n
		c.slot = 0
		c.kids = make([]*node, len(n.kids))
		for i, k := range n.kids {
			c.kids[i] = cp(k)
		}
		return &c
	}
	return &Expr{root: cp(e.root), vars: e.vars}
}

// sameOutcome evaluates e with and without sharing and fails when the
// values or the errors differ.
func sameOutcome(t *testing.T, name string, e *Expr, data any) {
	t.Helper()
	want, wantErr := unshared(e).Evaluate(data)
	got, err := e.Evaluate(data)
	if !reflect.DeepEqual(got, want) || errText(err) != errText(wantErr) {
		t.Errorf("%s: shared Evaluate = %v, %v; unshared %v, %v", name, got, err, want, wantErr)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestShareSlots: sub-expressions repeated at the top level get one memo
// slot each; those inside a reduce lambda, where the data context
// changes from item to item, none.
func TestShareSlots(t *testing.T) {
	for _, c := range []struct {
		expr  string
		slots int
	}{
		{`{"===": [{"var": "a"}, "x"]}`, 0},
		{`{"and": [{"var": "a.b"}, {"var": "a.b"}]}`, 1},
		{`{"and": [{"plusTime": [{"var": "t"}, 0, "day"]}, {"plusTime": [{"var": "t"}, 1, "day"]}]}`, 1}, // var t only
		{`{"and": [{"plusTime": [{"var": "t"}, 0, "day"]}, {"plusTime": [{"var": "t"}, 0, "day"]}]}`, 2},
		{`{"and": [[1, 2], [1, 2]]}`, 0}, // literals
		{`{"reduce": [[1, 2], {"and": [{"var": "current"}, {"var": "current"}]}, 0]}`, 0},
		{`{"and": [{"reduce": [{"var": "x"}, {"var": "current"}, 0]}, {"reduce": [{"var": "x"}, {"var": "current"}, 0]}]}`, 2},
		{`{"and": [{"reduce": [{"var": "x"}, {"var": "current"}, 0]}, {"reduce": [{"var": "x"}, {"var": "accumulator"}, 0]}]}`, 1},
	} {
		if e := mustCompile(t, c.expr); e.slots != c.slots {
			t.Errorf("Compile(%s) has %d memo slots, want %d", c.expr, e.slots, c.slots)
		}
	}
}

// TestShareSameOutcome: sharing changes no value and no error, over the
// published suite and the real rules with their test data.
func TestShareSameOutcome(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(shareddata.Path(t, "certlogic"), "testSuite", "*.json"))
	if len(files) == 0 {
		t.Fatal("no suite files")
	}
	n := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
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
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range suite.Cases {
			for _, a := range c.Assertions {
				src := c.Expr
				if a.Expr != nil {
					src = a.Expr
				}
				e, err := Compile(src)
				if err != nil {
					continue
				}
				data, err := DecodeData(a.Data)
				if err != nil {
					continue
				}
				sameOutcome(t, filepath.Base(file)+" "+string(src), e, data)
				n++
			}
		}
	}
	shared := 0
	for _, r := range loadBusinessRules(t) {
		e, err := CompileValue(r.logic)
		if err != nil {
			t.Fatalf("%s: %v", r.id, err)
		}
		if e.slots > 0 {
			shared++
		}
		for i, tc := range r.tests {
			sameOutcome(t, r.files[i], e, map[string]any{"payload": tc["payload"], "external": tc["external"]})
			n++
		}
	}
	if n < 600 || shared == 0 {
		t.Errorf("compared %d evaluations, %d rules with shared sub-expressions; want at least 600 and some", n, shared)
	}
}

// TestShareSteps: a reused value charges the steps its evaluation took, so
// that an expression runs out of steps at the same operation, with the
// same error, as without sharing.
func TestShareSteps(t *testing.T) {
	items := make([]any, 1000)
	for i := range items {
		items[i] = float64(i)
	}
	count := `{"reduce": [{"var": "x"}, {"+": [{"var": "accumulator"}, 1]}, 1]}` // about 3,000 steps
	for _, times := range []int{10, 340, 400} {
		expr := `{"and": [` + strings.TrimSuffix(strings.Repeat(count+",", times), ",") + `]}`
		e := mustCompile(t, expr)
		if e.slots != 2 { // the reduce and {"var": "x"}
			t.Fatalf("%d reductions: %d memo slots, want 2", times, e.slots)
		}
		data := map[string]any{"x": items}
		sameOutcome(t, "and of reductions", e, data)
		_, err := e.Evaluate(data)
		var ee *EvalError
		if times == 400 && (!errors.As(err, &ee) || !strings.Contains(ee.Message, "steps")) {
			t.Errorf("%d reductions: Evaluate = %v, want a step-budget error", times, err)
		}
		if times < 340 && err != nil {
			t.Errorf("%d reductions: Evaluate = %v", times, err)
		}
	}
}

// TestShareErrorPath: an error names the occurrence that failed, not the
// first occurrence of the same sub-expression.
func TestShareErrorPath(t *testing.T) {
	e := mustCompile(t, `{"if": [{"var": "a"}, {"plusTime": [{"var": "d"}, 0, "day"]}, {"!": [{"plusTime": [{"var": "d"}, 0, "day"]}]}]}`)
	_, err := e.Evaluate(map[string]any{"a": false, "d": "not a date"})
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Path != "if[2].![0]" {
		t.Errorf("Evaluate = %v, want an error at if[2].![0]", err)
	}
	// The value of the first occurrence is reused for the second.
	e = mustCompile(t, `{"if": [{"var": "a"}, {"plusTime": [{"var": "d"}, 0, "day"]}, {"!": [{"plusTime": [{"var": "d"}, 0, "day"]}]}]}`)
	sameOutcome(t, "if", e, map[string]any{"a": true, "d": "2021-01-01"})
}

// TestShareAllocs: sharing does not make evaluation allocate.
func TestShareAllocs(t *testing.T) {
	e := mustCompile(t, `{"and": [{"reduce": [{"var": "x"}, {"var": "current"}, 0]}, {"not-before": [{"plusTime": [{"var": "d"}, 1, "day"]}, {"plusTime": [{"var": "d"}, 0, "day"]}]}, {"reduce": [{"var": "x"}, {"var": "current"}, 0]}]}`)
	data := map[string]any{"x": []any{1.0, 2.0}, "d": "2021-05-01T10:00:00Z"}
	if e.slots == 0 {
		t.Fatal("no memo slots")
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = e.EvaluateBool(data) })
	if allocs != 0 {
		t.Errorf("EvaluateBool allocates %v times, want 0", allocs)
	}
}
