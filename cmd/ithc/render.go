package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/render/html"
	"github.com/ithc/ithc/render/pdf"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/view"
)

const renderSynopsis = `ithc render [--format png|svg|pdf|html] --out FILE [--lang zh,en] [--size SIZE] [--dpi N]
                   [--level L|M|Q|H] [--cert FILE] [CODE|@FILE|-]`

const renderHelp = `
Draws a code as a QR image (png, svg), the paper certificate (pdf, A4) or
the wallet page (html, one self-contained file). The format defaults to the
extension of --out; --out - writes to standard output.

The paper certificate and the wallet page show the certificate's details:
for an HC1 code they are decoded from the code itself, without checking
its signature (verify it with "ithc verify"); for other codes give the
certificate JSON with --cert.

SIZE is the QR code's size: N pixels per module (png, svg; default 8),
Npx for the whole image, Nmm printed at --dpi (default 300); for the paper
certificate Nmm is the printed width of the code, 35 to 60 (default: about
0.5 mm a module).

Examples:
    ithc render --out code.png --size 45mm @code.txt
    ithc render --out certificate.pdf @code.txt
    ithc render --out wallet.html --lang en,fr @code.txt
    ithc render --format pdf --cert cert.json --out shc.pdf 'shc:/5676...'
`

// runRender runs "ithc render": a code in, an image, PDF or page out.
func runRender(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("render", renderSynopsis, stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n%s\nFlags:\n", renderSynopsis, renderHelp)
		fs.PrintDefaults()
	}
	format := fs.String("format", "", "png, svg, pdf or html (default: from the --out extension)")
	out := fs.String("out", "", "output file, - for standard output (required)")
	lang := fs.String("lang", view.DefaultPair, "language pair of the pdf and html forms ("+strings.Join(view.Languages(), ", ")+")")
	size := fs.String("size", "", "QR code size: N pixels per module, Npx, or Nmm")
	dpi := fs.Int("dpi", 0, "resolution for a size in mm, written in png and svg (default 300 with mm)")
	level := fs.String("level", "Q", "QR error correction level: L, M, Q or H")
	certPath := fs.String("cert", "", "certificate JSON to show with a code that is not HC1 (pdf, html)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return withHint(usageError("--out is required"), "give a file name; its extension chooses the format (.png, .svg, .pdf, .html)")
	}
	if *format == "" {
		*format = strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
		if *format == "htm" {
			*format = "html"
		}
	}
	switch *format {
	case "png", "svg", "pdf", "html":
	default:
		return withHint(usageError("unknown format %q", *format), "use --format png, svg, pdf or html")
	}
	lvl, err := qr.ParseLevel(*level)
	if err != nil {
		return usageError("--level: %v", err)
	}
	code, err := readCode(pos, stdin, limits.MaxQRInput)
	if err != nil {
		return err
	}
	imgOpts, qrMM, err := parseSize(*size, *dpi, *format)
	if err != nil {
		return err
	}

	var b bytes.Buffer
	switch *format {
	case "png", "svg":
		c, err := qr.Encode(code, qr.Options{Level: lvl})
		if err != nil {
			return err
		}
		if *format == "png" {
			err = c.WritePNG(&b, imgOpts)
		} else {
			err = c.WriteSVG(&b, imgOpts)
		}
		if err != nil {
			return err
		}
	case "pdf", "html":
		pair, err := view.ParsePair(*lang)
		if err != nil {
			return usageError("--lang: %v", err)
		}
		cert, err := certificateFor(code, *certPath)
		if err != nil {
			return err
		}
		if *format == "pdf" {
			err = pdf.Render(&b, cert, code, pdf.Options{Languages: pair, QR: qr.Options{Level: lvl}, QRMillimetres: qrMM})
		} else {
			err = html.Render(&b, cert, code, html.Options{Languages: pair, QR: qr.Options{Level: lvl}})
		}
		if err != nil {
			return err
		}
	}
	if *out == "-" {
		_, err = stdout.Write(b.Bytes())
		return err
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ithc: wrote %s (%s, %d bytes)\n", *out, *format, b.Len())
	return nil
}

// parseSize reads --size and --dpi for format: image options for png and
// svg, the QR width in millimetres for pdf.
func parseSize(size string, dpi int, format string) (qr.ImageOptions, float64, error) {
	var o qr.ImageOptions
	if dpi < 0 {
		return o, 0, usageError("--dpi %d is negative", dpi)
	}
	o.DPI = dpi
	if size == "" {
		return o, 0, nil
	}
	unit := ""
	num := size
	for _, u := range []string{"px", "mm"} {
		if strings.HasSuffix(size, u) {
			unit, num = u, strings.TrimSuffix(size, u)
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return o, 0, withHint(usageError("--size %q is not a size", size), "write N (pixels per module), Npx or Nmm, such as 8, 400px or 45mm")
	}
	switch format {
	case "html":
		return o, 0, usageError("--size does not apply to the wallet page, which fits the code to the screen")
	case "pdf":
		if unit != "mm" {
			return o, 0, usageError("--size for a pdf is the printed width of the code in mm, such as 45mm")
		}
		return o, v, nil
	}
	switch unit {
	case "mm":
		o.Millimetres = v
	case "px":
		if v != float64(int(v)) {
			return o, 0, usageError("--size %q: pixels are whole numbers", size)
		}
		o.Pixels = int(v)
	default:
		if v != float64(int(v)) {
			return o, 0, usageError("--size %q: pixels per module are whole numbers", size)
		}
		o.ModulePixels = int(v)
	}
	return o, 0, nil
}

// certificateFor returns the certificate that a form of code shows: the
// content of an HC1 code, decoded without trust, or the JSON of certPath
// for another code.
func certificateFor(code, certPath string) (*healthcert.Certificate, error) {
	if strings.HasPrefix(code, hc1.Prefix) {
		c, err := hc1.Parse(code)
		if err != nil {
			return nil, withHint(err, "the code must decode to show its details; \"ithc inspect\" shows where it fails")
		}
		var cert *healthcert.Certificate
		switch {
		case c.Native != nil:
			cert = c.Native
		case c.DCC != nil:
			if cert, err = c.DCC.Certificate(); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("the code carries no certificate")
		}
		// What the payload leaves out comes from the CWT claims.
		if cert.Issuer.Country == "" {
			cert.Issuer.Country = c.Claims.Issuer
		}
		if cert.IssuedAt.IsZero() {
			cert.IssuedAt = c.Claims.IssuedAt
		}
		if cert.ExpiresAt.IsZero() {
			cert.ExpiresAt = c.Claims.ExpiresAt
		}
		return cert, nil
	}
	if certPath == "" {
		return nil, withHint(usageError("the details of a code that is not HC1 cannot be decoded"), "give the certificate JSON with --cert")
	}
	data, err := limits.ReadFile(certPath, limits.MaxJSONInput)
	if err != nil {
		return nil, err
	}
	return healthcert.ParseJSON(data)
}
