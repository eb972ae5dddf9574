package main

import (
	"io"
	"time"

	"github.com/ithc/ithc/vdsnc"
	"github.com/ithc/ithc/verify"
)

const conformanceVDSNCUsage = "ithc conformance vdsnc DIR [--trust PATH ...] [--now TIME] [--skew DURATION] [--require-extensions] [--json]"

// runConformanceVDSNC runs "ithc conformance vdsnc DIR": it verifies every
// *.json seal of DIR and ends with "vdsnc: N/M seals verified". Without
// --trust, each signature is checked with the certificate its seal
// carries (the CSCAs of published samples are not public); without --now,
// each seal at the earliest time it can verify (vdsnc.DirOptions).
func runConformanceVDSNC(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("conformance vdsnc", conformanceVDSNCUsage, stderr)
	var trustPaths stringList
	fs.Var(&trustPaths, "trust", "CSCA certificates: a PEM/DER file or a directory of them (repeatable; default: no chain, the certificate each seal carries)")
	now := fs.String("now", "", "verification time of every seal, RFC 3339 (default: each seal at the start of its signer's validity)")
	skew := fs.Duration("skew", verify.DefaultClockSkew, "clock-skew allowance of the validity checks")
	require := fs.Bool("require-extensions", false, "refuse signer certificates without the VDS-NC extended key usage and document type list")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: %s", conformanceVDSNCUsage)
	}
	opts := vdsnc.DirOptions{ClockSkew: *skew, RequireExtensions: *require}
	if *now != "" {
		if opts.Now, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	if len(trustPaths) > 0 {
		pool, err := vdsnc.LoadCSCAs(trustPaths...)
		if err != nil {
			return err
		}
		opts.Anchors = pool
	}
	report, err := vdsnc.CheckDir(pos[0], opts)
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
	if report.Verified != report.Total {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}
