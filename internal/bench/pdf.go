package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/healthcert/icao"
	"github.com/ithc/ithc/issue"
	"github.com/ithc/ithc/render/pdf"
)

// The budgets of the paper-certificate figures.
var (
	pdfBudget   = budget{quick: 1500 * time.Millisecond, full: 6 * time.Second}
	batchBudget = budget{quick: time.Second, full: 6 * time.Second}
)

// pdfFigures measures render_pdf, the paper certificates (Chinese and
// English, the native three-event certificate) printed per second by
// pdf.Bytes on every core, and issue_batch_pdf, the records per second of
// a batch issuance writing the code text and the PDF of each record
// (issue.Batch, as "ithc issue --batch --formats txt,pdf": parsing,
// signing, rendering, the journal and the files).
func (r *runner) pdfFigures() ([]Figure, error) {
	if !r.selected("render_pdf") && !r.selected("issue_batch_pdf") {
		return nil, nil
	}
	f, err := r.fixtures()
	if err != nil {
		return nil, err
	}
	if _, err := pdf.DefaultFonts(); err != nil {
		return nil, err
	}
	cert := nativeCertificate(f.now.Add(-time.Hour), f.now.Add(30*24*time.Hour))
	var out []Figure
	if r.selected("render_pdf") {
		r.logf("render_pdf")
		runtime.GC()
		rate, _, err := r.meter.throughput(func() error {
			_, err := pdf.Bytes(cert, f.native, pdf.Options{})
			return err
		}, r.procs, r.budget(pdfBudget))
		if err != nil {
			return out, fmt.Errorf("render_pdf: %w", err)
		}
		out = append(out, newFigure("render_pdf", rate, fmt.Sprintf("PDFs/s, %d cores", r.procs), nil, nil, atLeast(ofValue, 200)))
	}
	if r.selected("issue_batch_pdf") {
		r.logf("issue_batch_pdf")
		runtime.GC()
		rate, err := r.batchRate(f, cert)
		if err != nil {
			return out, fmt.Errorf("issue_batch_pdf: %w", err)
		}
		out = append(out, newFigure("issue_batch_pdf", rate, fmt.Sprintf("records/s, %d cores", r.procs), nil, nil, reportOnly))
	}
	return out, nil
}

// batchRate runs batches of records, each into a new directory, and
// returns the records issued per second of the median batch.
func (r *runner) batchRate(f *fixtures, cert *healthcert.Certificate) (float64, error) {
	records := 400
	if r.opts.Quick {
		records = 60
	}
	records = max(int(float64(records)*r.scale), 2)
	// The records as an issuer's file has them: no identifier, no times.
	rec := *cert
	rec.ID, rec.IssuedAt, rec.ExpiresAt = "", time.Time{}, time.Time{}
	line, err := json.Marshal(&rec)
	if err != nil {
		return 0, err
	}
	input := bytes.Repeat(append(line, '\n'), records)
	s := f.es256
	sign := func(c *healthcert.Certificate) (string, error) {
		c.ExpiresAt = c.IssuedAt.Add(30 * 24 * time.Hour)
		if err := icao.Fill(&c.Holder.Name); err != nil {
			return "", err
		}
		if err := c.Validate(); err != nil {
			return "", err
		}
		return hc1.Sign(hc1.SignInput{Native: c}, s.key, hc1.SignOptions{Certificate: s.cert})
	}
	formats := []issue.Format{issue.Text, {Ext: "pdf", Render: func(c *healthcert.Certificate, code string) ([]byte, error) {
		return pdf.Bytes(c, code, pdf.Options{})
	}}}
	d, _, err := r.meter.samples(func() error {
		dir, err := os.MkdirTemp(r.tempDir, "ithc-bench-batch-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		b := &issue.Batch{Dir: dir, Sign: sign, Country: "AT", Formats: formats, Workers: r.procs}
		p, err := b.Run(context.Background(), func(fn func(issue.Record) error) error {
			return issue.ReadNDJSON(bytes.NewReader(input), fn)
		})
		if err != nil {
			return err
		}
		if p.Issued != records || p.Failed != 0 {
			return fmt.Errorf("%d of %d records issued, %d failed (see %s)", p.Issued, records, p.Failed, issue.ErrorsFile)
		}
		return nil
	}, r.budget(batchBudget))
	if err != nil {
		return 0, err
	}
	return float64(records) / d.Seconds(), nil
}
