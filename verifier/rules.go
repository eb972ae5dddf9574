package verifier

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/ithc/ithc/rules"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verify"
)

// The acceptance rules of a verifier's data directory (docs/rules.md):
//
//   - rules.json: every country's rules, every version, as
//     rules.MarshalSetInfo writes them (read by rules.LoadDir);
//   - valuesets/<id>.tsv: the gateway's value-set files (package valueset
//     format), read by LoadValueSets over the embedded defaults.
//
// SyncRules writes them after checking the gateway's list signature and,
// for each rule, that its CMS was signed by an onboarded upload
// certificate of its country over exactly the rule stored.

// ValueSetsDir is the folder of synced value sets in a data directory.
const ValueSetsDir = "valuesets"

// RulesSyncResult reports what SyncRules did.
type RulesSyncResult struct {
	// Version is the gateway's rules list version.
	Version int64
	// Rules is the number of rule versions kept; Countries how many
	// countries they belong to.
	Rules, Countries int
	// ValueSets is the number of value-set files kept.
	ValueSets int
	// Problems lists rules (and value sets) left out, and why.
	Problems []trust.ListProblem
}

// SyncRules fetches o.URL + "/v1/rules" and "/v1/valuesets", checks them
// against o.Anchor and the upload certificates of the trust list already
// synced in o.Dir (Sync first), and replaces o.Dir/rules.json and
// o.Dir/valuesets/ atomically. A rule whose CMS does not verify, is not
// signed by an onboarded upload certificate of its country, does not sign
// exactly the rule listed, or does not parse, is left out and reported.
// On error nothing is replaced.
func SyncRules(ctx context.Context, o SyncOptions) (*RulesSyncResult, error) {
	if o.Anchor == nil || o.Dir == "" || o.URL == "" {
		return nil, errors.New("verifier: rules sync: URL, Anchor and Dir are required")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	synced, anchor, err := trust.ReadSynced(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("verifier: rules sync: %w (run the trust list sync first: the rules are checked against its upload certificates)", err)
	}
	if !anchor.Equal(o.Anchor) {
		return nil, errors.New("verifier: rules sync: the trust list in the directory was checked against another anchor")
	}
	uploads := trust.UploadsOf(&synced.List, o.Anchor)
	res := &RulesSyncResult{}
	l, _, _, err := fetchList(ctx, client, o.URL, "/v1/rules", 0, "", o.Anchor, now(), "sync /v1/rules")
	if err != nil {
		return nil, err
	}
	var kept []*rules.Rule
	countries := map[string]bool{}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Deleted || e.Kind != "rule" {
			continue
		}
		r, err := checkRuleEntry(e, uploads)
		if err != nil {
			res.Problems = append(res.Problems, trust.ListProblem{Kind: e.Kind, ID: e.ID, Country: e.Country, Reason: err.Error()})
			continue
		}
		kept = append(kept, r)
		countries[r.Country] = true
	}
	set, err := rules.NewSet(kept...)
	if err != nil {
		return nil, fmt.Errorf("verifier: rules sync: %w", err)
	}
	data, err := rules.MarshalSetInfo(set, rules.SetInfo{Source: o.URL, Version: l.Version, Synced: now().UTC()})
	if err != nil {
		return nil, err
	}
	vsFiles, vsProblems, err := fetchValueSets(ctx, client, o.URL, o.Anchor, now())
	if err != nil {
		return nil, err
	}
	res.Problems = append(res.Problems, vsProblems...)
	if err := writeAtomic(o.Dir, rules.SetFile, data); err != nil {
		return nil, err
	}
	if len(vsFiles) > 0 {
		if err := os.MkdirAll(filepath.Join(o.Dir, ValueSetsDir), 0o755); err != nil {
			return nil, fmt.Errorf("verifier: %w", err)
		}
		names := make([]string, 0, len(vsFiles))
		for name := range vsFiles {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := writeAtomic(filepath.Join(o.Dir, ValueSetsDir), name+".tsv", vsFiles[name]); err != nil {
				return nil, err
			}
		}
	}
	res.Version, res.Rules, res.Countries, res.ValueSets = l.Version, set.Len(), len(countries), len(vsFiles)
	return res, nil
}

