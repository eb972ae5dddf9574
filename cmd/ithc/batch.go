package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/issue"
	"github.com/ithc/ithc/render/html"
	"github.com/ithc/ithc/render/pdf"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/view"
	"github.com/ithc/ithc/trust"
)

// batchFlags are the flags of "ithc issue --batch".
type batchFlags struct {
	file    *string
	out     *string
	formats *string
	lang    *string
	workers *int
}

func addBatchFlags(fs *flag.FlagSet) *batchFlags {
	return &batchFlags{
		file:    fs.String("batch", "", "issue every record of a CSV or NDJSON file (with --out; see docs/forms.md)"),
		out:     fs.String("out", "", "with --batch: the output directory (resumable: records done are skipped)"),
		formats: fs.String("formats", "txt", "with --batch: files per record, of txt, png, svg, pdf, html"),
		lang:    fs.String("lang", view.DefaultPair, "with --batch: language pair of the pdf and html files"),
		workers: fs.Int("workers", 0, "with --batch: records issued at once (default: one per core)"),
	}
}

// batchFormats returns the formats named in list.
func batchFormats(list, lang string) ([]issue.Format, error) {
	pair, err := view.ParsePair(lang)
	if err != nil {
		return nil, usageError("--lang: %v", err)
	}
	var out []issue.Format
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if seen[name] {
			continue
		}
		seen[name] = true
		f := issue.Format{Ext: name}
		switch name {
		case "txt":
			f = issue.Text
		case "png", "svg":
			svg := name == "svg"
			f.Render = func(_ *healthcert.Certificate, code string) ([]byte, error) {
				c, err := qr.Encode(code, qr.Options{})
				if err != nil {
					return nil, err
				}
				var b bytes.Buffer
				if svg {
					err = c.WriteSVG(&b, qr.ImageOptions{ModulePixels: 4})
				} else {
					err = c.WritePNG(&b, qr.ImageOptions{ModulePixels: 4})
				}
				return b.Bytes(), err
			}
		case "pdf":
			f.Render = func(c *healthcert.Certificate, code string) ([]byte, error) {
				return pdf.Bytes(c, code, pdf.Options{Languages: pair})
			}
		case "html":
			f.Render = func(c *healthcert.Certificate, code string) ([]byte, error) {
				return html.Bytes(c, code, html.Options{Languages: pair})
			}
		default:
			return nil, withHint(usageError("--formats: unknown format %q", name), "choose among txt, png, svg, pdf, html")
		}
		out = append(out, f)
	}
	return out, nil
}

// runBatch runs "ithc issue --batch FILE --out DIR".
func runBatch(bf *batchFlags, pos []string, keyPath, certPath string, validFor time.Duration, now string, asDCC bool, stderr io.Writer) error {
	if *bf.out == "" {
		return usageError("--batch needs --out DIR")
	}
	if len(pos) > 0 {
		return usageError("--batch reads its records from the file; unexpected argument %q", pos[0])
	}
	formats, err := batchFormats(*bf.formats, *bf.lang)
	if err != nil {
		return err
	}
	var fixed time.Time
	if now != "" {
		if fixed, err = time.Parse(time.RFC3339, now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	var read func(io.Reader, func(issue.Record) error) error
	switch strings.ToLower(filepath.Ext(*bf.file)) {
	case ".csv":
		read = issue.ReadCSV
	case ".ndjson", ".jsonl", ".json":
		read = issue.ReadNDJSON
	default:
		return withHint(usageError("--batch %s: unknown kind of file", *bf.file), "name it .csv or .ndjson")
	}
	in, err := os.Open(*bf.file)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	signer, err := openKey(keyPath)
	if err != nil {
		return err
	}
	defer signer.Close()
	dscPEM, err := limits.ReadFile(certPath, limits.MaxCertificatePEM)
	if err != nil {
		return err
	}
	certs, err := trust.LoadPEM(bytes.NewReader(dscPEM))
	if err != nil {
		return err
	}
	if len(certs) != 1 {
		return fmt.Errorf("%s holds %d certificates; give the one document signer certificate", certPath, len(certs))
	}
	dsc := certs[0]
	country := ""
	if len(dsc.Subject.Country) > 0 {
		country = dsc.Subject.Country[0]
	}

	// Progress: a bar on stderr when it is a terminal, quiet otherwise.
	counted := &countingReader{r: in}
	bar := newProgressBar(stderr, info.Size(), counted)
	b := &issue.Batch{
		Dir:     *bf.out,
		Country: country,
		Formats: formats,
		Workers: *bf.workers,
		Sign: func(c *healthcert.Certificate) (string, error) {
			return issueCode(c, signer, dsc, c.IssuedAt, validFor, asDCC)
		},
		Progress: bar.update,
	}
	if !fixed.IsZero() {
		b.Now = func() time.Time { return fixed }
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p, err := b.Run(ctx, func(fn func(issue.Record) error) error { return read(counted, fn) })
	bar.finish(p)
	fmt.Fprintf(stderr, "ithc: %d records: %d issued, %d already done, %d failed (see %s)\n",
		p.Read, p.Issued, p.Skipped, p.Failed, filepath.Join(*bf.out, issue.ErrorsFile))
	switch {
	case errors.Is(err, context.Canceled):
		return withHint(errors.New("interrupted"), "run the same command again to finish the batch; records done are skipped")
	case err != nil:
		return err
	case p.Failed > 0:
		return &exitError{code: 1, err: fmt.Errorf("%d records were not issued", p.Failed)}
	}
	return nil
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressBar draws "[=====>    ] 42% 1234 issued 3 failed 210/s" on a
// terminal, at most ten times a second; on anything else it is silent.
type progressBar struct {
	w     io.Writer
	on    bool
	size  int64
	in    *countingReader
	start time.Time
	last  time.Time
}

func newProgressBar(w io.Writer, size int64, in *countingReader) *progressBar {
	on := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progressBar{w: w, on: on, size: size, in: in, start: time.Now()}
}

func (b *progressBar) update(p issue.Progress) {
	if !b.on || time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.last = time.Now()
	b.draw(p)
}

func (b *progressBar) draw(p issue.Progress) {
	frac := 1.0
	if b.size > 0 {
		frac = min(float64(b.in.n.Load())/float64(b.size), 1)
	}
	const width = 30
	filled := int(frac * width)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	if filled < width {
		bar = bar[:filled] + ">" + bar[filled+1:]
	}
	rate := float64(p.Issued) / max(time.Since(b.start).Seconds(), 1e-3)
	fmt.Fprintf(b.w, "\r[%s] %3.0f%% %d issued %d done before %d failed %.0f/s ", bar, frac*100, p.Issued, p.Skipped, p.Failed, rate)
}

func (b *progressBar) finish(p issue.Progress) {
	if b.on {
		b.draw(p)
		fmt.Fprintln(b.w)
	}
}
