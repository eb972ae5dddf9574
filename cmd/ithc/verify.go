package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/scan"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/vdsnc"
	"github.com/ithc/ithc/verify"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return "" }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

const verifySynopsis = "ithc verify [--trust PATH ...] [--country CC] [--recognise CC,...] [--shc-keys [ISS=]PATH ...] [--vdsnc-trust PATH ...] [--decrypt-key REF ...] [--now TIME] [--skew DURATION] [--json] [CODE|@FILE|-]"

// runVerify runs "ithc verify": offline verification of a code of any
// format (HC1, SMART Health Card, VDS-NC seal), recognised from its
// content, against the trust material given for each format.
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", verifySynopsis, stderr)
	var trustPaths, shcSpecs, vdsncPaths stringList
	fs.Var(&trustPaths, "trust", "HC1 document signer certificates: a PEM/DER file, a directory of them, or a directory kept by \"ithc trust sync\" (repeatable)")
	fs.Var(&shcSpecs, "shc-keys", "SMART Health Card issuer keys: ISS=JWKS-FILE, ISS=FOLDER (an issuer's web folder holding .well-known/jwks.json and crl/), or a VCI directory snapshot (vci_snapshot.json with vci_snapshot.sig and .crt beside it, or their folder) (repeatable)")
	fs.Var(&vdsncPaths, "vdsnc-trust", "ICAO VDS-NC country signing CA certificates: a PEM/DER file or a directory of them (repeatable)")
	now := fs.String("now", "", "verification time, RFC 3339 (default: now)")
	skew := fs.Duration("skew", verify.DefaultClockSkew, "clock-skew allowance for issue and expiry times")
	asJSON := fs.Bool("json", false, "print the result as JSON (an array when a card file holds several cards)")
	var decryptKeys stringList
	fs.Var(&decryptKeys, "decrypt-key", "a recipient private key (file) of this country, to open encrypted codes (HCE1:); repeatable, for the keys of a rotation")
	country := fs.String("country", "", "destination country (ISO 3166-1 alpha-2): apply its acceptance rules (from --rules or the --trust directory's rules.json) and the issuer's invalidation rules")
	region := fs.String("region", "", "region of the destination country whose rules apply")
	rulesPath := fs.String("rules", "", "acceptance rules: a rule file, a rules.json or a folder of rules (default: the --trust directory's rules.json)")
	recognise := fs.String("recognise", "", "countries whose HC1 signers are accepted, comma-separated (default: every signer of the trust material)")
	lang := fs.String("lang", "en", "language of the rule descriptions: en or zh (falls back to English)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(trustPaths)+len(shcSpecs)+len(vdsncPaths) == 0 {
		return withHint(usageError("no trust given: --trust (HC1 document signers), --shc-keys (SMART Health Card issuers) or --vdsnc-trust (VDS-NC CSCAs) is required"),
			"give the issuing country's document signer certificate, e.g. --trust cn-keys/dsc.pem")
	}
	text, err := readVerifyInput(pos, stdin)
	if err != nil {
		return err
	}
	opts := verify.Options{ClockSkew: *skew}
	opts.Country, opts.Region = strings.ToUpper(*country), *region
	if *recognise != "" {
		for _, c := range strings.Split(*recognise, ",") {
			c = strings.ToUpper(strings.TrimSpace(c))
			if !validCountry(c) {
				return usageError("--recognise: %q is not an ISO 3166-1 alpha-2 country code", c)
			}
			opts.Recognised = append(opts.Recognised, c)
		}
	}
	if opts.Rules, err = loadRulesOption(opts.Country, *rulesPath, trustPaths); err != nil {
		return err
	}
	if *now != "" {
		if opts.Now, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	decrypter, closeKeys, err := openDecrypter(decryptKeys, trustPaths, stderr)
	if err != nil {
		return err
	}
	defer closeKeys()
	opts.Decrypter = decrypter
	var t verify.Trust
	if len(trustPaths) > 0 {
		if t.HC1, err = loadTrust(trustPaths, stderr); err != nil {
			return err
		}
		if opts.Revocation, err = loadRevocation(trustPaths, opts.Now); err != nil {
			return err
		}
	}
	if len(shcSpecs) > 0 {
		at := opts.Now
		if at.IsZero() {
			at = time.Now()
		}
		if t.SHC, err = loadSHCKeys(shcSpecs, at, stderr); err != nil {
			return err
		}
	}
	if len(vdsncPaths) > 0 {
		pool, err := vdsnc.LoadCSCAs(vdsncPaths...)
		if err != nil {
			return err
		}
		t.VDSNC = pool
	}
	results := verify.NewWithTrust(t, opts).VerifyAll(text)
	if *asJSON {
		var v any = results
		if len(results) == 1 {
			v = results[0]
		}
		if err := writeJSON(stdout, v, ""); err != nil {
			return err
		}
	} else {
		for i, r := range results {
			if len(results) > 1 {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				fmt.Fprintf(stdout, "card %d of %d:\n", i+1, len(results))
			}
			printVerifyResult(stdout, r)
			printEncryption(stdout, r)
			if len(r.Rules) > 0 || opts.Rules != nil && r.Status == verify.StatusVerified {
				printRuleOutcomes(stdout, r.Rules, *lang)
			}
		}
	}
	given := map[string]bool{verify.FormatHC1: len(trustPaths) > 0, verify.FormatSHC: len(shcSpecs) > 0, verify.FormatVDSNC: len(vdsncPaths) > 0}
	for _, r := range results {
		if r.Status == verify.StatusVerified {
			continue
		}
		rejected := error(&exitError{code: 1, err: errorString("")})
		if flag, ok := trustFlags[r.Format]; ok && !given[r.Format] && r.Status == verify.StatusIssuerNotTrusted {
			rejected = withHint(rejected, "to check this %s, give its trust material: %s", formatTitle(r.Format), flag)
		}
		return rejected
	}
	return nil
}

