package convert_test

import (
	"testing"
	"time"

	"github.com/ithc/ithc/convert"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/verify"
)

// FuzzConvert converts any certificate JSON to every format: never a
// panic; on success every event is either in exactly one output or
// skipped, and every output verifies at its certificate's issue time;
// on failure, no result. Seeds are the three-event certificate, its
// events alone, and a recovery.
func FuzzConvert(f *testing.F) {
	p := newPKI(f)
	seed := func(c *healthcert.Certificate) {
		b, err := c.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(threeEvents())
	for i := range threeEvents().Events {
		c := threeEvents()
		c.Events = c.Events[i : i+1]
		seed(c)
	}
	c := threeEvents()
	c.Events = []healthcert.Event{&healthcert.Recovery{Common: covid, FirstPositive: healthcert.Date{Year: 2025, Month: 10, Day: 1},
		ValidFrom: healthcert.Date{Year: 2025, Month: 10, Day: 12}, ValidUntil: healthcert.Date{Year: 2026, Month: 3, Day: 30}}}
	seed(c)
	f.Fuzz(func(t *testing.T, data []byte) {
		cert, err := healthcert.ParseJSON(data)
		if err != nil {
			return
		}
		for _, format := range convert.Formats {
			res, err := convert.Convert(cert, format, p.options())
			if err != nil {
				if res != nil && len(res.Outputs) > 0 {
					t.Fatalf("%s: error %v with %d outputs", format, err, len(res.Outputs))
				}
				continue
			}
			seen := make([]int, len(cert.Events))
			for _, s := range res.Skipped {
				seen[s.Event]++
			}
			for _, o := range res.Outputs {
				for _, i := range o.Events {
					seen[i]++
				}
				if format == convert.JSON {
					continue
				}
				at := res.Certificate.IssuedAt.Add(time.Minute)
				v := verify.NewWithTrust(verify.Trust{HC1: p.hc1, SHC: p.shcKeys, VDSNC: p.anchors}, verify.Options{Now: at, ClockSkew: verify.DefaultClockSkew})
				text := o.QR
				if text == "" {
					text = o.Text
				}
				if r := v.Verify(text); r.Status != verify.StatusVerified {
					t.Fatalf("%s output %v does not verify: %s at %s: %s\n%s", format, o.Events, r.Status, r.Stage, r.Detail, data)
				}
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("%s: event %d is in %d outputs or skips", format, i, n)
				}
			}
		}
	})
}
