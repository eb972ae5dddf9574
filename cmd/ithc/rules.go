package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/rules"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

const rulesUsage = `usage: ithc rules check|eval|upload|delete|sync ...
    ithc rules check [--json] FILE|DIR...
    ithc rules eval --rule FILE|DIR --cert QR|JSON|@FILE [--country CC] [--now TIME] [--lang en|zh] [--json]
    ithc rules upload --gateway URL --tls-cert FILE --tls-key REF --upload-cert FILE --upload-key REF [--ca FILE] RULE.json
    ithc rules delete --gateway URL ... IDENTIFIER
    ithc rules sync --gateway URL --anchor PEM --dir DIR`

// runRules dispatches "ithc rules ...".
func runRules(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("%s", rulesUsage)
	}
	switch args[0] {
	case "check":
		return runRulesCheck(args[1:], stdout, stderr)
	case "eval":
		return runRulesEval(args[1:], stdin, stdout, stderr)
	case "upload", "delete":
		return runRulesWrite(args[0], args[1:], stdout, stderr)
	case "sync":
		return runRulesSync(args[1:], stdout, stderr)
	}
	return usageError("unknown rules command %q\n%s", args[0], rulesUsage)
}

// runRulesCheck validates rules: "ok IDENTIFIER VERSION" per rule, or
// every problem.
func runRulesCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rules check", "ithc rules check [--json] FILE|DIR...", stderr)
	asJSON := fs.Bool("json", false, "print the verdicts as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError("usage: ithc rules check [--json] FILE|DIR...")
	}
	type verdict struct {
		File       string          `json:"file"`
		Identifier string          `json:"identifier,omitempty"`
		Version    string          `json:"version,omitempty"`
		Valid      bool            `json:"valid"`
		Problems   []rules.Problem `json:"problems,omitempty"`
	}
	var files []string
	for _, p := range pos {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && d.Name() == "rule.json" {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	sort.Strings(files)
	var out []verdict
	bad := 0
	for _, f := range files {
		v := verdict{File: f}
		data, err := limits.ReadFile(f, limits.MaxRule)
		if err != nil {
			v.Problems = []rules.Problem{{Message: err.Error()}}
		} else if r, err := rules.ParseRule(data); err != nil {
			var pe *rules.ParseError
			if errors.As(err, &pe) {
				v.Identifier, v.Problems = pe.Identifier, pe.Problems
			} else {
				v.Problems = []rules.Problem{{Message: err.Error()}}
			}
		} else {
			v.Identifier, v.Version, v.Valid = r.Identifier, r.Version, true
		}
		if !v.Valid {
			bad++
		}
		out = append(out, v)
	}
	if *asJSON {
		if err := writeJSON(stdout, out, ""); err != nil {
			return err
		}
	} else {
		for _, v := range out {
			if v.Valid {
				fmt.Fprintf(stdout, "ok    %s %s  %s\n", v.Identifier, v.Version, v.File)
				continue
			}
			fmt.Fprintf(stdout, "FAIL  %s  %s\n", orDash(v.Identifier), v.File)
			for _, p := range v.Problems {
				fmt.Fprintf(stdout, "      %s\n", p)
			}
		}
		fmt.Fprintf(stdout, "rules: %d/%d valid\n", len(out)-bad, len(out))
	}
	if bad > 0 {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}

const rulesEvalSynopsis = "ithc rules eval --rule FILE|DIR --cert QR|JSON|@FILE [--country CC] [--now TIME] [--lang en|zh] [--json]"

// runRulesEval evaluates rules against a certificate without checking its
// signature: every rule given (whatever its country and validity), or
// with --country the rules rules.Set.Select picks for that destination
// at --now.
func runRulesEval(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("rules eval", rulesEvalSynopsis, stderr)
	rulePath := fs.String("rule", "", "a rule file, a rule set (rules.json) or a folder of rules")
	certArg := fs.String("cert", "", "the certificate: an HC1 code (QR text), a native certificate or an EU DCC payload in JSON, or @FILE of one")
	country := fs.String("country", "", "select the rules of this destination valid at --now (default: evaluate every rule given)")
	region := fs.String("region", "", "the destination's region")
	now := fs.String("now", "", "validation time, RFC 3339 (default: now)")
	lang := fs.String("lang", "en", "language of the rule descriptions: en or zh (falls back to English)")
	asJSON := fs.Bool("json", false, "print the outcomes as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *rulePath == "" || *certArg == "" || len(pos) > 0 {
		return usageError("usage: %s", rulesEvalSynopsis)
	}
	at := time.Now()
	if *now != "" {
		if at, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	set, err := rules.Load(*rulePath)
	if err != nil {
		return err
	}
	ctx, err := ruleContextOf(*certArg, stdin)
	if err != nil {
		return err
	}
	ctx.Now, ctx.Region = at, *region
	var out []verify.RuleOutcome
	if *country != "" {
		ctx.Country = strings.ToUpper(*country)
		if out, err = rules.NewEvaluator(set, rules.EvaluatorOptions{}).Evaluate(ctx); err != nil {
			return err
		}
	} else {
		// Every rule given: its newest version, evaluated as if its
		// country were the destination.
		for _, r := range set.Rules() {
			if len(out) > 0 && out[len(out)-1].Identifier == r.Identifier {
				continue
			}
			one, _ := rules.NewSet(r)
			c := *ctx
			c.Country = r.Country
			c.Region = r.Region
			if r.Type == rules.TypeInvalidation {
				c.IssuerCountry = r.Country
			}
			c.Now = r.ValidFrom
			if !at.Before(r.ValidFrom) && !at.After(r.ValidTo) {
				c.Now = at
			}
			o, err := rules.NewEvaluator(one, rules.EvaluatorOptions{}).Evaluate(&c)
			if err != nil {
				return err
			}
			if len(o) == 1 && !c.Now.Equal(at) {
				o[0].Detail = strings.TrimSpace(o[0].Detail + " (evaluated at its ValidFrom: not valid at " + at.UTC().Format(time.RFC3339) + ")")
			}
			out = append(out, o...)
		}
	}
	if *asJSON {
		if err := writeJSON(stdout, out, ""); err != nil {
			return err
		}
	} else {
		printRuleOutcomes(stdout, out, *lang)
	}
	for _, o := range out {
		if o.Result == verify.RuleFailed || o.Result == verify.RuleError {
			return &exitError{code: 1, err: errorString("")}
		}
	}
	return nil
}

// ruleContextOf reads a certificate for "rules eval": an HC1 code (not
// verified), a native certificate in JSON, or a DCC payload in JSON.
func ruleContextOf(arg string, stdin io.Reader) (*verify.RuleContext, error) {
	var raw []byte
	var err error
	switch {
	case arg == "-":
		raw, err = io.ReadAll(io.LimitReader(stdin, limits.MaxJSONInput+1))
	case strings.HasPrefix(arg, "@"):
		raw, err = limits.ReadFile(arg[1:], limits.MaxJSONInput)
	default:
		raw = []byte(arg)
	}
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(string(raw))
	if strings.HasPrefix(text, hc1.Prefix) {
		code, err := hc1.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("--cert: %w", err)
		}
		ctx := &verify.RuleContext{Format: verify.FormatHC1, PayloadKind: string(code.Kind), IssuerCountry: code.Claims.Issuer,
			KID: code.KID, IssuedAt: code.Claims.IssuedAt, ExpiresAt: code.Claims.ExpiresAt}
		switch code.Kind {
		case hc1.KindDCC:
			ctx.DCC = code.DCC
			if c, err := code.DCC.Certificate(); err == nil {
				ctx.Certificate = c
			}
		case hc1.KindNative:
			ctx.Certificate = code.Native
		}
		return ctx, nil
	}
	if strings.Contains(text, `"events"`) {
		c, err := healthcert.ParseJSON([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("--cert: %w", err)
		}
		return &verify.RuleContext{Format: verify.FormatHC1, PayloadKind: string(hc1.KindNative), IssuerCountry: c.Issuer.Country,
			IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, Certificate: c}, nil
	}
	p, err := dcc.ParseJSON([]byte(text))
	if err != nil {
		return nil, withHint(fmt.Errorf("--cert: neither an HC1 code, a native certificate nor a DCC payload: %w", err),
			"give the QR text (HC1:...), a certificate in JSON as ithc issue reads it, or an EU DCC payload")
	}
	ctx := &verify.RuleContext{Format: verify.FormatHC1, PayloadKind: string(hc1.KindDCC), DCC: p}
	if c, err := p.Certificate(); err == nil {
		ctx.Certificate = c
	}
	return ctx, nil
}

// resultWord is how a rule result prints.
var resultWord = map[string]string{
	verify.RulePassed: "passed", verify.RuleFailed: "FAILED", verify.RuleNotApplicable: "n/a", verify.RuleError: "ERROR",
}

// printRuleOutcomes writes one line per rule: result, identifier, version
// and the description in lang (falling back to English).
func printRuleOutcomes(w io.Writer, out []verify.RuleOutcome, lang string) {
	failed := 0
	for _, o := range out {
		if o.Result == verify.RuleFailed || o.Result == verify.RuleError {
			failed++
		}
	}
	if len(out) == 0 {
		fmt.Fprintln(w, "  rules:   none apply (the destination has no rule valid now for this certificate)")
		return
	}
	fmt.Fprintf(w, "  rules:   %d %s rules, %d not met\n", len(out), out[0].Country, failed)
	for _, o := range out {
		fmt.Fprintf(w, "    %-7s %s %s  %s\n", resultWord[o.Result], o.Identifier, o.Version, describe(o.Description, lang))
		if o.Detail != "" {
			fmt.Fprintf(w, "            %s\n", o.Detail)
		}
	}
}

// describe picks a description: lang, its base language, English, or any.
func describe(d map[string]string, lang string) string {
	lang = strings.ToLower(lang)
	base, _, _ := strings.Cut(lang, "-")
	for _, l := range []string{lang, base, "en"} {
		if s, ok := d[l]; ok {
			return s
		}
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return d[keys[0]]
	}
	return ""
}

// loadRulesOption returns the rule evaluator of ithc verify: the rules of
// --rules (a file, rules.json or a folder) or else of the first --trust
// directory holding rules.json, with the value sets synced there. It
// returns nil when no destination was given.
func loadRulesOption(country, rulesPath string, trustPaths []string) (verify.RuleEvaluator, error) {
	if country == "" {
		if rulesPath != "" {
			return nil, withHint(usageError("--rules needs --country"), "name the destination whose rules apply, e.g. --country CN")
		}
		return nil, nil
	}
	var set *rules.Set
	var err error
	vs := verifier.LoadValueSets("")
	switch {
	case rulesPath != "":
		if set, err = rules.Load(rulesPath); err != nil {
			return nil, err
		}
	default:
		for _, p := range trustPaths {
			if _, serr := os.Stat(filepath.Join(p, rules.SetFile)); serr == nil && trust.IsSyncedDir(p) {
				if set, err = rules.LoadDir(p); err != nil {
					return nil, err
				}
				vs = verifier.LoadValueSets(p)
				break
			}
		}
	}
	if set == nil {
		return nil, withHint(errors.New("--country: no rules: no --rules given and no --trust directory holds rules.json"),
			"run ithc rules sync --dir DIR with the directory of ithc trust sync, or give --rules FILE|DIR")
	}
	return rules.NewEvaluator(set, rules.EvaluatorOptions{ValueSets: vs}), nil
}

// runRulesWrite runs "ithc rules upload RULE.json" and "ithc rules delete
// IDENTIFIER": a CMS signed by the country's upload certificate, sent over
// mutual TLS, as "ithc signer" does.
func runRulesWrite(verb string, args []string, stdout, stderr io.Writer) error {
	synopsis := "ithc rules " + verb + " --gateway URL --tls-cert F --tls-key KEY --upload-cert F --upload-key KEY [--ca F] "
	if verb == "upload" {
		synopsis += "RULE.json"
	} else {
		synopsis += "IDENTIFIER"
	}
	fs := newFlagSet("rules "+verb, synopsis, stderr)
	gw := gatewayFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: %s", synopsis)
	}
	var rule []byte
	if verb == "upload" {
		if rule, err = limits.ReadFile(pos[0], limits.MaxRule); err != nil {
			return err
		}
		// Refuse locally what the gateway would refuse for its form.
		if _, err := rules.ParseRule(rule); err != nil {
			return withHint(err, "check the rule with: ithc rules check %s", pos[0])
		}
	}
	c, _, closeKey, err := gw.client("rules " + verb)
	if err != nil {
		return err
	}
	defer closeKey()
	var w *client.Written
	if verb == "upload" {
		w, err = c.UploadRule(context.Background(), rule)
	} else {
		w, err = c.DeleteRule(context.Background(), pos[0])
	}
	if err != nil {
		return err
	}
	if w.Deleted {
		fmt.Fprintf(stdout, "deleted rule %s of %s (gateway version %d)\n", strings.SplitN(w.ID, "/", 2)[0], w.Country, w.Seq)
	} else {
		fmt.Fprintf(stdout, "uploaded rule %s of %s (gateway version %d)\n", w.ID, w.Country, w.Seq)
	}
	return nil
}

// runRulesSync runs "ithc rules sync": the rules and value sets of a
// gateway into the directory of "ithc trust sync".
func runRulesSync(args []string, stdout, stderr io.Writer) error {
	const synopsis = "ithc rules sync --gateway URL --anchor FILE --dir DIR [--ca FILE]"
	fs := newFlagSet("rules sync", synopsis, stderr)
	url := fs.String("gateway", "", "the gateway's base URL, or the base URL of a static export (required)")
	anchorPath := fs.String("anchor", "", "the gateway's trust anchor certificate (required)")
	dir := fs.String("dir", "", "the directory of ithc trust sync (required)")
	ca := fs.String("ca", "", "certificate(s) to trust for HTTPS (default: the system roots and the anchor)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *url == "" || *anchorPath == "" || *dir == "" {
		return usageError("usage: %s", synopsis)
	}
	anchor, hc, err := syncClient(*anchorPath, *ca)
	if err != nil {
		return err
	}
	res, err := verifier.SyncRules(context.Background(), verifier.SyncOptions{URL: *url, Anchor: anchor, Dir: *dir, Client: hc})
	if err != nil {
		if !trust.IsSyncedDir(*dir) {
			return withHint(err, "run ithc trust sync --gateway %s --anchor %s --dir %s first", *url, *anchorPath, *dir)
		}
		return err
	}
	fmt.Fprintf(stdout, "rules synced at version %d: %d rule versions of %d countries, %d value-set files\n", res.Version, res.Rules, res.Countries, res.ValueSets)
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "ithc: warning: left out %s\n", p)
	}
	return nil
}
