// Package certlogic evaluates CertLogic, the JsonLogic subset in which the
// EU Digital COVID Certificate gateway exchanges acceptance rules
// (specification 1.3.2 of github.com/ehn-dcc-development/dgc-business-rules,
// certlogic/specification; the reference implementation certlogic-js
// settles what the text leaves open).
//
// Start with Compile, which validates an expression (JSON) and prepares it
// once; then call Evaluate, or EvaluateBool for a validation rule, as often
// as needed, from any number of goroutines:
//
//	e, err := certlogic.Compile(rule.Logic)   // *InvalidError: every problem, with its path
//	ok, err := e.EvaluateBool(data)           // *EvalError: what failed, and where
//
// The data is JSON as encoding/json decodes it into any; DecodeData
// decodes it within the bounds of internal/limits. The rules of the EU
// engines evaluate over {"payload": …, "external": {"validationClock": …,
// "valueSets": …, …}}; building that context is package rules' work.
//
// Operations: var, if, ===, and, !, <, >, <=, >= (two or three operands),
// in, +, after, before, not-after, not-before, plusTime, reduce,
// extractFromUVCI, dccDateOfBirth. and and if are lazy. Truthiness is
// strict: false, null, "", 0, [] and {} are falsy; true, other strings,
// other integers, non-empty arrays and objects truthy; anything else (a
// date-time, a non-integer number) is neither, and an error where a truth
// value is needed. Date-times have millisecond precision and follow
// JavaScript's UTC calendar arithmetic. docs/certlogic.md lists every
// decision taken where the specification is loose.
//
// Validate and Compile report, for the published validation test suite,
// exactly the problems and messages of the reference validator; they add
// the checks of strict JSON decoding (no duplicate keys, no trailing data)
// and the bounds of internal/limits. RunSuites runs the evaluator test
// suites (the format of "ithc conformance certlogic").
//
// Evaluation does not allocate on the paths real rules take (data
// lookups, comparisons, date parsing and arithmetic): see BenchmarkEvaluate.
// Sub-expressions an expression repeats outside reduce lambdas (the same
// reduce over the events, plusTime of the validation clock) are evaluated
// once per evaluation; nothing but the time taken changes, step budget and
// error paths included (share.go).
package certlogic
