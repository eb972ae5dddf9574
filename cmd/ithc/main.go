// Command ithc issues, inspects and verifies International Travel Health
// Certificates, and runs the EU DCC conformance vectors.
//
// Run "ithc help" for the commands and examples. Data goes to standard
// output, diagnostics to standard error as "ithc: error: …" and
// "ithc: hint: …".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

const usage = `ithc: International Travel Health Certificates.

Usage:
    ithc demo [--dir DIR] [--serve [--listen ADDR]]
                                  the whole mission on embedded defaults: a gateway, three countries,
                                  issuance and forms, rules, revocation, encryption, offline checks
    ithc pki init --country CC --out DIR [--key-store pkcs11:token=LABEL]
                                  create a country signing CA and a document signer
    ithc pki csca|dsc|upload|tls --key REF --out FILE ...
                                  make one certificate of a country's PKI (keys in files or an HSM)
    ithc pki check [--csca FILE] FILE...
                                  check certificates against the DCC/GDHCN certificate governance
    ithc issue --key KEY --cert CERT [--dcc] [--days N] [--encrypt-for CC,... --recipient-keys DIR] [FILE|-]
                                  sign a certificate (JSON) and print its QR text, optionally
                                  encrypted for the authorities of the countries named
    ithc issue --key KEY --cert CERT --batch FILE.csv|FILE.ndjson --out DIR [--formats txt,png,pdf]
                                  issue every record of a file in parallel; run again to resume
    ithc verify [--trust PATH] [--shc-keys [ISS=]PATH] [--vdsnc-trust PATH] [--country CC [--lang zh]]
                [--recognise CC,...] [--decrypt-key REF] [--now TIME] [--json] [CODE|@FILE|-]
                                  verify a code offline against trusted signers: HC1, SMART Health
                                  Card (QR text, JWS, .smart-health-card file) or VDS-NC seal; with a
                                  synced --trust DIR also revocations and the destination's rules
    ithc convert --to dcc|shc|vdsnc|json [--key KEY --cert CERT | --issuer URL] [--out DIR] [FILE|-]
                                  convert a certificate (JSON) for another system: a DCC per event,
                                  a SMART Health Card, ICAO seals, or the native JSON
    ithc inspect [--json] [CODE|@FILE|-]
                                  decode a code without trust and show every layer
    ithc render --out FILE [--format png|svg|pdf|html] [--lang zh,en] [--size SIZE] [CODE|@FILE|-]
                                  draw the QR code, the paper certificate or the wallet page
    ithc scan [--json] [--dpi N] FILE...
                                  print the text of every QR code in images (PNG, JPEG, GIF) and PDFs
    ithc conformance dgc DIR [--json]
                                  run EU DCC conformance vectors in the dgc-testdata format
    ithc conformance shc DIR [--json]
                                  run the SMART Health Cards validator's cases (DIR/EXPECTATIONS.json)
    ithc conformance vdsnc DIR [--trust PATH] [--now TIME] [--json]
                                  verify every ICAO VDS-NC seal (*.json) of a folder
    ithc gateway init|serve|onboard|offboard|audit|export
                                  run the mutual-recognition gateway (operator)
    ithc signer upload|delete --gateway URL ... DSC.pem
                                  publish or withdraw a document signer (country)
    ithc trust sync --gateway URL --anchor FILE --dir DIR
                                  keep a verified offline copy of the trust list
    ithc rules check|eval|upload|delete|sync ...
                                  validate and evaluate acceptance rules, publish them (country),
                                  keep a verified offline copy of every country's rules (verifier)
    ithc conformance rules DIR [--json]
                                  run rule tests in the EU business-rules layout (<Identifier>/rule.json)
    ithc conformance certlogic DIR [--json]
                                  run CertLogic test-suite files
    ithc revoke --gateway URL ... (--signer DSC.pem | --codes) [--type uci|countrycodeuci|signature] ITEM...
                                  revoke single certificates (country); ithc revoke delete BATCH-ID...
    ithc revocation sync|inspect --dir DIR ...
                                  keep a verified offline copy of the revocation batches
    ithc enckey generate|upload|delete|list ...
                                  a country's recipient keys for encrypted codes
    ithc verifier serve|check|status|load ...
                                  the verifier service and the border officer's web page
    ithc bench [--quick] [--json] [--only NAME,...]
                                  measure the performance figures against their floors

Examples:
    ithc pki init --country CN --out cn-keys
    ithc issue --key cn-keys/dsc.key --cert cn-keys/dsc.pem cert.json > code.txt
    ithc verify --trust cn-keys/dsc.pem @code.txt
    ithc convert --to dcc --key cn-keys/dsc.key --cert cn-keys/dsc.pem --out dcc/ cert.json
    ithc inspect @code.txt
    ithc render --out certificate.pdf @code.txt
    ithc scan photo.jpg certificate.pdf
    ithc conformance dgc ../shared/testdata/dgc
    ithc conformance shc ../shared/testdata/shc/validator
    ithc conformance vdsnc ../shared/testdata/vdsnc

A CODE is the QR text itself ("HC1:..."); @FILE reads it from a file and "-"
or no argument from standard input. ithc verify also takes a PNG, JPEG or GIF
picture or a PDF there and reads its QR code. Exit status: 0 verified or
done, 1 the code was rejected, 2 a usage or input error.
`

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// usageError reports a problem with the command line (exit status 2).
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

