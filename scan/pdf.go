package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// scanPDF rasterises the pages of a PDF with pdftoppm and scans each page:
// every code of every page with all, else the first code found. Pages are
// sized with pdfinfo first, so that no page is rasterised beyond
// limits.MaxImagePixels.
func scanPDF(ctx context.Context, data []byte, opts Options, all bool) ([]Code, error) {
	dpi := opts.DPI
	if dpi == 0 {
		dpi = limits.DefaultScanDPI
	}
	if dpi < limits.MinScanDPI || dpi > limits.MaxScanDPI {
		return nil, fmt.Errorf("scan: pdf resolution %d dpi out of range %d–%d", dpi, limits.MinScanDPI, limits.MaxScanDPI)
	}
	pdftoppm, pdfinfo, err := pdfTools(opts.PDFToolDir)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ithc-scan-")
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	info, err := runTool(ctx, pdfinfo, "-f", "1", "-l", strconv.Itoa(limits.MaxScanPDFPages), in)
	if err != nil {
		return nil, fmt.Errorf("%w: pdfinfo: %v", ErrFormat, err)
	}
	pages, err := parsePDFInfo(info)
	if err != nil {
		return nil, err
	}
	var codes []Code
	unreadable := false
	for i, size := range pages {
		page := i + 1
		found, err := scanPDFPage(ctx, pdftoppm, in, dir, page, size, dpi, all)
		if err != nil && !errors.Is(err, ErrNoCode) && !errors.Is(err, ErrUnreadable) {
			return nil, err
		}
		if errors.Is(err, ErrUnreadable) {
			unreadable = true
		}
		codes = append(codes, found...)
		if len(codes) > 0 && !all {
			return codes, nil
		}
		if len(codes) >= limits.MaxScanCodes {
			return codes[:limits.MaxScanCodes], nil
		}
	}
	if len(codes) == 0 {
		if unreadable {
			return nil, fmt.Errorf("%w on any of the %d pages of the pdf", ErrUnreadable, len(pages))
		}
		return nil, fmt.Errorf("%w on any of the %d pages of the pdf", ErrNoCode, len(pages))
	}
	return codes, nil
}

// scanPDFPage rasterises one page at dpi (lowered to keep it within
// limits.MaxImagePixels) and scans it; where nothing is found it tries
// again at twice the resolution, for codes printed small.
func scanPDFPage(ctx context.Context, pdftoppm, in, dir string, page int, size pageSize, dpi int, all bool) ([]Code, error) {
	var lastErr error
	for _, d := range []int{dpi, 2 * dpi} {
		if d > limits.MaxScanDPI && d != dpi {
			break
		}
		fit := size.fitDPI(d)
		if fit < limits.MinScanDPI {
			return nil, fmt.Errorf("%w: pdf page %d is %.0f × %.0f points, more than %d pixels at %d dpi", ErrTooLarge, page, size.w, size.h, limits.MaxImagePixels, limits.MinScanDPI)
		}
		if d != dpi && fit <= dpi {
			break // no finer resolution fits
		}
		codes, hint, err := rasterScan(ctx, pdftoppm, in, dir, page, fit, all)
		if err == nil {
			return codes, nil
		}
		if !errors.Is(err, ErrNoCode) && !errors.Is(err, ErrUnreadable) {
			return nil, err
		}
		lastErr = err
		if !hint {
			break // nothing like a code on the page
		}
	}
	return nil, lastErr
}

// rasterScan runs pdftoppm for one page at dpi and scans the image; hint
// is scanImageHint's.
func rasterScan(ctx context.Context, pdftoppm, in, dir string, page, dpi int, all bool) (_ []Code, hint bool, _ error) {
	ctx, cancel := context.WithTimeout(ctx, limits.PDFPageTimeout)
	defer cancel()
	prefix := filepath.Join(dir, "page")
	p := strconv.Itoa(page)
	if _, err := runTool(ctx, pdftoppm, "-f", p, "-l", p, "-r", strconv.Itoa(dpi), "-gray", "-png", "-singlefile", in, prefix); err != nil {
		return nil, false, fmt.Errorf("%w: pdftoppm, pdf page %d: %v", ErrFormat, page, err)
	}
	file := prefix + ".png"
	data, err := limits.ReadFile(file, limits.MaxImageBytes)
	os.Remove(file)
	if err != nil {
		return nil, false, fmt.Errorf("%w: pdf page %d at %d dpi: %v", ErrTooLarge, page, dpi, err)
	}
	img, err := decodeImage(data)
	if err != nil {
		return nil, false, fmt.Errorf("%w (pdf page %d at %d dpi)", err, page, dpi)
	}
	codes, hint, err := scanImageHint(img, all)
	if err != nil {
		return nil, hint, fmt.Errorf("%w (pdf page %d at %d dpi)", err, page, dpi)
	}
	for i := range codes {
		codes[i].Page, codes[i].DPI = page, dpi
	}
	return codes, hint, nil
}

