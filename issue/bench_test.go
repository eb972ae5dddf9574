package issue

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/pdf"
)

// BenchmarkBatchPDF issues records as "ithc issue --batch --formats
// txt,pdf" does, one worker per core, into a temporary directory:
// records/s is the throughput of the whole machine, signing, rendering
// and writing included.
func BenchmarkBatchPDF(b *testing.B) {
	s := newSigner(b)
	if _, err := pdf.DefaultFonts(); err != nil {
		b.Fatal(err)
	}
	input := ndjson(b, max(b.N, 1))
	batch := &Batch{
		Dir: b.TempDir(), Sign: s.sign, Country: "CN", Now: func() time.Time { return issueTime },
		Formats: []Format{Text, {Ext: "pdf", Render: func(c *healthcert.Certificate, code string) ([]byte, error) {
			return pdf.Bytes(c, code, pdf.Options{})
		}}},
	}
	b.ResetTimer()
	p, err := batch.Run(context.Background(), func(fn func(Record) error) error { return ReadNDJSON(bytes.NewReader(input), fn) })
	if err != nil || p.Issued != max(b.N, 1) {
		b.Fatalf("%+v, %v", p, err)
	}
	b.ReportMetric(float64(p.Issued)/b.Elapsed().Seconds(), "records/s")
}