// trustFlags names the flag of each format's trust material.
var trustFlags = map[string]string{
	verify.FormatHC1:   "--trust (document signer certificates)",
	verify.FormatSHC:   "--shc-keys ISS=JWKS or a VCI snapshot",
	verify.FormatVDSNC: "--vdsnc-trust (the issuing state's CSCA certificates)",
}

func formatTitle(format string) string {
	if name, ok := formatNames[format]; ok {
		return name
	}
	return "HC1 code"
}

// formatNames are the names of the formats for a person.
var formatNames = map[string]string{
	verify.FormatSHC:   "SMART Health Card",
	verify.FormatVDSNC: "ICAO VDS-NC seal",
}

// printVerifyResult prints a result as printResult does; a code of
// another format than HC1 gets a line naming its format after the verdict
// and its notes at the end. An HC1 result prints exactly as printResult.
func printVerifyResult(w io.Writer, r *verify.Result) {
	name, other := formatNames[r.Format]
	if !other {
		printResult(w, r)
		return
	}
	var b bytes.Buffer
	printResult(&b, r)
	verdict, rest, _ := strings.Cut(b.String(), "\n")
	fmt.Fprintln(w, verdict)
	fmt.Fprintf(w, "  format:  %s (%s)\n", name, r.Format)
	io.WriteString(w, rest)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note:    %s\n", n)
	}
}

// readVerifyInput returns the input named by the arguments as readCode
// does (the text itself, @FILE, or "-" or nothing for standard input;
// surrounding white space removed), up to limits.MaxVerifyInput bytes: a
// card file or a seal may be longer than a QR code. An HC1 code keeps the
// QR code's bound.
func readVerifyInput(args []string, stdin io.Reader) (string, error) {
	if len(args) > 1 {
		return "", usageError("expected one code, got %d arguments", len(args))
	}
	// An image or a PDF may be larger than any code; scan bounds it.
	max := int64(max(limits.MaxVerifyInput, limits.MaxImageBytes, limits.MaxScanPDFBytes))
	var raw []byte
	var err error
	switch {
	case len(args) == 0 || args[0] == "-":
		if raw, err = io.ReadAll(io.LimitReader(stdin, max+1)); err != nil {
			return "", fmt.Errorf("reading standard input: %w", err)
		}
	case strings.HasPrefix(args[0], "@"):
		if raw, err = limits.ReadFile(args[0][1:], max); err != nil {
			return "", err
		}
	default:
		raw = []byte(args[0])
	}
	if isImageOrPDF(raw) {
		return scanOne(raw)
	}
	if len(raw) > limits.MaxVerifyInput {
		return "", usageError("the input is larger than %d bytes, more than any code or card file", limits.MaxVerifyInput)
	}
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, hc1.Prefix) && len(s) > limits.MaxQRText {
		return "", usageError("the code is longer than %d characters, the most a QR code holds", limits.MaxQRText)
	}
	if s == "" {
		return "", usageError("no code given")
	}
	return s, nil
}

// isImageOrPDF reports whether data starts as a PNG, JPEG, GIF or PDF
// file does.
func isImageOrPDF(data []byte) bool {
	for _, magic := range []string{"\x89PNG\r\n\x1a\n", "\xff\xd8\xff", "GIF87a", "GIF89a", "%PDF-"} {
		if bytes.HasPrefix(data, []byte(magic)) {
			return true
		}
	}
	return false
}