// pdfTools finds pdftoppm and pdfinfo in dir, or in PATH when dir is empty.
func pdfTools(dir string) (pdftoppm, pdfinfo string, err error) {
	find := func(name string) (string, error) {
		if dir != "" {
			name = filepath.Join(dir, name)
		}
		return exec.LookPath(name)
	}
	if pdftoppm, err = find("pdftoppm"); err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrNoPDFTool, err)
	}
	if pdfinfo, err = find("pdfinfo"); err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrNoPDFTool, err)
	}
	return pdftoppm, pdfinfo, nil
}

// runTool runs a program and returns its standard output, at most
// limits.MaxPDFToolOutput bytes; a failure carries the first line of its
// standard error.
func runTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	stdout := &cappedBuffer{max: limits.MaxPDFToolOutput}
	stderr := &cappedBuffer{max: limits.MaxPDFToolOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Base(name), ctx.Err())
		}
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.b.String()), "\n")
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%s: %s", filepath.Base(name), msg)
	}
	if stdout.over {
		return nil, fmt.Errorf("%s: more than %d bytes of output", filepath.Base(name), limits.MaxPDFToolOutput)
	}
	return stdout.b.Bytes(), nil
}

// cappedBuffer keeps the first max bytes written to it and notes whether
// there were more.
type cappedBuffer struct {
	b    bytes.Buffer
	max  int
	over bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.b.Len(); room < len(p) {
		c.over = true
		c.b.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.b.Write(p)
}

// pageSize is a PDF page's size in points (1/72 inch).
type pageSize struct{ w, h float64 }

// fitDPI returns dpi, or the highest resolution below it at which the page
// stays within limits.MaxImagePixels.
func (s pageSize) fitDPI(dpi int) int {
	px := s.w / 72 * float64(dpi) * s.h / 72 * float64(dpi)
	if px <= limits.MaxImagePixels {
		return dpi
	}
	return int(float64(dpi) * math.Sqrt(limits.MaxImagePixels/px))
}

// maxPagePoints is the largest page side accepted from pdfinfo, in points:
// PDF 2.0 (ISO 32000-2, annex C) caps pages at 14 400 units, and a user
// unit may enlarge them; anything beyond a few hundred metres is a lie.
const maxPagePoints = 1e6

// parsePDFInfo reads the output of "pdfinfo -f 1 -l N": the "Pages:" line
// and one "Page n size: W x H pts" line for each of the first pages. It
// returns the sizes of all pages, refusing more than
// limits.MaxScanPDFPages pages, sizes that are not positive finite
// numbers, and pages missing from the output.
func parsePDFInfo(out []byte) ([]pageSize, error) {
	total := -1
	sizes := map[int]pageSize{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 4096), limits.MaxPDFToolOutput)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: pdfinfo: bad page count %q", ErrFormat, strings.TrimSpace(v))
			}
			total = n
			continue
		}
		rest, ok := strings.CutPrefix(line, "Page ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		// "1 size: 595.276 x 841.89 pts (A4)"
		if len(f) < 6 || f[1] != "size:" || f[3] != "x" || f[5] != "pts" {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n < 1 || n > limits.MaxScanPDFPages {
			return nil, fmt.Errorf("%w: pdfinfo: bad page number %q", ErrFormat, f[0])
		}
		w, err1 := strconv.ParseFloat(f[2], 64)
		h, err2 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil || !(w > 0 && h > 0 && w <= maxPagePoints && h <= maxPagePoints) {
			return nil, fmt.Errorf("%w: pdfinfo: page %d has a bad size %q × %q", ErrFormat, n, f[2], f[4])
		}
		sizes[n] = pageSize{w, h}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: pdfinfo: %v", ErrFormat, err)
	}
	switch {
	case total < 0:
		return nil, fmt.Errorf("%w: pdfinfo printed no page count", ErrFormat)
	case total == 0:
		return nil, fmt.Errorf("%w: the pdf has no pages", ErrFormat)
	case total > limits.MaxScanPDFPages:
		return nil, fmt.Errorf("%w: the pdf has %d pages (limit %d)", ErrTooLarge, total, limits.MaxScanPDFPages)
	}
	pages := make([]pageSize, total)
	for i := range pages {
		s, ok := sizes[i+1]
		if !ok {
			return nil, fmt.Errorf("%w: pdfinfo gave no size for page %d", ErrFormat, i+1)
		}
		pages[i] = s
	}
	return pages, nil
}
