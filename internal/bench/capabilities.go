package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"runtime"
	"time"

	"github.com/ithc/ithc/envelope"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/rules"
	"github.com/ithc/ithc/verify"
)

// revocationEntries is the size of the revocation figure's index: 10
// million, or 1 million in a quick run.
func (r *runner) revocationEntries() int {
	if r.opts.Quick {
		return 1_000_000
	}
	return 10_000_000
}

// revocationNames returns the names of the revocation figures for n
// entries.
func revocationNames(n int) (lookup, bytes string) {
	s := fmt.Sprintf("%dm", n/1_000_000)
	return "revocation_lookup_" + s, "revocation_bytes_" + s
}

// capabilityFigures measures the figures of the rules engine, the
// encrypted code and the revocation index.
func (r *runner) capabilityFigures() ([]Figure, error) {
	var out []Figure
	if r.selected("rules_eval_20") {
		r.logf("rules_eval_20")
		ev, c, err := rules.BenchSet()
		if err != nil {
			return out, fmt.Errorf("rules_eval_20: %w", err)
		}
		eval := func() error {
			o, err := ev.Evaluate(c)
			if err != nil {
				return err
			}
			for _, x := range o {
				if x.Result != verify.RulePassed {
					return fmt.Errorf("rule %s %s: %s %s", x.Identifier, x.Version, x.Result, x.Detail)
				}
			}
			if len(o) != 20 {
				return fmt.Errorf("%d rules evaluated, want 20", len(o))
			}
			return nil
		}
		// The floor is a raw ECDSA P-256 verification, measured in the same
		// rounds: the rules must cost far less than the signature check.
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return out, err
		}
		floor, err := ecdsaVerifyFloor(key)
		if err != nil {
			return out, err
		}
		runtime.GC()
		p, err := r.meter.interleave(eval, floor, r.budget(pairBudget))
		if err != nil {
			return out, fmt.Errorf("rules_eval_20: %w", err)
		}
		out = append(out, newFigure("rules_eval_20", micros(p.op), "µs", ptr(micros(p.floor)), ptr(p.ratio), atMost(ofValue, 20)))
	}
	if r.selected("verify_encrypted_es256") {
		r.logf("verify_encrypted_es256")
		f, err := envelope.BenchSetup()
		if err != nil {
			return out, fmt.Errorf("verify_encrypted_es256: %w", err)
		}
		op := func(text string) func() error {
			return func() error {
				if res := f.Verifier.Verify(text); res.Status != verify.StatusVerified {
					return fmt.Errorf("verify: %s at stage %s: %s", res.Status, res.Stage, res.Detail)
				}
				return nil
			}
		}
		runtime.GC()
		// µs per decryption and verification of a native code encrypted for
		// three countries, against the verification of the same code plain.
		p, err := r.meter.interleave(op(f.Encrypted), op(f.Plain), r.budget(pairBudget))
		if err != nil {
			return out, fmt.Errorf("verify_encrypted_es256: %w", err)
		}
		out = append(out, newFigure("verify_encrypted_es256", micros(p.op), "µs", ptr(micros(p.floor)), ptr(p.ratio), reportOnly))
	}
	n := r.revocationEntries()
	lookup, bytes := revocationNames(n)
	if r.selected(lookup) || r.selected(bytes) {
		r.logf("%s: building an index of %d entries", lookup, n)
		runtime.GC()
		start := time.Now()
		res := revocation.BenchLookup(n)
		r.logf("%s: %s (%s)", lookup, res, time.Since(start).Round(time.Second))
		if res.FalsePositives != 0 || res.MissedHits != 0 || res.Entries != n {
			return out, fmt.Errorf("%s: %d entries, %d false positives, %d present entries not found", lookup, res.Entries, res.FalsePositives, res.MissedHits)
		}
		if r.selected(lookup) {
			out = append(out, newFigure(lookup, res.NsPerLookup, "ns", nil, nil, atMost(ofValue, 1000)))
		}
		if r.selected(bytes) {
			// The index's fixed part (a bucket table per signer and hash type)
			// weighs on a small index: the 16-byte target is for 10 million
			// entries, and the quick run's million only reports.
			t := atMost(ofValue, 16)
			if n < 10_000_000 {
				t = reportOnly
			}
			out = append(out, newFigure(bytes, res.HeapBytesPerEntry, "B/entry", nil, nil, t))
		}
	}
	return out, nil
}
