// Package html writes the wallet page of a certificate: one self-contained
// HTML file that a traveller keeps on a phone and shows at a border. It
// holds the QR code (inline SVG), the details of the certificate (the
// view.Form that the paper certificate prints too) and a switch between
// the two languages of the pair.
//
// Start with Render.
//
// # Decisions
//
//   - Self-contained and offline: styles, the QR code and the small script
//     are inline; the page loads nothing (no font, image, script or style
//     from anywhere), and its Content-Security-Policy forbids every fetch
//     and allows only its own style sheet and script, by their SHA-256
//     hashes, so a page opened from a phone's files works in flight mode
//     and leaks nothing about its holder.
//   - The language switch is two radio buttons styled as a toggle, so it
//     works with scripts disabled; the script (allowed by its hash in the
//     policy, nothing else may run) only updates the page's lang attribute
//     for screen readers.
//   - html/template escapes every value in its context; the certificate's
//     texts are checked by package view first (no control or
//     bidirectional-override characters, bounded lengths).
//   - Small screens first: one column, events as cards rather than a
//     table, the QR code as wide as the screen allows (at most 90 mm), dark
//     modules on white whatever the phone's colour scheme, since scanners
//     need that contrast.
//   - The QR text is on the page too (folded), for verifiers that read
//     text pasted from a message.
package html

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the template, style and script
	"encoding/base64"
	"fmt"
	"html/template"
	"io"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/render/view"
	"github.com/ithc/ithc/valueset"
)

var (
	//go:embed wallet.html.tmpl
	pageTemplate string
	//go:embed wallet.css
	style string
	//go:embed wallet.js
	script string
)

// csp is the page's Content-Security-Policy: nothing may be fetched, and
// only the page's own style sheet and script, by their hashes, apply.
var csp = "default-src 'none'; style-src " + hashSource(style) + "; script-src " + hashSource(script) +
	"; img-src 'none'; base-uri 'none'; form-action 'none'"

func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var page = template.Must(template.New("wallet").Parse(pageTemplate))

// Options tune Render. The zero Options write a page in Chinese and
// English with the embedded value sets and the QR code at level Q.
type Options struct {
	// Languages is the language pair; the zero Pair is view.DefaultPair.
	Languages view.Pair
	// Sets name the codes of events; nil means valueset.Default.
	Sets *valueset.Sets
	// QR options for the code; the zero value is level Q.
	QR qr.Options
}

// data is what the template shows.
type data struct {
	Form   *view.Form
	Lang   [2]string // codes of the pair's languages ("" when one)
	Names  [2]string // their own names, for the switch
	Title  string
	Code   string
	SVG    template.HTML
	Style  template.CSS
	Script template.JS
	CSP    string
}

// langText is a Text with the language codes of its two halves.
type langText struct {
	First, Second, Lang1, Lang2 string
}

// T returns t with the pair's language codes, for the "text" template.
func (d data) T(t view.Text) langText {
	return langText{t.First, t.Second, d.Lang[0], d.Lang[1]}
}

// Render writes the wallet page of c, with code (the signed QR text) as
// its QR code, to w.
func Render(w io.Writer, c *healthcert.Certificate, code string, o Options) error {
	b, err := Bytes(c, code, o)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("html: write: %w", err)
	}
	return nil
}

// Bytes returns the wallet page as Render writes it.
func Bytes(c *healthcert.Certificate, code string, o Options) ([]byte, error) {
	if code == "" {
		return nil, fmt.Errorf("html: no code to show")
	}
	if err := view.CheckText(code); err != nil {
		return nil, fmt.Errorf("html: code: %v", err)
	}
	form, err := view.New(c, o.Languages, o.Sets)
	if err != nil {
		return nil, err
	}
	q, err := qr.Encode(code, o.QR)
	if err != nil {
		return nil, err
	}
	var svg bytes.Buffer
	if err := q.WriteSVG(&svg, qr.ImageOptions{ModulePixels: 4}); err != nil {
		return nil, err
	}
	d := data{
		Form:   form,
		Title:  form.Title.First,
		Code:   code,
		SVG:    template.HTML(svg.String()), // written by package qr: numbers only
		Style:  template.CSS(style),
		Script: template.JS(script),
		CSP:    csp,
	}
	if form.Name != "" {
		d.Title += " — " + form.Name
	}
	d.Lang[0], d.Names[0] = form.Pair.First.Code, form.Pair.First.Name
	if form.Pair.Second != nil {
		d.Lang[1], d.Names[1] = form.Pair.Second.Code, form.Pair.Second.Name
	}
	var out bytes.Buffer
	if err := page.Execute(&out, d); err != nil {
		return nil, fmt.Errorf("html: %w", err)
	}
	return out.Bytes(), nil
}