type command struct {
	name string
	run  func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = []command{
	{"demo", runDemo},
	{"pki", runPKI},
	{"issue", runIssue},
	{"verify", runVerify},
	{"convert", runConvert},
	{"inspect", runInspect},
	{"render", runRender},
	{"scan", runScan},
	{"conformance", runConformance},
	{"gateway", runGateway},
	{"signer", runSigner},
	{"trust", runTrust},
	{"rules", runRules},
	{"revoke", runRevoke},
	{"revocation", runRevocation},
	{"bench", runBench},
	{"enckey", runEncKey},
	{"verifier", runVerifier},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(args[1:], stdin, stdout, stderr)
			return report(err, stderr)
		}
	}
	fmt.Fprintf(stderr, "ithc: error: unknown command %q\n", args[0])
	fmt.Fprintf(stderr, "ithc: hint: run \"ithc help\" for the list of commands\n")
	return 2
}

// report prints err as a diagnostic and maps it to an exit status.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	code := 2
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "ithc: error: %s\n", msg)
	}
	var he *hintError
	if errors.As(err, &he) {
		fmt.Fprintf(stderr, "ithc: hint: %s\n", he.hint)
	}
	return code
}

// hintError adds a hint line to a diagnostic.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, format string, args ...any) error {
	return &hintError{err: err, hint: fmt.Sprintf(format, args...)}
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// ("ithc verify CODE --json").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &exitError{code: 2, err: errors.New("")}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// readCode returns the code named by arg: the text itself, @FILE, or "-"
// (or no argument) for standard input. Surrounding white space is removed.
func readCode(args []string, stdin io.Reader, maxLen int) (string, error) {
	if len(args) > 1 {
		return "", usageError("expected one code, got %d arguments", len(args))
	}
	var raw []byte
	switch {
	case len(args) == 0 || args[0] == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, int64(maxLen)+2))
		if err != nil {
			return "", fmt.Errorf("reading standard input: %w", err)
		}
		raw = b
	case strings.HasPrefix(args[0], "@"):
		b, err := limits.ReadFile(args[0][1:], int64(maxLen)+2)
		if err != nil {
			return "", err
		}
		raw = b
	default:
		raw = []byte(args[0])
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > maxLen {
		return "", usageError("the code is longer than %d characters, the most a QR code holds", maxLen)
	}
	if s == "" {
		return "", usageError("no code given")
	}
	return s, nil
}
