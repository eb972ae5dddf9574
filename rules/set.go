package rules

import (
	"fmt"
	"sort"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// Set holds the rules of one or many countries, every version of each
// Identifier, and selects those that apply at a moment. A Set is
// read-only once built and safe for concurrent use.
type Set struct {
	// groups holds, per Identifier, its versions newest first; the groups
	// are sorted by Identifier.
	groups []group
	n      int
}

type group struct {
	id       string
	versions []*Rule
}

// NewSet builds a set of rules. Two rules with the same Identifier and
// Version are an error; so are more than limits.MaxRuleSet rules.
func NewSet(rules ...*Rule) (*Set, error) {
	if len(rules) > limits.MaxRuleSet {
		return nil, fmt.Errorf("rules: %d rules, more than %d", len(rules), limits.MaxRuleSet)
	}
	byID := map[string][]*Rule{}
	for _, r := range rules {
		if r == nil {
			return nil, fmt.Errorf("rules: nil rule")
		}
		for _, o := range byID[r.Identifier] {
			if compareVer(o.ver, r.ver) == 0 {
				return nil, fmt.Errorf("rules: %s version %s appears twice", r.Identifier, r.Version)
			}
		}
		byID[r.Identifier] = append(byID[r.Identifier], r)
	}
	s := &Set{n: len(rules)}
	for id, vs := range byID {
		sort.Slice(vs, func(i, j int) bool { return compareVer(vs[i].ver, vs[j].ver) > 0 })
		s.groups = append(s.groups, group{id: id, versions: vs})
	}
	sort.Slice(s.groups, func(i, j int) bool { return s.groups[i].id < s.groups[j].id })
	return s, nil
}

// Len returns the number of rules, every version counted.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// Rules returns every rule, by Identifier and newest version first.
func (s *Set) Rules() []*Rule {
	if s == nil {
		return nil
	}
	out := make([]*Rule, 0, s.n)
	for _, g := range s.groups {
		out = append(out, g.versions...)
	}
	return out
}

// Versions returns the versions of the rule id, newest first.
func (s *Set) Versions(id string) []*Rule {
	if s == nil {
		return nil
	}
	i := sort.Search(len(s.groups), func(i int) bool { return s.groups[i].id >= id })
	if i < len(s.groups) && s.groups[i].id == id {
		return s.groups[i].versions
	}
	return nil
}

// Selection says which rules apply.
type Selection struct {
	// Country is the destination, whose acceptance rules apply; Region
	// narrows them: a rule without a Region applies in every region, a
	// rule with one only there.
	Country, Region string
	// IssuerCountry is the issuing country, whose invalidation rules
	// apply.
	IssuerCountry string
	// Now is the moment of the check.
	Now time.Time
}

// Select returns the rules that apply: for each Identifier of the
// destination's acceptance rules (of its region or of no region) and of
// the issuer's invalidation rules, the newest version valid at Now
// (ValidFrom ≤ Now ≤ ValidTo). An Identifier none of whose versions is
// valid at Now is left out. The result is ordered by Identifier.
func (s *Set) Select(sel Selection) []*Rule {
	if s == nil {
		return nil
	}
	var out []*Rule
	for _, g := range s.groups {
		for _, r := range g.versions {
			if !applies(r, sel) {
				continue
			}
			if !sel.Now.Before(r.ValidFrom) && !sel.Now.After(r.ValidTo) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func applies(r *Rule, sel Selection) bool {
	switch r.Type {
	case TypeAcceptance:
		return r.Country == sel.Country && (r.Region == "" || r.Region == sel.Region)
	case TypeInvalidation:
		return r.Country == sel.IssuerCountry
	}
	return false
}
