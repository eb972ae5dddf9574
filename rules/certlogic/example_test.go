package certlogic_test

import (
	"errors"
	"fmt"

	"github.com/ithc/ithc/rules/certlogic"
)

// A rule of the EU gateway: a vaccination counts from 14 days after the
// last dose. Compile once, evaluate per certificate.
func ExampleCompile() {
	e, err := certlogic.Compile([]byte(`{"if": [
		{"var": "payload.v.0"},
		{"not-before": [
			{"plusTime": [{"var": "external.validationClock"}, 0, "day"]},
			{"plusTime": [{"var": "payload.v.0.dt"}, 14, "day"]}
		]},
		true
	]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := certlogic.DecodeData([]byte(`{
		"payload": {"v": [{"dt": "2021-06-01", "dn": 2, "sd": 2}]},
		"external": {"validationClock": "2021-06-10T12:00:00Z"}
	}`))
	ok, err := e.EvaluateBool(data)
	fmt.Println(ok, err)
	// Output: false <nil>
}

// Compile reports every problem of an expression with its path.
func ExampleValidate() {
	for _, err := range certlogic.Validate([]byte(`{"and": [{"var": "payload."}, {"plusTime": [{"var": "x"}, 1, "week"]}]}`)) {
		fmt.Println(err)
	}
	// Output:
	// certlogic: at and[0]: data access path doesn't have a valid format: payload.
	// certlogic: at and[1]: "unit" argument (#3) of "plusTime" must be a string equal to one of year, month, day, hour, but it is: week
}

// Evaluation errors say what failed and where; a validation rule whose
// evaluation fails counts as failed.
func ExampleExpr_Evaluate() {
	e, _ := certlogic.Compile([]byte(`{"and": [{"var": "x"}, {"plusTime": [{"var": "x"}, 0, "day"]}]}`))
	for _, x := range []any{"", "2021-06-01", "01/06/2021"} {
		v, err := e.Evaluate(map[string]any{"x": x})
		var ee *certlogic.EvalError
		if errors.As(err, &ee) {
			fmt.Printf("%q: error at %s\n", x, ee.Path)
			continue
		}
		fmt.Printf("%q: %T %q\n", x, v, fmt.Sprint(v))
	}
	// Output:
	// "": string ""
	// "2021-06-01": time.Time "2021-06-01 00:00:00 +0000 UTC"
	// "01/06/2021": error at and[1]
}