// checkRuleEntry checks one rule entry's CMS and content.
func checkRuleEntry(e *trust.ListEntry, uploads trust.Uploads) (*rules.Rule, error) {
	if err := uploads.CheckEntry(e); err != nil {
		return nil, err
	}
	r, err := rules.ParseRule(e.Data)
	if err != nil {
		return nil, err
	}
	if r.Country != e.Country || rules.EntryID(r) != e.ID {
		return nil, fmt.Errorf("the rule is %s of %s, but the entry is %s of %s", rules.EntryID(r), r.Country, e.ID, e.Country)
	}
	return r, nil
}

// valueSetID is the form of a value-set entry ID (it names a file).
var valueSetID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// fetchValueSets gets the gateway's value sets: file name to content, each
// checked by valueset.Parse.
func fetchValueSets(ctx context.Context, client *http.Client, base string, anchor *x509.Certificate, now time.Time) (map[string][]byte, []trust.ListProblem, error) {
	l, _, _, err := fetchList(ctx, client, base, "/v1/valuesets", 0, "", anchor, now, "sync /v1/valuesets")
	if err != nil {
		return nil, nil, err
	}
	files := map[string][]byte{}
	var problems []trust.ListProblem
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Deleted || e.Kind != "valueset" {
			continue
		}
		if !valueSetID.MatchString(e.ID) {
			problems = append(problems, trust.ListProblem{Kind: e.Kind, ID: e.ID, Reason: "the value set's id is not a file name"})
			continue
		}
		if _, err := valueset.Parse(bytes.NewReader(e.Data)); err != nil {
			problems = append(problems, trust.ListProblem{Kind: e.Kind, ID: e.ID, Reason: err.Error()})
			continue
		}
		files[e.ID] = e.Data
	}
	return files, problems, nil
}

// LoadValueSets returns the value sets of a data directory: the embedded
// defaults, each set replaced by that of a synced file of dir/valuesets/
// that defines it (files in name order). A file that does not parse is
// skipped; an empty dir gives the defaults.
func LoadValueSets(dir string) *valueset.Sets {
	if dir == "" {
		return valueset.Default()
	}
	files, _ := filepath.Glob(filepath.Join(dir, ValueSetsDir, "*.tsv"))
	if len(files) == 0 {
		return valueset.Default()
	}
	sort.Strings(files)
	sets := []*valueset.Sets{valueset.Default()}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		s, err := valueset.Parse(fh)
		fh.Close()
		if err == nil {
			sets = append(sets, s)
		}
	}
	return valueset.Merge(sets...)
}

// RulesSource is the service's source of acceptance rules (Source): it
// syncs with SyncRules and loads dir/rules.json into Options.Rules, with
// the value sets of dir (LoadValueSets) in Options.ValueSets too.
func RulesSource() Source {
	return Source{
		Name: "rules",
		Sync: func(ctx context.Context, o SyncOptions) error {
			_, err := SyncRules(ctx, o)
			return err
		},
		Load: func(dir string, o *verify.Options) (DataStatus, error) {
			if _, err := os.Stat(filepath.Join(dir, rules.SetFile)); errors.Is(err, os.ErrNotExist) {
				return DataStatus{}, nil
			}
			set, err := rules.LoadDir(dir)
			if err != nil {
				return DataStatus{}, err
			}
			info, _ := rules.ReadSetInfo(dir)
			vs := LoadValueSets(dir)
			o.Rules = rules.NewEvaluator(set, rules.EvaluatorOptions{ValueSets: vs})
			o.ValueSets = vs
			return DataStatus{Present: true, Version: fmt.Sprint(info.Version), Updated: info.Synced, Source: info.Source,
				Detail: fmt.Sprintf("%d rule versions", set.Len())}, nil
		},
	}
}

// writeAtomic writes dir/name through a temporary file and a rename.
func writeAtomic(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("verifier: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("verifier: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("verifier: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("verifier: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("verifier: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("verifier: %w", err)
	}
	return nil
}
