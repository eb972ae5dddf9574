package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return "" }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// runVerify runs "ithc verify": offline verification against signer
// certificates from files or directories.
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", "ithc verify --trust PATH [--trust PATH ...] [--now TIME] [--skew DURATION] [--json] [CODE|@FILE|-]", stderr)
	var trustPaths stringList
	fs.Var(&trustPaths, "trust", "signer certificates: a PEM/DER file, a directory of them, or a directory kept by \"ithc trust sync\" (repeatable, required)")
	now := fs.String("now", "", "verification time, RFC 3339 (default: now)")
	skew := fs.Duration("skew", verify.DefaultClockSkew, "clock-skew allowance for issue and expiry times")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(trustPaths) == 0 {
		return withHint(usageError("--trust is required"), "give the issuing country's document signer certificate, e.g. --trust cn-keys/dsc.pem")
	}
	text, err := readCode(pos, stdin, limits.MaxQRText)
	if err != nil {
		return err
	}
	opts := verify.Options{ClockSkew: *skew}
	if *now != "" {
		if opts.Now, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	store, err := loadTrust(trustPaths, stderr)
	if err != nil {
		return err
	}
	res := verify.New(store, opts).Verify(text)
	if *asJSON {
		if err := writeJSON(stdout, res, ""); err != nil {
			return err
		}
	} else {
		printResult(stdout, res)
	}
	if res.Status != verify.StatusVerified {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}

// loadTrust builds one store from certificate files and directories and
// from synced trust directories (ithc trust sync), whose entries are
// checked again on loading; entries left out are reported on stderr.
func loadTrust(paths []string, stderr io.Writer) (*trust.Store, error) {
	var files []string
	store := trust.NewStore()
	for _, p := range paths {
		if !trust.IsSyncedDir(p) {
			files = append(files, p)
			continue
		}
		synced, list, problems, err := trust.LoadSynced(p)
		if err != nil {
			return nil, err
		}
		for _, pr := range problems {
			fmt.Fprintf(stderr, "ithc: warning: %s: left out %s\n", p, pr)
		}
		if age := time.Since(list.Synced); age > 24*time.Hour {
			fmt.Fprintf(stderr, "ithc: warning: %s was last synced %s ago (%s)\n", p, age.Round(time.Minute), list.Synced.Format(time.RFC3339))
		}
		for _, s := range synced.All() {
			if err := store.Add(s.Certificate, s.Country); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
		}
	}
	if len(files) > 0 {
		fromFiles, err := trust.LoadFiles(files...)
		if err != nil {
			return nil, err
		}
		for _, s := range fromFiles.All() {
			if err := store.Add(s.Certificate, s.Country); err != nil {
				return nil, err
			}
		}
	}
	return store, nil
}
