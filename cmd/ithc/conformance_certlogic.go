package main

import (
	"io"

	"github.com/ithc/ithc/rules/certlogic"
)

const conformanceCertLogicUsage = "ithc conformance certlogic DIR [--json]"

// runConformanceCertLogic runs "ithc conformance certlogic DIR": every
// CertLogic test-suite file (*.json, the format of the specification's
// testSuite folder) directly in DIR. It prints a line per file and per
// failed assertion, and last "certlogic: N/M assertions passed (S
// skipped)", where M counts the assertions run; it exits 1 when any
// assertion fails.
func runConformanceCertLogic(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("conformance certlogic", conformanceCertLogicUsage, stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: %s", conformanceCertLogicUsage)
	}
	report, err := certlogic.RunSuites(pos[0])
	if err != nil {
		return withHint(err, "DIR holds the test-suite files, as ../shared/testdata/certlogic/testSuite does")
	}
	if *asJSON {
		if err := writeJSON(stdout, report, ""); err != nil {
			return err
		}
	} else if err := report.WriteText(stdout); err != nil {
		return err
	}
	if report.Failed > 0 {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}
