package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// examples holds ITHC's example rule sets over native certificates, in the
// layout of "ithc conformance rules" (<Identifier>/rule.json with
// tests/*.json, valuesets/valueSets.json): see docs/rules.md.
//
//go:embed examples
var examples embed.FS

// Examples returns the embedded example rules: entry policies of a
// destination ("CN") written over the native certificate's events, such
// as GR-CN-0001 (a negative nucleic-acid test and a negative IgM antibody
// test within 48 hours and a complete vaccination with a WHO-listed
// vaccine at least 14 days old, or a recovery within 180 days).
func Examples() (*Set, error) {
	files, err := fs.Glob(examples, "examples/*/rule.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var rs []*Rule
	for _, f := range files {
		data, err := examples.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r, err := ParseRule(data)
		if err != nil {
			return nil, fmt.Errorf("rules: example %s: %w", path.Dir(f), err)
		}
		rs = append(rs, r)
	}
	return NewSet(rs...)
}

// ExamplesFS returns the embedded example folder (rule.json, tests and
// value sets), rooted at "examples".
func ExamplesFS() fs.FS { return examples }