// scanOne returns the one code of an image or a PDF page, as ithc verify
// reads a photo of a certificate or its printed PDF.
func scanOne(data []byte) (string, error) {
	codes, err := scan.DecodeAll(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	if len(codes) != 1 {
		return "", withHint(usageError("the image holds %d codes; ithc verify checks one", len(codes)),
			"print them with \"ithc scan FILE\" and verify each")
	}
	return codes[0].Text, nil
}

// loadSHCKeys builds the SMART Health Card key resolver of --shc-keys:
// JWK sets and issuer folders, each with its issuer URL (ISS=PATH), into
// one store, and VCI snapshots (signature checked at now), each its own.
// Findings (keys left out) are reported on stderr.
func loadSHCKeys(specs []string, now time.Time, stderr io.Writer) (shc.KeyResolver, error) {
	store := shc.NewKeyStore()
	resolvers := shcResolvers{store}
	for _, spec := range specs {
		iss, path := splitIssuer(spec)
		if iss != "" && path == "" {
			return nil, usageError("--shc-keys %q: no path after the issuer url", spec)
		}
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("--shc-keys: %w", err)
		}
		snapshot := ""
		switch {
		case info.IsDir() && exists(filepath.Join(path, "vci_snapshot.json")):
			snapshot = filepath.Join(path, "vci_snapshot.json")
		case !info.IsDir() && filepath.Base(path) == "vci_snapshot.json":
			snapshot = path
		}
		var findings []shc.Finding
		switch {
		case snapshot != "":
			if iss != "" {
				return nil, usageError("--shc-keys %q: a VCI snapshot names its issuers itself; give it without ISS=", spec)
			}
			s, f, err := loadVCISnapshot(snapshot, now)
			if err != nil {
				return nil, err
			}
			findings = f
			resolvers = append(resolvers, s)
		case iss == "":
			return nil, withHint(usageError("--shc-keys %q: a JWK set or issuer folder needs its issuer url", spec),
				"write --shc-keys ISS=PATH, e.g. --shc-keys https://spec.smarthealth.cards/examples/issuer=issuer/")
		case info.IsDir():
			if findings, err = store.LoadIssuerDir(iss, path); err != nil {
				return nil, err
			}
		default:
			data, err := limits.ReadFile(path, limits.MaxSHCFile)
			if err != nil {
				return nil, err
			}
			keys, f, err := shc.ParseJWKS(iss, data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			findings = f
			store.AddKeys(keys...)
		}
		reportFindings(stderr, path, findings)
	}
	if len(resolvers) == 1 {
		return store, nil
	}
	return resolvers, nil
}

// splitIssuer splits "https://issuer=path" at the first '=' after the
// scheme; any other spec is a path. An issuer URL has no query, so it
// holds no '='.
func splitIssuer(spec string) (iss, path string) {
	const scheme = "https://"
	if !strings.HasPrefix(spec, scheme) {
		return "", spec
	}
	i := strings.IndexByte(spec[len(scheme):], '=')
	if i < 0 {
		return spec, ""
	}
	return spec[:len(scheme)+i], spec[len(scheme)+i+1:]
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// loadVCISnapshot reads vci_snapshot.json and, beside it, its detached
// signature (vci_snapshot.sig) and the directory's certificate
// (vci_snapshot.crt), which is the trust anchor.
func loadVCISnapshot(path string, now time.Time) (*shc.KeyStore, []shc.Finding, error) {
	base := strings.TrimSuffix(path, ".json")
	var files [3][]byte
	for i, p := range []string{path, base + ".sig", base + ".crt"} {
		b, err := limits.ReadFile(p, limits.MaxSHCFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--shc-keys: VCI snapshot: %w", err)
		}
		files[i] = b
	}
	return shc.ParseVCISnapshot(files[0], files[1], files[2], now)
}

// maxFindingLines is how many key-loading findings of one source are
// printed; the rest are counted.
const maxFindingLines = 3

func reportFindings(stderr io.Writer, path string, findings []shc.Finding) {
	for i, f := range findings {
		if i == maxFindingLines {
			fmt.Fprintf(stderr, "ithc: warning: %s: %d more findings on its keys\n", path, len(findings)-maxFindingLines)
			return
		}
		fmt.Fprintf(stderr, "ithc: warning: %s: %s\n", path, f)
	}
}

// shcResolvers tries SMART Health Card key resolvers in turn. When none
// has the key, the most telling error is kept: a key known as another
// issuer's, then an unknown key of a known issuer, then an unknown issuer.
type shcResolvers []shc.KeyResolver

func (rs shcResolvers) ResolveKey(iss, kid string) (*shc.Key, error) {
	rank := func(err error) int {
		switch {
		case errors.Is(err, shc.ErrKeyOfOtherIssuer):
			return 3
		case errors.Is(err, shc.ErrUnknownKey):
			return 2
		}
		return 1
	}
	var best error
	for _, r := range rs {
		k, err := r.ResolveKey(iss, kid)
		if err == nil {
			return k, nil
		}
		if best == nil || rank(err) > rank(best) {
			best = err
		}
	}
	return nil, best
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
		if list.Recovered != "" {
			fmt.Fprintf(stderr, "ithc: warning: %s: %s\n", p, list.Recovered)
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
