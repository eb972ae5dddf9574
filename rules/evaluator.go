package rules

import (
	"errors"
	"fmt"

	"github.com/ithc/ithc/valueset"
	"github.com/ithc/ithc/verify"
)

// Evaluator applies a Set of rules to certificates: it implements
// verify.RuleEvaluator (set it as verify.Options.Rules). It is safe for
// concurrent use.
type Evaluator struct {
	set       *Set
	valueSets map[string]any
	// needs names the members of the data context the rules read (nil:
	// all), so that the data context holds only those.
	needs *needs
}

// EvaluatorOptions configure NewEvaluator. The zero value uses the
// embedded value sets.
type EvaluatorOptions struct {
	// ValueSets are the value sets rules read as external.valueSets; nil
	// means valueset.Default().
	ValueSets *valueset.Sets
}

// NewEvaluator returns an evaluator of the rules of set.
func NewEvaluator(set *Set, o EvaluatorOptions) *Evaluator {
	vs := o.ValueSets
	if vs == nil {
		vs = valueset.Default()
	}
	return &Evaluator{set: set, valueSets: ValueSetsData(vs), needs: needsOf(set.Rules())}
}

// Set returns the evaluator's rules.
func (e *Evaluator) Set() *Set { return e.set }

// Evaluate evaluates the rules that apply to the certificate of c at c.Now
// (Set.Select: the acceptance rules of c.Country and c.Region, the
// invalidation rules of c.IssuerCountry) and returns one outcome per rule,
// in the order of Select. A rule whose CertificateType does not match the
// certificate is verify.RuleNotApplicable; one whose Logic gives true
// passed, false failed, and anything else or an evaluation error is
// verify.RuleError with the reason in Detail. The data context is built
// once for all rules. Evaluate fails only when c holds no certificate.
func (e *Evaluator) Evaluate(c *verify.RuleContext) ([]verify.RuleOutcome, error) {
	if c == nil {
		return nil, errors.New("rules: nil rule context")
	}
	selected := e.set.Select(Selection{Country: c.Country, Region: c.Region, IssuerCountry: c.IssuerCountry, Now: c.Now})
	if len(selected) == 0 {
		return []verify.RuleOutcome{}, nil
	}
	d, err := data(c, e.valueSets, e.needs)
	if err != nil {
		return nil, err
	}
	vacc, test, rec := certificateTypes(c)
	out := make([]verify.RuleOutcome, len(selected))
	for i, r := range selected {
		o := verify.RuleOutcome{Identifier: r.Identifier, Version: r.Version, Type: r.Type, Country: r.Country,
			Description: r.Descriptions()}
		switch {
		case r.CertificateType == CertVaccination && !vacc, r.CertificateType == CertTest && !test,
			r.CertificateType == CertRecovery && !rec:
			o.Result = verify.RuleNotApplicable
		default:
			o.Result, o.Detail = Run(r, d)
		}
		out[i] = o
	}
	return out, nil
}

// Run evaluates one rule over a data context and returns its result
// (verify.RulePassed, RuleFailed or RuleError) and, for an error, why.
func Run(r *Rule, data any) (result, detail string) {
	if r.expr == nil {
		return verify.RuleError, "the rule has no compiled logic"
	}
	v, err := r.expr.Evaluate(data)
	if err != nil {
		return verify.RuleError, err.Error()
	}
	switch v {
	case true:
		return verify.RulePassed, ""
	case false:
		return verify.RuleFailed, ""
	}
	return verify.RuleError, fmt.Sprintf("the logic gave %s, not a boolean", jsonType(v))
}
