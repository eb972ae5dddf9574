package main

import (
	"io"
	"time"

	shcconformance "github.com/ithc/ithc/shc/conformance"
)

// runConformanceSHC runs "ithc conformance shc DIR [--json]": the SMART
// Health Cards validator's cases listed in DIR/EXPECTATIONS.json.
func runConformanceSHC(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	const synopsis = "ithc conformance shc DIR [--json] [--now TIME] [--skew DURATION]"
	fs := newFlagSet("conformance shc", synopsis, stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	now := fs.String("now", "", "validation time, RFC 3339 (default: the validator's, 2022-05-31T00:00:00Z)")
	skew := fs.Duration("skew", 0, "clock-skew allowance of the time checks")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: %s", synopsis)
	}
	opts := shcconformance.Options{ClockSkew: *skew}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return usageError("--now: %v", err)
		}
		opts.Now = t
	}
	report, err := shcconformance.Run(pos[0], opts)
	if err != nil {
		return withHint(err, "DIR is the validator folder of the SMART Health Cards test data, such as ../shared/testdata/shc/validator")
	}
	if *asJSON {
		if err := writeJSON(stdout, report, ""); err != nil {
			return err
		}
	} else if err := report.WriteText(stdout); err != nil {
		return err
	}
	if report.Agree != report.Total {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}
