// Package qrtest holds what the tests of the render packages share: a
// rasteriser for the SVG images they write, so that an SVG QR code can be
// scanned back, and the rule for external tools (zbarimg, pdftotext,
// pdftoppm): a test that needs one skips with a clear message when it is
// absent, except under CI=true, where it fails.
//
// The rasteriser reads the subset of SVG that package qr writes and any
// similar file: a root <svg> with a viewBox, <rect> elements and <path>
// elements whose data uses the commands M, L, H, V and Z (absolute or
// relative), filled with the nonzero rule. It is strict: anything else is
// an error rather than a silently different picture.
package qrtest

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Tool returns the path of the external program name. When it is absent
// it skips t with a clear message, or fails t when CI is "true".
func Tool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (Debian package %s; required under CI=true): %v", name, debianPackage, err)
		}
		t.Skipf("%s is absent (install the Debian package %s to run this test): %v", name, debianPackage, err)
	}
	return p
}

// ZbarTexts decodes the QR code of each image file with one zbarimg run
// and returns the text of each, in order ("" where zbar found none, and
// the first code where it found several). It asks for XML so that the
// texts of many files stay apart; zbar reports non-ASCII data in base64
// and converts it from the character set it guesses, so use ZbarBytes for
// data that is not ASCII.
func ZbarTexts(t testing.TB, files []string) []string {
	t.Helper()
	zbar := Tool(t, "zbarimg", "zbar-tools")
	cmd := exec.Command(zbar, append([]string{"--nodbus", "-q", "--xml"}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// zbarimg exits with 4 when some image holds no code; the XML says which.
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 4) {
		t.Fatalf("zbarimg: %v: %s", err, stderr.Bytes())
	}
	var doc struct {
		Sources []struct {
			Href    string `xml:"href,attr"`
			Symbols []struct {
				Type string `xml:"type,attr"`
				Data struct {
					Format string `xml:"format,attr"`
					Text   string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"index>symbol"`
		} `xml:"source"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("zbarimg: reading its XML: %v\n%s", err, out)
	}
	byFile := make(map[string]string, len(files))
	for _, s := range doc.Sources {
		if len(s.Symbols) == 0 {
			continue
		}
		d := s.Symbols[0].Data
		text := d.Text
		if d.Format == "base64" {
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
			if err != nil {
				t.Fatalf("zbarimg: base64 data of %s: %v", s.Href, err)
			}
			text = string(b)
		}
		byFile[s.Href] = text
	}
	texts := make([]string, len(files))
	for i, f := range files {
		texts[i] = byFile[f]
	}
	return texts
}

// ZbarBytes decodes the QR code of one image file with zbarimg and returns
// its data as raw bytes (zbar's binary mode, no character set guessed). A
// file without a code is an error.
func ZbarBytes(t testing.TB, file string) ([]byte, error) {
	t.Helper()
	zbar := Tool(t, "zbarimg", "zbar-tools")
	cmd := exec.Command(zbar, "--nodbus", "-q", "--raw", "-Sbinary", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("zbarimg %s: %v: %s", filepath.Base(file), err, stderr.Bytes())
	}
	return out, nil
}

// RasterSVG draws an SVG image at scale pixels per user unit of its view
// box: white background, every <rect> and <path> filled black unless its
// fill is white ("#fff", "#ffffff", "white").
func RasterSVG(svg []byte, scale float64) (*image.Gray, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var img *image.Gray
	var vb [4]float64
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("qrtest: svg: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(name string) string {
			for _, a := range se.Attr {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
		switch se.Name.Local {
		case "svg":
			if img != nil {
				return nil, errors.New("qrtest: svg: nested <svg>")
			}
			f := strings.Fields(attr("viewBox"))
			if len(f) != 4 {
				return nil, fmt.Errorf("qrtest: svg: viewBox %q", attr("viewBox"))
			}
			for i, s := range f {
				if vb[i], err = strconv.ParseFloat(s, 64); err != nil {
					return nil, fmt.Errorf("qrtest: svg: viewBox: %w", err)
				}
			}
			w, h := int(math.Ceil(vb[2]*scale)), int(math.Ceil(vb[3]*scale))
			if w <= 0 || h <= 0 || w*h > 64<<20 {
				return nil, fmt.Errorf("qrtest: svg: %d×%d pixels", w, h)
			}
			img = image.NewGray(image.Rect(0, 0, w, h))
			for i := range img.Pix {
				img.Pix[i] = 0xFF
			}
		case "rect", "path":
			if img == nil {
				return nil, fmt.Errorf("qrtest: svg: <%s> outside <svg>", se.Name.Local)
			}
			var polys [][]pt
			if se.Name.Local == "rect" {
				x, _ := strconv.ParseFloat(orZero(attr("x")), 64)
				y, _ := strconv.ParseFloat(orZero(attr("y")), 64)
				w, err1 := strconv.ParseFloat(attr("width"), 64)
				h, err2 := strconv.ParseFloat(attr("height"), 64)
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("qrtest: svg: rect of width %q height %q", attr("width"), attr("height"))
				}
				polys = [][]pt{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}}
			} else {
				if polys, err = parsePath(attr("d")); err != nil {
					return nil, err
				}
			}
			v := uint8(0)
			switch strings.ToLower(attr("fill")) {
			case "#fff", "#ffffff", "white":
				v = 0xFF
			}
			fill(img, polys, vb, scale, v)
		}
	}
	if img == nil {
		return nil, errors.New("qrtest: svg: no <svg> element")
	}
	return img, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

type pt struct{ x, y float64 }

// parsePath reads path data of M, L, H, V, Z commands into closed polygons.
func parsePath(d string) ([][]pt, error) {
	var polys [][]pt
	var cur []pt
	var p, start pt
	i := 0
	num := func() (float64, error) {
		for i < len(d) && (d[i] == ' ' || d[i] == ',' || d[i] == '\n' || d[i] == '\t') {
			i++
		}
		j := i
		if j < len(d) && (d[j] == '-' || d[j] == '+') {
			j++
		}
		for j < len(d) && (d[j] >= '0' && d[j] <= '9' || d[j] == '.') {
			j++
		}
		v, err := strconv.ParseFloat(d[i:j], 64)
		if err != nil {
			return 0, fmt.Errorf("qrtest: svg path: number at offset %d: %w", i, err)
		}
		i = j
		return v, nil
	}
	closePoly := func() {
		if len(cur) > 2 {
			polys = append(polys, cur)
		}
		cur = nil
	}
	var cmd byte
	for {
		for i < len(d) && (d[i] == ' ' || d[i] == ',' || d[i] == '\n' || d[i] == '\t') {
			i++
		}
		if i >= len(d) {
			break
		}
		if c := d[i]; strings.IndexByte("MmLlHhVvZz", c) >= 0 {
			cmd = c
			i++
		} else if cmd == 0 || cmd == 'Z' || cmd == 'z' {
			return nil, fmt.Errorf("qrtest: svg path: unexpected %q at offset %d", d[i], i)
		}
		switch cmd {
		case 'M', 'm':
			x, err := num()
			if err != nil {
				return nil, err
			}
			y, err := num()
			if err != nil {
				return nil, err
			}
			closePoly()
			if cmd == 'm' {
				x, y = p.x+x, p.y+y
			}
			p = pt{x, y}
			start = p
			cur = []pt{p}
			cmd = cmd - 'M' + 'L' // further pairs are line-tos
		case 'L', 'l':
			x, err := num()
			if err != nil {
				return nil, err
			}
			y, err := num()
			if err != nil {
				return nil, err
			}
			if cmd == 'l' {
				x, y = p.x+x, p.y+y
			}
			p = pt{x, y}
			cur = append(cur, p)
		case 'H', 'h':
			x, err := num()
			if err != nil {
				return nil, err
			}
			if cmd == 'h' {
				x += p.x
			}
			p.x = x
			cur = append(cur, p)
		case 'V', 'v':
			y, err := num()
			if err != nil {
				return nil, err
			}
			if cmd == 'v' {
				y += p.y
			}
			p.y = y
			cur = append(cur, p)
		case 'Z', 'z':
			closePoly()
			p = start
			cur = []pt{p}
		}
	}
	closePoly()
	return polys, nil
}

// fill paints the union of polys (nonzero winding) with value v, sampling
// each pixel at its centre.
func fill(img *image.Gray, polys [][]pt, vb [4]float64, scale float64, v uint8) {
	type edge struct{ x0, y0, x1, y1 float64 }
	var edges []edge
	for _, poly := range polys {
		for k := range poly {
			a, b := poly[k], poly[(k+1)%len(poly)]
			if a.y != b.y {
				edges = append(edges, edge{a.x, a.y, b.x, b.y})
			}
		}
	}
	type cross struct {
		x   float64
		dir int
	}
	b := img.Bounds()
	var xs []cross
	for py := b.Min.Y; py < b.Max.Y; py++ {
		y := vb[1] + (float64(py)+0.5)/scale
		xs = xs[:0]
		for _, e := range edges {
			lo, hi, dir := e.y0, e.y1, 1
			if lo > hi {
				lo, hi, dir = hi, lo, -1
			}
			if y < lo || y >= hi {
				continue
			}
			x := e.x0 + (y-e.y0)*(e.x1-e.x0)/(e.y1-e.y0)
			xs = append(xs, cross{x, dir})
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i].x < xs[j].x })
		wind := 0
		for k := 0; k+1 < len(xs); k++ {
			wind += xs[k].dir
			if wind == 0 {
				continue
			}
			x0 := int(math.Ceil((xs[k].x-vb[0])*scale - 0.5))
			x1 := int(math.Ceil((xs[k+1].x-vb[0])*scale - 0.5))
			for px := max(x0, b.Min.X); px < min(x1, b.Max.X); px++ {
				img.SetGray(px, py, color.Gray{Y: v})
			}
		}
	}
}
