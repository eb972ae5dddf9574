package main

import (
	"io"

	"github.com/ithc/ithc/conformance"
	"github.com/ithc/ithc/verify"
)

// runConformance runs "ithc conformance dgc DIR [--json]" and, through
// runConformanceSHC, "ithc conformance shc DIR [--json]" and, through
// runConformanceVDSNC, "ithc conformance vdsnc DIR [--json]".
func runConformance(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "shc" {
		return runConformanceSHC(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "vdsnc" {
		return runConformanceVDSNC(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "rules" {
		return runConformanceRules(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "certlogic" {
		return runConformanceCertLogic(args[1:], stdin, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "dgc" {
		return usageError("usage: ithc conformance dgc|shc|vdsnc DIR [--json]")
	}
	fs := newFlagSet("conformance dgc", "ithc conformance dgc DIR [--json] [--skew DURATION]", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	skew := fs.Duration("skew", verify.DefaultClockSkew, "clock-skew allowance of the expiration stage")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: ithc conformance dgc DIR [--json]")
	}
	report, err := conformance.RunDGC(pos[0], conformance.Options{ClockSkew: *skew})
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeJSON(stdout, report, ""); err != nil {
			return err
		}
	} else if err := report.WriteText(stdout); err != nil {
		return err
	}
	if len(report.Failures) > 0 {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}

// errorString is an error with a fixed message; an empty one prints no diagnostic.
type errorString string

func (e errorString) Error() string { return string(e) }
