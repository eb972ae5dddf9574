package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ithc/ithc/internal/jsonw"
	"github.com/ithc/ithc/internal/limits"
)

// SetFile is the name of a verifier's local copy of the rules in its data
// directory (written by verifier.SyncRules, read by LoadDir).
const SetFile = "rules.json"

// ParseSet reads a rule set file: a JSON object {"rules": [rule, ...]}
// (the form of rules.json and of MarshalSet; rules.json adds "source",
// "version" and "synced", which SetInfo reads) or a JSON array of rules.
// Every rule must pass ParseRule; the error names the first that does not
// by its index.
func ParseSet(data []byte) (*Set, error) {
	if len(data) > limits.MaxRuleSetBytes {
		return nil, fmt.Errorf("rules: rule set of %d bytes, more than %d", len(data), limits.MaxRuleSetBytes)
	}
	v, err := decodeJSON(data, limits.MaxRuleDepth+2)
	if err != nil {
		return nil, fmt.Errorf("rules: rule set: json: %v", err)
	}
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case map[string]any:
		for k := range x {
			if k != "rules" && !setInfoMembers[k] {
				return nil, fmt.Errorf("rules: rule set: unknown member %q", k)
			}
		}
		var ok bool
		if list, ok = x["rules"].([]any); !ok {
			return nil, errors.New("rules: rule set: want a \"rules\" array")
		}
	default:
		return nil, fmt.Errorf("rules: rule set is %s, want an object or an array", jsonType(v))
	}
	if len(list) > limits.MaxRuleSet {
		return nil, fmt.Errorf("rules: rule set of %d rules, more than %d", len(list), limits.MaxRuleSet)
	}
	rules := make([]*Rule, 0, len(list))
	for i, item := range list {
		raw, err := jsonw.Marshal(item)
		if err != nil {
			return nil, fmt.Errorf("rules: rule set: rules[%d]: %v", i, err)
		}
		r, err := ruleFromValue(item, raw)
		if err != nil {
			return nil, fmt.Errorf("rules: rule set: rules[%d]: %w", i, err)
		}
		rules = append(rules, r)
	}
	return NewSet(rules...)
}

// setInfoMembers are the members of rules.json besides "rules".
var setInfoMembers = map[string]bool{"source": true, "version": true, "synced": true}

// SetInfo is what rules.json records of its origin.
type SetInfo struct {
	// Source is the gateway (or static export) URL it was synced from.
	Source string `json:"source,omitempty"`
	// Version is the gateway's list version.
	Version int64 `json:"version,omitempty"`
	// Synced is when the sync succeeded.
	Synced time.Time `json:"synced,omitzero"`
}

// MarshalSetInfo writes a set as rules.json: info and the rules.
func MarshalSetInfo(s *Set, info SetInfo) ([]byte, error) {
	list := s.Rules()
	if list == nil {
		list = []*Rule{}
	}
	return json.MarshalIndent(struct {
		SetInfo
		Rules []*Rule `json:"rules"`
	}{info, list}, "", " ")
}

// ReadSetInfo returns the SetInfo of dir/rules.json (zero when it has
// none).
func ReadSetInfo(dir string) (SetInfo, error) {
	var info SetInfo
	data, err := readFile(filepath.Join(dir, SetFile), limits.MaxRuleSetBytes)
	if err != nil {
		return info, err
	}
	err = json.Unmarshal(data, &info)
	return info, err
}

// MarshalSet writes a set as {"rules": [...]}, every version, by
// Identifier, newest first.
func MarshalSet(s *Set) ([]byte, error) {
	list := s.Rules()
	if list == nil {
		list = []*Rule{}
	}
	return json.MarshalIndent(struct {
		Rules []*Rule `json:"rules"`
	}{list}, "", " ")
}

// LoadDir reads the rules of a verifier's data directory (dir/rules.json,
// as verifier.SyncRules writes it).
func LoadDir(dir string) (*Set, error) {
	data, err := readFile(filepath.Join(dir, SetFile), limits.MaxRuleSetBytes)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	s, err := ParseSet(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, SetFile), err)
	}
	return s, nil
}

// Load reads rules from path: a file holding one rule or a rule set
// (ParseSet), or a folder. A folder holding rules.json is read as LoadDir
// reads it; any other folder is searched for *.json files at any depth
// (test files in a "tests" folder and valuesets/ are skipped), each one
// rule or a rule set.
func Load(path string) (*Set, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if !st.IsDir() {
		data, err := readFile(path, limits.MaxRuleSetBytes)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		rules, err := parseRules(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return NewSet(rules...)
	}
	if _, err := os.Stat(filepath.Join(path, SetFile)); err == nil {
		return LoadDir(path)
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && (d.Name() == "tests" || d.Name() == "valuesets") {
			return filepath.SkipDir
		}
		if !d.IsDir() && filepath.Ext(p) == ".json" {
			if files = append(files, p); len(files) > limits.MaxRuleSet {
				return fmt.Errorf("more than %d rule files", limits.MaxRuleSet)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rules: %s: %w", path, err)
	}
	sort.Strings(files)
	var all []*Rule
	for _, f := range files {
		data, err := readFile(f, limits.MaxRuleSetBytes)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		rules, err := parseRules(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if all = append(all, rules...); len(all) > limits.MaxRuleSet {
			return nil, fmt.Errorf("rules: %s: more than %d rules", path, limits.MaxRuleSet)
		}
	}
	return NewSet(all...)
}

// parseRules reads one rule or a rule set.
func parseRules(data []byte) ([]*Rule, error) {
	v, err := decodeJSON(data, limits.MaxRuleDepth+2)
	if err != nil {
		return nil, fmt.Errorf("rules: json: %v", err)
	}
	if m, ok := v.(map[string]any); ok {
		if _, isRule := m["Identifier"]; isRule {
			r, err := ParseRule(data)
			if err != nil {
				return nil, err
			}
			return []*Rule{r}, nil
		}
	}
	s, err := ParseSet(data)
	if err != nil {
		return nil, err
	}
	return s.Rules(), nil
}
