package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/scan"
)

// scannedCode is one code of "ithc scan --json".
type scannedCode struct {
	// File is the file the code was read from ("-" for standard input).
	File string `json:"file"`
	// Page is the 1-based PDF page; absent for an image.
	Page int `json:"page,omitempty"`
	// DPI is the resolution the page was rasterised at, which Position's
	// pixels are in; absent for an image.
	DPI int `json:"dpi,omitempty"`
	// Text is the code's content. Content that is not UTF-8 (binary byte
	// segments) is also given exactly in TextBase64.
	Text       string `json:"text"`
	TextBase64 string `json:"text_base64,omitempty"`
	// Position is the symbol's corners in pixels: top left, top right,
	// bottom right and bottom left as the code reads.
	Position [4]point `json:"position"`
}

type point struct {
	X int `json:"x"`
	Y int `json:"y"`
}

const scanSynopsis = "ithc scan [--json] [--dpi N] FILE..."

// runScan runs "ithc scan": print the text of every QR code in images and
// PDF files.
func runScan(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("scan", scanSynopsis, stderr)
	asJSON := fs.Bool("json", false, "print every code as JSON with its file, page and position")
	dpi := fs.Int("dpi", limits.DefaultScanDPI, fmt.Sprintf("resolution PDF pages are rasterised at (%d–%d)", limits.MinScanDPI, limits.MaxScanDPI))
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return withHint(usageError("no file given"), "usage: %s (PNG, JPEG, GIF or PDF; - for standard input)", scanSynopsis)
	}
	if *dpi < limits.MinScanDPI || *dpi > limits.MaxScanDPI {
		return usageError("--dpi %d out of range %d–%d", *dpi, limits.MinScanDPI, limits.MaxScanDPI)
	}
	opts := scan.Options{DPI: *dpi}
	var all []scannedCode
	status := 0
	var hint string
	for _, name := range files {
		codes, err := scanFile(name, stdin, opts)
		if err != nil {
			fmt.Fprintf(stderr, "ithc: error: %s: %v\n", name, err)
			code, h := scanFailure(err)
			status = max(status, code)
			if hint == "" {
				hint = h
			}
			continue
		}
		for _, c := range codes {
			if !*asJSON {
				fmt.Fprintln(stdout, c.Text)
				continue
			}
			sc := scannedCode{File: name, Page: c.Page, DPI: c.DPI, Text: c.Text}
			if !utf8.ValidString(c.Text) {
				sc.TextBase64 = base64.StdEncoding.EncodeToString([]byte(c.Text))
			}
			for i, p := range c.Corners {
				sc.Position[i] = point{p.X, p.Y}
			}
			all = append(all, sc)
		}
	}
	if *asJSON {
		if all == nil {
			all = []scannedCode{}
		}
		if err := writeJSON(stdout, all, ""); err != nil {
			return err
		}
	}
	if status != 0 {
		var err error = &exitError{code: status, err: errors.New("")}
		if hint != "" {
			err = withHint(err, "%s", hint)
		}
		return err
	}
	return nil
}

// scanFile reads every code of one file ("-" is standard input).
func scanFile(name string, stdin io.Reader, opts scan.Options) ([]scan.Code, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return scan.Scan(context.Background(), r, opts)
}

// scanFailure maps a file's error to an exit status (1 nothing read from a
// picture, 2 an input error) and a hint.
func scanFailure(err error) (int, string) {
	switch {
	case errors.Is(err, scan.ErrNoCode):
		return 1, "the picture must show the whole code with its white margin, at least 2 pixels per module; for a PDF try a higher --dpi"
	case errors.Is(err, scan.ErrUnreadable):
		return 1, "a code was found but not read: it is damaged, blurred or cut off; take a sharper, straighter picture"
	case errors.Is(err, scan.ErrNoPDFTool):
		return 2, "install poppler-utils (Debian: apt-get install poppler-utils) to scan PDF files"
	case errors.Is(err, scan.ErrFormat):
		return 2, "ithc scan reads PNG, JPEG, GIF and PDF files"
	}
	return 2, ""
}
