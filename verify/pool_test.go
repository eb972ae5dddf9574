package verify

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/trust"
)

// TestVerifyConcurrentNoAliasing verifies many different codes from
// several goroutines, so that the pooled decoding buffers of Verify are
// reused across codes, and checks that every Result (DCC payload,
// certificate, signer, warnings) is unchanged after later verifications:
// a Result that aliased a pooled buffer would change. Run it with -race.
func TestVerifyConcurrentNoAliasing(t *testing.T) {
	k := testKeys(t)["ES256"]
	store := trust.NewStore()
	if err := store.Add(k.cert, "AT"); err != nil {
		t.Fatal(err)
	}
	v := New(store, Options{Now: now})

	const n = 16
	texts := make([]string, 0, n+2)
	for i := range n {
		var in hc1.SignInput
		if i%4 == 3 {
			c := nativeCert()
			c.ID = fmt.Sprintf("URN:UVCI:01:AT:NATIVE%d", i)
			c.Holder.Name.Family = strings.Repeat("Ä", i+1)
			c.Holder.Name.FamilyICAO = strings.Repeat("AE", i+1)
			in = hc1.SignInput{Native: c}
		} else {
			p := testca.SampleDCC()
			p.Name.Family = "Family" + strings.Repeat("x", i*3)
			p.Name.FamilyICAO = "FAMILY" + strings.Repeat("X", i*3)
			p.Vaccinations[0].ID = fmt.Sprintf("URN:UVCI:01:AT:CODE%d#%d", i, i)
			p.Vaccinations[0].DoseNumber = 1 + i%2
			in = hc1.SignInput{Issuer: "AT", IssuedAt: iat, ExpiresAt: exp, DCC: p}
		}
		texts = append(texts, mustSign(t, k, in))
	}
	// Codes that fail while decoding share the pool too.
	texts = append(texts, "HC1:NOT BASE45 a", texts[0][:len(texts[0])-3])

	want := make([]string, len(texts))
	for i, text := range texts {
		r := v.Verify(text)
		if i < n && r.Status != StatusVerified {
			t.Fatalf("Verify(code %d) = %s (%s), want verified", i, r.Status, r.Detail)
		}
		if i < n && r.Certificate == nil {
			t.Fatalf("Verify(code %d) has no certificate", i)
		}
		want[i] = resultJSON(t, r)
	}

	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan string, workers*len(texts))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results := make([]*Result, len(texts))
			for round := range 3 {
				for j := range texts {
					i := (j*(w+1) + round) % len(texts)
					results[i] = v.Verify(texts[i])
				}
				for i, r := range results {
					if r == nil {
						continue
					}
					if got := resultJSON(t, r); got != want[i] {
						errs <- fmt.Sprintf("worker %d round %d: result of code %d changed:\n got %s\nwant %s", w, round, i, got, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func resultJSON(t *testing.T, r *Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Errorf("json.Marshal(Result) error = %v", err)
	}
	return string(b)
}
