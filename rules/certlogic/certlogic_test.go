package certlogic

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

func mustCompile(t testing.TB, expr string) *Expr {
	t.Helper()
	e, err := Compile([]byte(expr))
	if err != nil {
		t.Fatalf("Compile(%s) = %v", expr, err)
	}
	return e
}

func mustData(t testing.TB, data string) any {
	t.Helper()
	v, err := DecodeData([]byte(data))
	if err != nil {
		t.Fatalf("DecodeData(%s) = %v", data, err)
	}
	return v
}

// dateOf evaluates {"plusTime": [s, amount, unit]} and returns the result
// as JavaScript's toISOString would write it.
func dateOf(t *testing.T, s string, amount int, unit string) (string, error) {
	t.Helper()
	e := mustCompile(t, fmt.Sprintf(`{"plusTime": [{"var": ""}, %d, %q]}`, amount, unit))
	v, err := e.Evaluate(s)
	if err != nil {
		return "", err
	}
	tm, ok := v.(time.Time)
	if !ok {
		t.Fatalf("plusTime gave %T, want time.Time", v)
	}
	return tm.Format("2006-01-02T15:04:05.000Z07:00"), nil
}

func TestPlusTimeFormats(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2021", "2021-12-31T00:00:00.000Z"},
		{"2021-02", "2021-02-28T00:00:00.000Z"},
		{"2020-02", "2020-02-29T00:00:00.000Z"},
		{"2021-06-01", "2021-06-01T00:00:00.000Z"},
		{"2021-06-01T12:34:56", "2021-06-01T12:34:56.000Z"},
		{"2021-06-01T12:34:56Z", "2021-06-01T12:34:56.000Z"},
		{"2021-06-01T12:34:56+2", "2021-06-01T10:34:56.000Z"},
		{"2021-06-01T12:34:56+02", "2021-06-01T10:34:56.000Z"},
		{"2021-06-01T12:34:56+230", "2021-06-01T10:04:56.000Z"},
		{"2021-06-01T12:34:56-0230", "2021-06-01T15:04:56.000Z"},
		{"2021-06-01T12:34:56+2:30", "2021-06-01T10:04:56.000Z"},
		{"2021-06-01T12:34:56-02:30", "2021-06-01T15:04:56.000Z"},
		{"2021-06-01T12:34:56.1", "2021-06-01T12:34:56.100Z"},
		{"2021-06-01T12:34:56.12Z", "2021-06-01T12:34:56.120Z"},
		{"2021-06-01T12:34:56.123456789+01:00", "2021-06-01T11:34:56.123Z"},
		{"2021-06-01T12:34:56.9999-1", "2021-06-01T13:34:56.999Z"},
		{"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"},
		{"0001-01-01", "0001-01-01T00:00:00.000Z"},
	}
	for _, tc := range tests {
		got, err := dateOf(t, tc.in, 0, "day")
		if err != nil || got != tc.want {
			t.Errorf("plusTime(%q, 0) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	bad := []string{
		"", "21", "2021-1", "2021-13", "2021-00", "2021-02-29", "2021-04-31", "2021-06-00",
		"2021-06-01T", "2021-06-01T12:34", "2021-06-01T24:00:00", "2021-06-01T12:60:00",
		"2021-06-01T12:34:60", "2021-06-01 12:34:56", "2021-06-01t12:34:56", "2021-06-01T12:34:56z",
		"2021-06-01T12:34:56.", "2021-06-01T12:34:56.Z", "2021-06-01T12:34:56+", "2021-06-01T12:34:56+123456",
		"2021-06-01T12:34:56+24", "2021-06-01T12:34:56+02:60", "2021-06-01T12:34:56+02:3", "2021-06-01T12:34:56Z+01",
		"+2021-06-01", "2021/06/01", "２０２１-06-01", "2021-06-01T12:34:56.123 ",
	}
	for _, s := range bad {
		if got, err := dateOf(t, s, 0, "day"); err == nil {
			t.Errorf("plusTime(%q, 0) = %q, want an error", s, got)
		} else {
			var ee *EvalError
			if !errors.As(err, &ee) || ee.Path != "" {
				t.Errorf("plusTime(%q) error = %#v, want an *EvalError at the root", s, err)
			}
		}
	}
}

func TestPlusTimeArithmetic(t *testing.T) {
	tests := []struct {
		in     string
		amount int
		unit   string
		want   string
	}{
		// The leap-day table of the specification.
		{"2020-02-29", 1, "day", "2020-03-01T00:00:00.000Z"},
		{"2020-02-29", 1, "month", "2020-03-29T00:00:00.000Z"},
		{"2020-02-29", 1, "year", "2021-03-01T00:00:00.000Z"},
		// Day overflow as JavaScript's setUTCMonth and setUTCFullYear.
		{"2021-01-31", 1, "month", "2021-03-03T00:00:00.000Z"},
		{"2020-01-31", 1, "month", "2020-03-02T00:00:00.000Z"},
		{"2021-03-31", -1, "month", "2021-03-03T00:00:00.000Z"},
		{"2021-01-15T10:00:00Z", -13, "month", "2019-12-15T10:00:00.000Z"},
		{"2021-12-15", 1, "month", "2022-01-15T00:00:00.000Z"},
		{"2004-01", 18, "year", "2022-01-31T00:00:00.000Z"},
		{"2021-06-01T00:00:00+02:00", 1, "day", "2021-06-01T22:00:00.000Z"},
		{"2021-03-27T12:00:00Z", 48, "hour", "2021-03-29T12:00:00.000Z"},
		{"2021-06-01", -180, "day", "2020-12-03T00:00:00.000Z"},
		{"1970-01-01", -1, "hour", "1969-12-31T23:00:00.000Z"},
	}
	for _, tc := range tests {
		got, err := dateOf(t, tc.in, tc.amount, tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("plusTime(%q, %d, %s) = %q, %v; want %q", tc.in, tc.amount, tc.unit, got, err, tc.want)
		}
	}
	// Beyond the range of dates.
	for _, tc := range []struct {
		amount int
		unit   string
	}{{1_000_000, "year"}, {-300_000, "year"}, {1_000_000_001, "hour"}, {200_000_000, "day"}} {
		if got, err := dateOf(t, "2021-06-01", tc.amount, tc.unit); err == nil {
			t.Errorf("plusTime(2021-06-01, %d, %s) = %s, want an error", tc.amount, tc.unit, got)
		}
	}
}

func TestDCCDateOfBirth(t *testing.T) {
	e := mustCompile(t, `{"dccDateOfBirth": [{"var": ""}]}`)
	for in, want := range map[string]string{
		"2004": "2004-12-31", "2004-02": "2004-02-29", "2003-02": "2003-02-28", "2004-04": "2004-04-30",
		"2004-01-15": "2004-01-15", "1900-02": "1900-02-28", "2000-02": "2000-02-29",
	} {
		v, err := e.Evaluate(in)
		tm, ok := v.(time.Time)
		if err != nil || !ok || tm.Format(time.RFC3339Nano) != want+"T00:00:00Z" {
			t.Errorf("dccDateOfBirth(%q) = %v, %v; want %sT00:00:00Z", in, v, err, want)
		}
	}
	for _, in := range []any{"", "2004-01-15T00:00:00Z", "04", "2004-1", "2004-13", "2004-02-30", nil, 2004.0} {
		if v, err := e.Evaluate(in); err == nil {
			t.Errorf("dccDateOfBirth(%#v) = %v, want an error", in, v)
		}
	}
}

// TestEvaluate covers the semantics the published suites leave open, as
// docs/certlogic.md records them. want is the JSON of the result, or
// "error".
func TestEvaluate(t *testing.T) {
	tests := []struct{ expr, data, want string }{
		// Truthiness is strict: date-times and non-integer numbers are
		// neither truthy nor falsy.
		{`{"if": [{"plusTime": ["2021-01-01", 0, "day"]}, 1, 2]}`, `null`, "error"},
		{`{"!": [{"var": "x"}]}`, `{"x": 1.5}`, "error"},
		{`{"if": [{"var": "x"}, 1, 2]}`, `{"x": 0.5}`, "error"},
		{`{"and": [{"var": "x"}, true]}`, `{"x": 2.5}`, "error"},
		{`{"and": [true, {"var": "x"}]}`, `{"x": 2.5}`, "2.5"},
		{`{"if": [{"var": "x"}, 1, 2]}`, `{"x": {"a": 1}}`, "1"},
		{`{"if": [{"var": "x"}, 1, 2]}`, `{"x": {}}`, "2"},
		// Lazy if and and: the branch not taken is not evaluated.
		{`{"if": [true, 1, {"plusTime": ["nope", 0, "day"]}]}`, `null`, "1"},
		{`{"and": [false, {"plusTime": ["nope", 0, "day"]}]}`, `null`, "false"},
		{`{"and": [0, {"plusTime": ["nope", 0, "day"]}]}`, `null`, "0"},
		// === compares null, booleans, integers and strings by value and
		// type; arrays, objects and date-times are never equal.
		{`{"===": [{"var": "y"}, {"var": "x"}]}`, `{}`, "true"},
		{`{"===": [true, {"var": "x"}]}`, `{"x": true}`, "true"},
		{`{"===": [{"var": "x"}, {"var": "x"}]}`, `{"x": [1]}`, "false"},
		{`{"===": [[1], [1]]}`, `null`, "false"},
		{`{"===": [{"plusTime": ["2021-01-01", 0, "day"]}, {"plusTime": ["2021-01-01", 0, "day"]}]}`, `null`, "false"},
		{`{"===": [1, {"var": "x"}]}`, `{"x": 1.0}`, "true"},
		// in needs an array on the right; membership is ===.
		{`{"in": ["a", {"var": "x"}]}`, `{"x": null}`, "error"},
		{`{"in": ["a", "abc"]}`, `null`, "error"},
		{`{"in": [{"var": "y"}, [{"var": "y"}]]}`, `{}`, "true"},
		{`{"in": [1, [1, "1"]]}`, `null`, "true"},
		{`{"in": ["1", [1]]}`, `null`, "false"},
		{`{"in": [{"var": "x"}, ["a","b","c","d","e","f","g","h","i"]]}`, `{"x": "i"}`, "true"},
		{`{"in": [{"var": "x"}, ["a","b","c","d","e","f","g","h","i"]]}`, `{"x": 1}`, "false"},
		{`{"in": [[1], [[1]]]}`, `null`, "false"},
		// + and the integer comparisons take integers only.
		{`{"+": [1, {"var": "x"}]}`, `{"x": "2"}`, "error"},
		{`{"+": [1, {"var": "x"}]}`, `{"x": 0.5}`, "error"},
		{`{"+": [-1, {"var": "x"}]}`, `{"x": 4}`, "3"},
		{`{"<": [1, {"var": "x"}]}`, `{"x": null}`, "error"},
		{`{"<": [2, 1, "x"]}`, `null`, "error"},
		{`{">=": [3, 3, 2]}`, `null`, "true"},
		{`{">": [3, 2, 2]}`, `null`, "false"},
		// Date-time comparisons take date-times only, never strings.
		{`{"before": ["2021-01-01", "2021-01-02"]}`, `null`, "error"},
		{`{"before": [{"plusTime": ["2021-01-01", 0, "day"]}, {"plusTime": ["2021-01-01T00:00:00.001Z", 0, "day"]}]}`, `null`, "true"},
		{`{"not-before": [{"plusTime": ["2021-01-01T01:00:00+01:00", 0, "day"]}, {"plusTime": ["2021-01-01", 0, "day"]}]}`, `null`, "true"},
		{`{"after": [{"plusTime": ["2021-01-01T01:00:00+01:00", 0, "day"]}, {"plusTime": ["2021-01-01", 0, "day"]}]}`, `null`, "false"},
		{`{"not-after": [{"plusTime": ["2021-01-01", 0, "day"]}, {"plusTime": ["2021-01-02", 0, "day"]}, {"plusTime": ["2021-01-02", 0, "day"]}]}`, `null`, "true"},
		{`{"plusTime": [{"var": "x"}, 0, "day"]}`, `{"x": null}`, "error"},
		{`{"plusTime": [{"plusTime": ["2021-01-01", 0, "day"]}, 1, "day"]}`, `null`, "error"},
		// var drills into objects by key and into arrays by index only.
		{`{"var": "x.1"}`, `{"x": "abc"}`, "null"},
		{`{"var": "x.length"}`, `{"x": [1, 2]}`, "null"},
		{`{"var": "x.01"}`, `{"x": {"01": "a", "1": "b"}}`, `"a"`},
		{`{"var": "x.01"}`, `{"x": ["a", "b"]}`, `"b"`},
		{`{"var": "x.-1"}`, `{"x": ["a", "b"]}`, "null"},
		{`{"var": "x.99999999999"}`, `{"x": ["a", "b"]}`, "null"},
		{`{"var": "1"}`, `{"1": "one"}`, `"one"`},
		// reduce: null folds to the initial value, other non-arrays are
		// errors; the lambda sees only accumulator and current.
		{`{"reduce": [{"var": "x"}, {"+": [{"var": "accumulator"}, 1]}, 5]}`, `{"x": null}`, "5"},
		{`{"reduce": [{"var": "x"}, {"+": [{"var": "accumulator"}, 1]}, 5]}`, `{"x": {}}`, "error"},
		{`{"reduce": [{"var": "x"}, {"var": "data"}, 5]}`, `{"x": [1], "data": 7}`, "null"},
		{`{"reduce": [[1, 2], {"var": ""}, 0]}`, `null`, `{"accumulator":{"accumulator":0,"current":1},"current":2}`},
		{`{"reduce": [[{"var": "a"}, {"var": "b"}], {"+": [{"var": "accumulator"}, {"var": "current.0"}]}, 0]}`, `{"a": [3], "b": [4]}`, "7"},
		{`{"reduce": [{"var": "x"}, [{"var": "current"}, {"var": "accumulator.0"}], [0]]}`, `{"x": [1, 2]}`, "[2,1]"},
		{`{"reduce": [{"var": "x"}, {"and": [{"var": "accumulator"}, {"var": "current.ok"}]}, true]}`, `{"x": [{"ok": true}, {"ok": false}]}`, "false"},
		{`{"reduce": [{"var": "x"}, {"plusTime": [{"var": "current"}, 0, "day"]}, 0]}`, `{"x": ["2021-01-01"]}`, `dateTime("2021-01-01T00:00:00.000Z")`},
		// extractFromUVCI.
		{`{"extractFromUVCI": [{"var": "x"}, 1]}`, `{"x": 5}`, "error"},
		{`{"extractFromUVCI": [{"var": "x"}, 1]}`, `{}`, "null"},
		{`{"extractFromUVCI": ["URN:UVCI:URN:UVCI:x", 0]}`, `null`, `"URN"`},
		{`{"extractFromUVCI": ["urn:uvci:01:NL", 0]}`, `null`, `"urn"`},
		{`{"extractFromUVCI": ["01:NL", 9007199254740993]}`, `null`, "null"},
		// Arrays evaluate item by item; literals evaluate to themselves.
		{`[1, {"var": "x"}, [{"plusTime": ["2021-01-01", 0, "day"]}]]`, `{"x": "y"}`, `[1,"y",["2021-01-01T00:00:00Z"]]`},
		{`-0`, `null`, "0"},
		{`[true, false, 1, "a", [true]]`, `null`, `[true,false,1,"a",[true]]`},
		{`{"if": [true, [false], 1]}`, `null`, `[false]`},
		{`1e3`, `null`, "1000"},
	}
	for _, tc := range tests {
		e := mustCompile(t, tc.expr)
		got, err := e.Evaluate(mustData(t, tc.data))
		if tc.want == "error" {
			if err == nil {
				t.Errorf("Evaluate(%s, %s) = %s, want an error", tc.expr, tc.data, jsonText(got))
			} else if ee := (*EvalError)(nil); !errors.As(err, &ee) {
				t.Errorf("Evaluate(%s, %s) error %v is %T, want *EvalError", tc.expr, tc.data, err, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Evaluate(%s, %s) = %v, want %s", tc.expr, tc.data, err, tc.want)
			continue
		}
		if s := jsonText(got); s != tc.want {
			t.Errorf("Evaluate(%s, %s) = %s, want %s", tc.expr, tc.data, s, tc.want)
		}
	}
}

func TestEvalErrorPath(t *testing.T) {
	e := mustCompile(t, `{"and": [true, {"if": [{"plusTime": [{"var": "d"}, 0, "day"]}, 1, 2]}]}`)
	_, err := e.Evaluate(mustData(t, `{"d": "2021-01-01"}`))
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Path != "and[1]" || !strings.Contains(ee.Message, "neither truthy nor falsy") {
		t.Fatalf("Evaluate error = %#v, want an *EvalError at and[1] about truthiness", err)
	}
	if got := err.Error(); !strings.HasPrefix(got, "certlogic: evaluating and[1]: the if-guard evaluates to the date-time 2021-01-01T00:00:00.000Z") {
		t.Errorf("Error() = %q", got)
	}
	_, err = e.Evaluate(mustData(t, `{"d": "2021-01-32"}`))
	if !errors.As(err, &ee) || ee.Path != "and[1].if[0]" {
		t.Errorf("Evaluate error = %v, want an *EvalError at and[1].if[0]", err)
	}
}

func TestEvaluateBool(t *testing.T) {
	e := mustCompile(t, `{"var": "x"}`)
	for data, want := range map[string]bool{`{"x": true}`: true, `{"x": [1]}`: true, `{}`: false, `{"x": ""}`: false} {
		got, err := e.EvaluateBool(mustData(t, data))
		if err != nil || got != want {
			t.Errorf("EvaluateBool(%s) = %v, %v; want %v", data, got, err, want)
		}
	}
	if got, err := e.EvaluateBool(mustData(t, `{"x": 0.5}`)); err == nil {
		t.Errorf("EvaluateBool(0.5) = %v, want an error", got)
	}
	if got, err := mustCompile(t, `{"plusTime": ["2021", 0, "day"]}`).EvaluateBool(nil); err == nil {
		t.Errorf("EvaluateBool(date-time) = %v, want an error", got)
	}
}

// TestEvaluateGoValues: values of no JSON type in the data are errors
// wherever the expression uses them, never a panic.
func TestEvaluateGoValues(t *testing.T) {
	data := map[string]any{"i": 1, "t": time.Now(), "m": map[string]int{"a": 1}}
	for _, expr := range []string{
		`{"if": [{"var": "i"}, 1, 2]}`, `{"+": [{"var": "i"}, 1]}`, `{"plusTime": [{"var": "t"}, 0, "day"]}`,
		`{"in": ["a", {"var": "m"}]}`, `{"reduce": [{"var": "m"}, 1, 0]}`,
	} {
		if v, err := mustCompile(t, expr).Evaluate(data); err == nil {
			t.Errorf("Evaluate(%s) = %v, want an error", expr, v)
		}
	}
	if v, err := mustCompile(t, `{"var": "m.a"}`).Evaluate(data); err != nil || v != nil {
		t.Errorf("Evaluate(var m.a) = %v, %v; want null", v, err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		expr  string
		paths []string
		msg   string // of the first problem
	}{
		{`{"and": [true, {"if": [{"var": 1}, 1]}]}`, []string{"and[1]", "and[1].if[0]"}, `an "if"-operation must have exactly 3 values/operands, but it has 2`},
		{`{"plusTime": [{"var": "x."}, 1.5, "week"]}`, []string{"plusTime[0]", "", ""}, "data access path doesn't have a valid format: x."},
		{`{"!": [1, 2]}`, []string{""}, "a !-operation (logical not/negation) must have exactly 1 operand, but it has 2"},
		{`{"!": []}`, []string{""}, "a !-operation (logical not/negation) must have exactly 1 operand, but it has 0"},
		{`{"and": [true]}`, []string{""}, `an "and" operation must have at least 2 operands, but it has 1`},
		{`{"<": [1, 2, 3, 4]}`, []string{""}, `an operation with operator "<" must have 2 or 3 operands, but it has 4`},
		{`{"in": [1]}`, []string{""}, `an operation with operator "in" must have 2 operands, but it has 1`},
		{`{"reduce": [[], 1]}`, []string{""}, `a "reduce"-operation must have exactly 3 values/operands, but it has 2`},
		{`{"extractFromUVCI": ["x", "1"]}`, []string{""}, `"index" argument (#2) of "extractFromUVCI" must be an integer, but it is: 1`},
		{`{"dccDateOfBirth": []}`, []string{""}, `a "dccDateOfBirth"-operation must have exactly 1 operand, but it has 0`},
		{`{"plusTime": ["2021", {"var": "n"}, "day"]}`, []string{""}, `"amount" argument (#2) of "plusTime" must be an integer, but it is: {"var":"n"}`},
		{`[1, null, 0.5]`, []string{"[1]", "[2]"}, "invalid CertLogic expression"},
		{`{"var": ".x"}`, []string{""}, "data access path doesn't have a valid format: .x"},
		{`{"var": "x..y"}`, []string{""}, "data access path doesn't have a valid format: x..y"},
		{`{"if": [true, 1, 2, 3]}`, []string{""}, `an "if"-operation must have exactly 3 values/operands, but it has 4`},
		{`1e-7`, []string{""}, "1e-7 is a non-integer number"},
		{`{"and": [true, true]} x`, []string{""}, "malformed JSON: data after the top-level value"},
		{`{"and": [true, true], "and": [false, false]}`, []string{""}, `(root): duplicate object key "and"`},
		{`{"var": "a", "if": [1, 2, 3]}`, []string{""}, "expression object must have exactly one key, but it has 2"},
		{`1e999`, []string{""}, "(root): number 1e999 is out of range"},
		{`{"and": [`, []string{""}, "malformed JSON: unexpected end of input"},
	}
	for _, tc := range tests {
		errs := Validate([]byte(tc.expr))
		var paths []string
		for _, err := range errs {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate(%s) gave %T, want *ValidationError", tc.expr, err)
			}
			paths = append(paths, ve.Path)
		}
		if fmt.Sprint(paths) != fmt.Sprint(tc.paths) {
			t.Errorf("Validate(%s) = %v, want problems at %q", tc.expr, errs, tc.paths)
			continue
		}
		if msg := errs[0].(*ValidationError).Message; msg != tc.msg {
			t.Errorf("Validate(%s) first message = %q, want %q", tc.expr, msg, tc.msg)
		}
		_, err := Compile([]byte(tc.expr))
		var inv *InvalidError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &inv) || len(inv.Problems) != len(tc.paths) {
			t.Errorf("Compile(%s) = %v, want an *InvalidError with %d problems", tc.expr, err, len(tc.paths))
		}
	}
	if errs := Validate([]byte(`{"and": [{"var": "payload.v.0"}, {"in": [1, [1]]}]}`)); errs != nil {
		t.Errorf("Validate(valid) = %v, want nil", errs)
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat(`{"!": [`, limits.MaxCertLogicDepth) + "true" + strings.Repeat("]}", limits.MaxCertLogicDepth)
	if _, err := Compile([]byte(deep)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("Compile(too deep) = %v, want a depth error", err)
	}
	// The same through CompileValue, which does not decode.
	var v any = true
	for i := 0; i < limits.MaxCertLogicDepth; i++ {
		v = map[string]any{"!": []any{v}}
	}
	if _, err := CompileValue(v); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("CompileValue(too deep) = %v, want a depth error", err)
	}
	wide := "[" + strings.Repeat("1,", limits.MaxCertLogicNodes) + "1]"
	if _, err := Compile([]byte(wide)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "sub-expressions") {
		t.Errorf("Compile(too many nodes) = %v, want a size error", err)
	}
	big := `"` + strings.Repeat("a", limits.MaxCertLogicExpr) + `"`
	if _, err := Compile([]byte(big)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Compile(too large) = %v, want an error", err)
	}
	long := make([]any, limits.MaxCertLogicReduceLength+1)
	e := mustCompile(t, `{"reduce": [{"var": ""}, 0, 0]}`)
	if _, err := e.Evaluate(long); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("reduce over %d items = %v, want an error", len(long), err)
	}
	if _, err := e.Evaluate(long[:limits.MaxCertLogicReduceLength]); err != nil {
		t.Errorf("reduce over %d items = %v, want no error", limits.MaxCertLogicReduceLength, err)
	}
	// Nested reduce operations multiply: the step budget stops them.
	nested := mustCompile(t, `{"reduce": [{"var": ""}, {"reduce": [[`+strings.Repeat(`{"var": "current"},`, 999)+`0], {"+": [{"var": "accumulator"}, 1]}, 0]}, 0]}`)
	if _, err := nested.Evaluate(long[:limits.MaxCertLogicReduceLength]); err == nil || !strings.Contains(err.Error(), "steps") {
		t.Errorf("nested reduce = %v, want a step-budget error", err)
	}
	if _, err := DecodeData([]byte(strings.Repeat("[", limits.MaxCertLogicDataDepth+1) + strings.Repeat("]", limits.MaxCertLogicDataDepth+1))); err == nil {
		t.Errorf("DecodeData(too deep) succeeded")
	}
	if _, err := DecodeData([]byte(`"[[[[` + strings.Repeat("[", limits.MaxCertLogicDataDepth) + `"`)); err != nil {
		t.Errorf("DecodeData(brackets in a string) = %v", err)
	}
	if _, err := DecodeData(make([]byte, limits.MaxCertLogicData+1)); err == nil {
		t.Errorf("DecodeData(too large) succeeded")
	}
}

func TestVars(t *testing.T) {
	e := mustCompile(t, `{"and": [{"var": "payload.v.0"}, {"reduce": [{"var": "payload.v"}, {"var": "current.dn"}, {"var": ""}]}, {"var": "payload.v.0"}]}`)
	if got := fmt.Sprint(e.Vars()); got != "[ current.dn payload.v payload.v.0]" {
		t.Errorf("Vars() = %s", got)
	}
}

// TestConcurrent evaluates one expression from several goroutines (run
// with -race).
func TestConcurrent(t *testing.T) {
	e := mustCompile(t, `{"reduce": [{"var": "x"}, {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]}`)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				data := map[string]any{"x": []any{float64(g), float64(i)}}
				v, err := e.Evaluate(data)
				if err != nil || v != float64(g+i) {
					t.Errorf("Evaluate = %v, %v; want %d", v, err, g+i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestBuiltValues: a reduce that nests its accumulator twice would build a
// value of 2^n items when written out; the bound stops it early.
func TestBuiltValues(t *testing.T) {
	items := make([]any, 40)
	for _, expr := range []string{
		`{"reduce": [{"var": ""}, [{"var": "accumulator"}, {"var": "accumulator"}], 0]}`,
		`{"reduce": [{"var": ""}, [{"var": ""}, {"var": ""}], 0]}`,
	} {
		v, err := mustCompile(t, expr).Evaluate(items)
		var ee *EvalError
		if !errors.As(err, &ee) || !strings.Contains(ee.Message, "more than") {
			t.Errorf("Evaluate(%s) = %.40v, %v; want a bound error", expr, v, err)
		}
	}
	// Small ones are fine.
	v, err := mustCompile(t, `{"reduce": [{"var": ""}, [{"var": "accumulator"}, {"var": "accumulator"}], 0]}`).Evaluate(items[:3])
	if err != nil || jsonText(v) != "[[[0,0],[0,0]],[[0,0],[0,0]]]" {
		t.Errorf("Evaluate = %s, %v", jsonText(v), err)
	}
}
