package main

import (
	"io"

	"github.com/ithc/ithc/rules"
)

const conformanceRulesUsage = "ithc conformance rules DIR [--json]"

// runConformanceRules runs "ithc conformance rules DIR": every
// <Identifier>/rule.json below DIR with its tests/*.json (the layout of
// the EU business-rules test data, rules.RunTests), ending with
// "rules: N/M rule tests passed". Exit status 1 when a test fails.
func runConformanceRules(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("conformance rules", conformanceRulesUsage, stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: %s", conformanceRulesUsage)
	}
	report, err := rules.RunTests(pos[0])
	if err != nil {
		return err
	}
	if report.Total == 0 {
		return &exitError{code: 1, err: errorString("no rule test found in " + pos[0] + " (want <Identifier>/rule.json with tests/*.json)")}
	}
	if *asJSON {
		if err := writeJSON(stdout, report, ""); err != nil {
			return err
		}
	} else if err := report.WriteText(stdout); err != nil {
		return err
	}
	if report.Passed != report.Total {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}
