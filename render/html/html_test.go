package html

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	stdhtml "html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/qr/qrtest"
	"github.com/ithc/ithc/render/view"
	"github.com/ithc/ithc/scan"
)

// svgOf returns the inline SVG element of a page.
func svgOf(t *testing.T, page []byte) []byte {
	t.Helper()
	i, j := bytes.Index(page, []byte("<svg")), bytes.Index(page, []byte("</svg>"))
	if i < 0 || j < i || bytes.Count(page, []byte("<svg")) != 1 {
		t.Fatal("the page has not exactly one inline svg")
	}
	return page[i : j+len("</svg>")]
}

// scanSVG rasterises the page's QR code and reads it with package scan.
func scanSVG(t *testing.T, page []byte) string {
	t.Helper()
	img, err := qrtest.RasterSVG(svgOf(t, page), 3)
	if err != nil {
		t.Fatal(err)
	}
	text, err := scan.Image(img)
	if err != nil {
		t.Fatalf("scan of the page's svg: %v", err)
	}
	return text
}

// TestEveryEventMix writes the page of a certificate of every mix of
// event types, reads the QR code back from its SVG and verifies it.
func TestEveryEventMix(t *testing.T) {
	s := qrtest.NewSigner(t)
	for i, mix := range qrtest.EventMixes() {
		c := qrtest.Certificate(qrtest.Names[i%len(qrtest.Names)], mix...)
		code := s.Sign(t, c)
		page, err := Bytes(c, code, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := scanSVG(t, page); got != code {
			t.Fatalf("mix %v: the page's QR code reads %.40q…", mix, got)
		}
		r := s.Verify(t, code)
		if len(r.Certificate.Events) != len(mix) || strings.Count(string(page), `<article class="event">`) != len(mix) {
			t.Errorf("mix %v: %d events verified, %d shown", mix, len(r.Certificate.Events), strings.Count(string(page), `<article class="event">`))
		}
	}
}

// TestZbar reads the page's QR code, rasterised, with zbarimg.
func TestZbar(t *testing.T) {
	s := qrtest.NewSigner(t)
	c := qrtest.Certificate(qrtest.Names[1], qrtest.EventTypes...)
	code := s.Sign(t, c)
	page, err := Bytes(c, code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := qrtest.RasterSVG(svgOf(t, page), 2)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "page-qr.png")
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := qrtest.ZbarTexts(t, []string{f}); got[0] != code {
		t.Errorf("zbarimg read %.40q…", got[0])
	}
}

// external matches anything that would make a browser fetch: URLs with a
// scheme or protocol-relative, and the elements and CSS that load.
var external = regexp.MustCompile(`(?i)(https?:|ftp:|//[a-z0-9]|\bsrc\s*=|\bhref\s*=|url\(|@import|<link|<img|<iframe|<object|<embed|<audio|<video|<source)`)

func TestSelfContained(t *testing.T) {
	c := qrtest.Certificate(qrtest.Names[0], qrtest.EventTypes...)
	page, err := Bytes(c, "HC1:TEST", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The SVG namespace is a name, not a fetch.
	s := strings.Replace(string(page), `xmlns="http://www.w3.org/2000/svg"`, "", 1)
	// Comments of the script are not addresses either; none hold one.
	if m := external.FindAllString(s, -1); m != nil {
		t.Errorf("the page refers outside itself: %q", m)
	}
	if !strings.Contains(s, `content="default-src &#39;none&#39;;`) {
		t.Error("no Content-Security-Policy forbidding fetches")
	}
	// The policy's hashes are those of the inline style and script.
	for _, tag := range []string{"style", "script"} {
		re := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`)
		m := re.FindAllStringSubmatch(s, -1)
		if len(m) != 1 {
			t.Fatalf("%d <%s> elements, want 1", len(m), tag)
		}
		sum := sha256.Sum256([]byte(m[0][1]))
		if h := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); !strings.Contains(s, tag+"-src &#39;"+h) {
			t.Errorf("the policy does not allow the page's %s by its hash %s", tag, h)
		}
	}
	if !strings.Contains(s, `<meta name="viewport" content="width=device-width, initial-scale=1">`) {
		t.Error("no viewport for small screens")
	}
}

func TestEscaping(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`</style><svg onload=alert(1)>`,
		`Tom & Jerry's "shop"`,
	}
	for _, h := range hostile {
		c := qrtest.Certificate(healthcert.Name{Family: h, Given: "Anna", FamilyICAO: "X", GivenICAO: "ANNA"}, healthcert.TypeAntigenTest)
		c.Events[0].(*healthcert.AntigenTest).Centre = h
		page, err := Bytes(c, "HC1:TEST", Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := string(page)
		if strings.Count(s, "<script") != 1 || strings.Contains(s, "<img") || strings.Count(s, "<svg") != 1 || strings.Count(s, "</style>") != 1 {
			t.Errorf("%q: markup injected into the page", h)
		}
		// Unescaped, the page shows the text as it was.
		if n := strings.Count(stdhtml.UnescapeString(s), h); n < 2 {
			t.Errorf("%q: shown %d times, want in the name and the centre", h, n)
		}
	}
}

func TestLanguageSwitch(t *testing.T) {
	c := qrtest.Certificate(qrtest.Names[3], healthcert.TypeVaccination)
	page, err := Bytes(c, "HC1:TEST", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{
		`<html lang="zh">`,
		`<input class="sr" type="radio" name="lang" id="lang1" value="zh" checked>`,
		`<input class="sr" type="radio" name="lang" id="lang2" value="en">`,
		`<label for="lang1" lang="zh">中文</label><label for="lang2" lang="en">English</label>`,
		`<h1><span class="l1" lang="zh">国际旅行健康证明</span><span class="l2" lang="en">International Travel Health Certificate</span></h1>`,
		`<span class="l1" lang="zh">第 2 剂，共 2 剂</span><span class="l2" lang="en">Dose 2 of 2</span>`,
		"Иванова, Анна",
		"#lang1:checked~main .l2,#lang2:checked~main .l1{display:none}",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	p, err := view.ParsePair("fr")
	if err != nil {
		t.Fatal(err)
	}
	page, err = Bytes(c, "HC1:TEST", Options{Languages: p})
	if err != nil {
		t.Fatal(err)
	}
	s = string(page)
	if strings.Contains(s, `type="radio"`) || strings.Contains(s, `class="l2"`) || !strings.Contains(s, "<h1>Certificat international de santé pour les voyages</h1>") {
		t.Error("a one-language page has a switch or second-language texts")
	}
}

func TestErrors(t *testing.T) {
	c := qrtest.Certificate(qrtest.Names[0], healthcert.TypeVaccination)
	if _, err := Bytes(c, "", Options{}); err == nil {
		t.Error("no code: no error")
	}
	if _, err := Bytes(c, "HC1:\x00", Options{}); err == nil || !strings.Contains(err.Error(), "html: code: control character") {
		t.Errorf("control character in the code: %v", err)
	}
	if _, err := Bytes(nil, "HC1:X", Options{}); !errors.Is(err, view.ErrInput) {
		t.Errorf("no certificate: %v", err)
	}
	var b bytes.Buffer
	if err := Render(&b, c, "HC1:X", Options{}); err != nil || !bytes.HasPrefix(b.Bytes(), []byte("<!DOCTYPE html>")) {
		t.Errorf("Render: %v", err)
	}
}
