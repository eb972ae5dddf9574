// Package scan reads the text of QR codes from pictures: PNG, JPEG and GIF
// files, images already in memory, and the pages of PDF files. It is built
// for what a border counter sees: screenshots, photos of phone screens and
// of paper certificates, rotated to any angle, in perspective, blurred,
// noisy, low in contrast, small, several codes in one picture.
//
// Use Decode for the one code of an image or PDF file, DecodeAll for every
// code (with its page and position), Image and ImageAll for an
// image.Image, and Scan for PDFs with options and a context.
//
// # How a picture is read
//
// The reader follows ISO/IEC 18004 (QR code). It has its own locator, made
// for camera pictures, and uses gozxing for the rest (format and version
// information, Reed-Solomon error correction, segments, mirrored symbols)
// and, as a fallback, for detection too. docs/scanning.md gives the
// measurements behind each choice.
//
//   - A pyramid of half resolutions is searched from the first level of at
//     most 0.6 megapixels (where the code of a phone photo has 1.5 to 7
//     pixels per module) down to the full resolution, then up to coarser
//     levels (very large modules). Image stops at the first code; ImageAll
//     searches every level, for small codes beside large ones.
//   - Each level is binarised against the midrange (halfway between the
//     darkest and the lightest block) of a 28-pixel window: it follows
//     uneven light, glare and low contrast, and unlike the mean it keeps a
//     blurred finder's light ring light beside a wide white margin.
//   - Finder patterns are found as 1:1:3:1:1 runs on every row, confirmed
//     vertically, horizontally and diagonally. The most confirmed are then
//     measured on the full resolution: 72 rays from the centre find, each
//     with a threshold of its own, the two edges of the outer dark ring,
//     whose middle lies on the ring's centre line whatever the blur; the
//     corners are where the ring is farthest from the centre, and a line
//     fitted to each side gives the ring's four corners to a tenth of a
//     pixel. Candidates without such a ring (blobs of data or text) drop
//     out here.
//   - Measured finders are grouped in threes that form a right angle with
//     equal sides and module sizes, all within what a 50° tilt allows. The
//     twelve ring corners give the code's homography (its perspective);
//     the version information (versions 7 and up) ranks the candidate
//     widths; the alignment patterns are found by correlation with their
//     template, the nearest first, refitting after each, so that the
//     prediction of the next stays close even in strong perspective; the
//     remaining differences are interpolated between patterns (lens
//     distortion, bent paper). A timing-pattern check rejects wrong fits
//     before sampling.
//   - Every module is sampled on the full resolution at five points and
//     read against the mean of its 9 × 9 module neighbourhood, then against
//     a threshold calibrated on the finders, then by cancelling the blur
//     (deblur.go): a 5 × 5 blur kernel is fitted on the function patterns,
//     whose colours are known, and each data module is decided with its
//     neighbours' contribution taken away.
//   - When nothing is read, the full resolution is searched smoothed (for
//     noise) and sharpened (for blur), and last gozxing's own detector runs
//     as before this locator existed: adaptive then global binarisation, a
//     quiet zone added, inverted, resampled by 5/4 and by 1/2, and as a pure
//     barcode.
//
// Text comes back exactly: numeric and alphanumeric segments (the "HC1:…"
// of an HCERT, the "shc:/…" of a SMART Health Card) as ASCII; byte segments
// as the very bytes encoded, whatever character set the encoder meant (a
// VDS-NC's UTF-8 JSON stays UTF-8), unless the symbol declares one with an
// ECI designator, in which case the text is converted from it to UTF-8.
//
// # Bounds and errors
//
// Inputs are bounded before any pixel is decoded: the encoded size by
// limits.MaxImageBytes (limits.MaxScanPDFBytes for PDFs), the declared width
// × height by limits.MaxImagePixels, read from the header with
// image.DecodeConfig. Work is bounded by limits.MaxScanFinderCandidates
// (more is a pattern, refused), limits.MaxScanGroupedFinders,
// limits.MaxScanSymbolAttempts, limits.MaxScanCodes and, in gozxing's
// detector, limits.MaxQRFinderCandidates; PDFs by limits.MaxScanPDFPages,
// limits.PDFPageTimeout and a resolution lowered to keep every page within
// limits.MaxImagePixels. Errors say what happened: ErrNoCode (nothing like
// a code), ErrUnreadable (a symbol was located, its timing patterns in
// place, but its data did not decode: damaged, too blurred, cut off),
// ErrTooLarge, ErrFormat (not an image or a PDF, or a corrupt one) and
// ErrNoPDFTool (pdftoppm is not installed).
//
// PDF pages are rasterised by pdftoppm and sized with pdfinfo, both from
// poppler-utils (Debian's poppler-utils package; .ci/run installs it), at
// limits.DefaultScanDPI; a page where finder patterns were seen but no code
// read is tried again at twice the resolution.
package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/ithc/ithc/internal/limits"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNoCode means no QR code was found in the image.
	ErrNoCode = errors.New("scan: no qr code found")
	// ErrUnreadable means a QR code was found but could not be decoded
	// (too damaged, blurred or cropped for its error correction).
	ErrUnreadable = errors.New("scan: qr code found but unreadable")
	// ErrTooLarge means the image exceeds limits.MaxImageBytes or
	// limits.MaxImagePixels, or a PDF exceeds limits.MaxScanPDFBytes or
	// limits.MaxScanPDFPages.
	ErrTooLarge = errors.New("scan: image too large")
	// ErrFormat means the input is not a PNG, JPEG, GIF or PDF file, or is
	// a corrupt one.
	ErrFormat = errors.New("scan: not a supported image")
	// ErrNoPDFTool means a PDF was given but pdftoppm or pdfinfo (Debian
	// package poppler-utils) is not installed.
	ErrNoPDFTool = errors.New("scan: pdftoppm and pdfinfo (poppler-utils) are needed to read pdf files")
)

// Code is one QR code found in a picture.
type Code struct {
	// Text is the code's content.
	Text string
	// Page is the 1-based page of a PDF the code is on, 0 in an image.
	Page int
	// DPI is the resolution the PDF page was rasterised at (Corners are in
	// its pixels), 0 in an image.
	DPI int
	// Corners are the symbol's corners in pixels of the image (of the
	// rasterised page), in the symbol's own reading order whatever its
	// rotation in the picture: top left, top right, bottom right, bottom
	// left.
	Corners [4]image.Point
}

// Decode reads an encoded PNG, JPEG, GIF or PDF file from r and returns the
// text of a QR code it shows; for a PDF, the first code of the first page
// that has one. It reads at most limits.MaxImageBytes of an image and
// checks the declared dimensions against limits.MaxImagePixels before
// decoding any pixel. PDFs need pdftoppm (see Scan).
func Decode(r io.Reader) (string, error) {
	data, err := readInput(r)
	if err != nil {
		return "", err
	}
	if isPDF(data) {
		codes, err := scanPDF(context.Background(), data, Options{}, false)
		if err != nil {
			return "", err
		}
		return codes[0].Text, nil
	}
	img, err := decodeImage(data)
	if err != nil {
		return "", err
	}
	return Image(img)
}

// DecodeAll reads an encoded PNG, JPEG, GIF or PDF file from r and returns
// every QR code it shows, in the order found (for a PDF, page by page).
// It is Scan with a background context and the zero Options.
func DecodeAll(r io.Reader) ([]Code, error) {
	return Scan(context.Background(), r, Options{})
}

// Options tune Scan. The zero Options rasterise PDF pages at
// limits.DefaultScanDPI with the pdftoppm and pdfinfo found in PATH.
type Options struct {
	// DPI is the resolution PDF pages are rasterised at, at most
	// limits.MaxScanDPI; zero means limits.DefaultScanDPI.
	DPI int
	// PDFToolDir is the directory holding pdftoppm and pdfinfo; empty
	// means looking them up in PATH.
	PDFToolDir string
}

// Scan reads an encoded PNG, JPEG, GIF or PDF file from r and returns every
// QR code it shows. The context bounds the PDF tools' work (each page is
// also bounded by limits.PDFPageTimeout).
func Scan(ctx context.Context, r io.Reader, opts Options) ([]Code, error) {
	data, err := readInput(r)
	if err != nil {
		return nil, err
	}
	if isPDF(data) {
		return scanPDF(ctx, data, opts, true)
	}
	img, err := decodeImage(data)
	if err != nil {
		return nil, err
	}
	return ImageAll(img)
}

// readInput reads a whole image or PDF file, refusing more than the larger
// of the two caps; the image cap is applied once the kind is known.
func readInput(r io.Reader) ([]byte, error) {
	const most = max(limits.MaxImageBytes, limits.MaxScanPDFBytes)
	data, err := io.ReadAll(io.LimitReader(r, most+1))
	if err != nil {
		return nil, fmt.Errorf("scan: read: %w", err)
	}
	if isPDF(data) {
		if len(data) > limits.MaxScanPDFBytes {
			return nil, fmt.Errorf("%w: pdf of more than %d bytes", ErrTooLarge, limits.MaxScanPDFBytes)
		}
		return data, nil
	}
	if len(data) > limits.MaxImageBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limits.MaxImageBytes)
	}
	return data, nil
}

// isPDF reports whether data starts like a PDF file: "%PDF-" within its
// first 1024 bytes, where PDF readers look for it.
func isPDF(data []byte) bool {
	return bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-"))
}

// decodeImage decodes a PNG, JPEG or GIF image after checking its declared
// size.
func decodeImage(data []byte) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("%w (%s declared size)", err, format)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFormat, format, err)
	}
	return img, nil
}

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: empty image %d×%d", ErrFormat, w, h)
	}
	if int64(w)*int64(h) > limits.MaxImagePixels {
		return fmt.Errorf("%w: %d×%d pixels (limit %d)", ErrTooLarge, w, h, limits.MaxImagePixels)
	}
	return nil
}

// Image returns the text of a QR code shown in img: the first one read,
// searching the fastest way first (see the package documentation).
func Image(img image.Image) (string, error) {
	codes, err := scanImage(img, false)
	if err != nil {
		return "", err
	}
	return codes[0].Text, nil
}

// ImageAll returns every QR code shown in img, at most limits.MaxScanCodes,
// each once, in the order found. It searches every level of resolution, so
// it takes longer than Image.
func ImageAll(img image.Image) ([]Code, error) {
	return scanImage(img, true)
}

func scanImage(img image.Image, all bool) ([]Code, error) {
	codes, _, err := scanImageHint(img, all)
	return codes, err
}

// scanImageHint is scanImage, also reporting whether finder patterns were
// seen where no code was read: a code too small for the resolution may be
// there.
func scanImageHint(img image.Image, all bool) ([]Code, bool, error) {
	if img == nil {
		return nil, false, fmt.Errorf("%w: nil image", ErrFormat)
	}
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return nil, false, err
	}
	p := &plane{pix: luminance(img), w: b.Dx(), h: b.Dy()}
	found, hint, err := scanPlane(p, all)
	if err != nil {
		return nil, hint, err
	}
	codes := make([]Code, len(found))
	for i, f := range found {
		codes[i].Text = f.text
		for j, c := range f.corners {
			codes[i].Corners[j] = image.Pt(b.Min.X+int(math.Round(c.x)), b.Min.Y+int(math.Round(c.y)))
		}
	}
	return codes, hint, nil
}

// minQRPixels is the side of the smallest QR code (version 1, 21 modules)
// at one pixel per module.
const minQRPixels = 21

// pyramidPixels is the size above which a level of the pyramid gets a
// coarser one: a 2-megapixel photo is searched at 0.5 megapixels first.
const pyramidPixels = 600_000

// scanPlane finds the codes of a luminance plane: every code with all,
// else the first. hint reports finder patterns seen (see scanImageHint).
func scanPlane(p *plane, all bool) (_ []decodeResult, hint bool, _ error) {
	w, h := p.w, p.h
	if min(w, h) < minQRPixels {
		return nil, false, fmt.Errorf("%w: a %d×%d image is too small to hold one", ErrNoCode, w, h)
	}
	s := &search{full: p, all: all}
	// The pyramid: halvings while the short side keeps 160 pixels. The
	// search starts at the first level of at most pyramidPixels (where
	// codes of the usual sizes in a photo have 1.5 to 7 pixels per
	// module), goes finer down to the full resolution, then coarser (codes
	// of very large modules).
	levels := []*plane{p}
	for l := p; min(l.w, l.h)/2 >= 160; {
		l = l.half()
		levels = append(levels, l)
	}
	start := 0
	for start < len(levels)-1 && levels[start].w*levels[start].h > pyramidPixels {
		start++
	}
	var order []int
	for i := start; i >= 0; i-- {
		order = append(order, i)
	}
	for i := start + 1; i < len(levels); i++ {
		order = append(order, i)
	}
	for _, i := range order {
		s.pass(levels[i], float64(int(1)<<i), binMidrange)
		if s.done() {
			return s.results, s.sawFinders, nil
		}
	}
	// Noise: the full resolution smoothed (coarser levels are smoothed by
	// their halving already).
	if min(w, h) >= 4*minQRPixels {
		s.pass(p, 1, binSmoothMean)
	}
	if len(s.results) > 0 {
		return s.results, s.sawFinders, nil
	}
	// Blur: the finder patterns' light rings, blurred to grey, come back
	// in the start level and the full resolution sharpened, where the
	// rings are then measured.
	sharp := sharpen(p)
	for _, i := range []int{start, 0}[:min(start+1, 2)] {
		level := sharp
		if i > 0 {
			level = sharpen(levels[i])
		}
		s.passWith(level, float64(int(1)<<i), binMidrangePixels, sharp)
		if len(s.results) > 0 {
			return s.results, s.sawFinders, nil
		}
	}
	if s.patterned {
		// A pass met more finder candidates than the cap.
		return nil, false, errTooManyCandidates
	}
	// gozxing's reader, as before the locator existed.
	res, err := zxingFallback(p.pix, w, h)
	if err == nil {
		return []decodeResult{res}, s.sawFinders, nil
	}
	if s.unreadable != nil {
		_, why, _ := strings.Cut(s.unreadable.Error(), errSymbolUnreadable.Error()+": ")
		return nil, true, fmt.Errorf("%w: %s", ErrUnreadable, why)
	}
	return nil, s.sawFinders, fmt.Errorf("%w in a %d×%d image", ErrNoCode, w, h)
}

// search is the state of one scan across the passes.
type search struct {
	full       *plane
	all        bool
	results    []decodeResult
	unreadable error // the first symbol located but not decoded
	patterned  bool  // a pass met more finder candidates than the cap
	sawFinders bool  // a pass found three finder candidates or more
}

func (s *search) done() bool {
	return (!s.all && len(s.results) > 0) || len(s.results) >= limits.MaxScanCodes
}

// pass binarises one level, finds its finder patterns and decodes the codes
// they outline. A level with more finder candidates than
// limits.MaxScanFinderCandidates (a pattern) is given up.
func (s *search) pass(level *plane, scale float64, mode binMode) {
	s.passWith(level, scale, mode, s.full)
}

// passWith is pass, measuring finder rings on the full-resolution plane
// rings.
func (s *search) passWith(level *plane, scale float64, mode binMode, rings *plane) {
	bin := binarize(level, mode)
	finders, err := findFinders(bin, level.w, level.h)
	if err != nil {
		s.patterned = true
		return
	}
	if len(finders) < 3 {
		return
	}
	s.sawFinders = true
	// The most confirmed candidates are measured on the full resolution;
	// those that show a finder's square ring are grouped, placed and sized
	// by it (run lengths overstate modules seen at an angle).
	var measured []finder
	for _, f := range finders[:min(len(finders), limits.MaxScanGroupedFinders)] {
		r, ok := fitRing(rings, pt{f.x, f.y}.scale(scale), f.module*scale)
		if !ok {
			continue
		}
		f.ring = r
		f.x, f.y = r.centre.x/scale, r.centre.y/scale
		f.module = r.module() / scale
		measured = append(measured, f)
	}
	finders = measured
	if len(finders) < 3 {
		return
	}
	// Finders inside codes already read are not looked at again.
	used := make([]bool, len(finders))
	markInside := func() {
		for i, f := range finders {
			c := pt{f.x, f.y}.scale(scale)
			for _, r := range s.results {
				if insideQuad(c, r.corners) {
					used[i] = true
				}
			}
		}
	}
	markInside()
	l := &locator{full: s.full}
	attempts := 0
	for _, t := range groupFinders(finders) {
		if used[t.tl] || used[t.tr] || used[t.bl] {
			continue
		}
		if attempts >= limits.MaxScanSymbolAttempts {
			break
		}
		attempts++
		res, err := l.decodeTriple(finders, t)
		if err != nil {
			if errors.Is(err, errSymbolUnreadable) && s.unreadable == nil {
				s.unreadable = err
			}
			continue
		}
		s.add(res)
		used[t.tl], used[t.tr], used[t.bl] = true, true, true
		markInside()
		if s.done() {
			return
		}
	}
}

// add records a decoded code unless the same text was already read at the
// same place (at another level of the pyramid).
func (s *search) add(r decodeResult) {
	c := mid(mid(r.corners[0], r.corners[2]), mid(r.corners[1], r.corners[3]))
	for _, old := range s.results {
		if old.text == r.text && insideQuad(c, old.corners) {
			return
		}
	}
	s.results = append(s.results, r)
}

// insideQuad reports whether p lies inside the convex quadrilateral q
// (corners in order, either orientation).
func insideQuad(p pt, q [4]pt) bool {
	sign := 0.0
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		c := b.sub(a).cross(p.sub(a))
		if c == 0 {
			continue
		}
		if sign == 0 {
			sign = c
		} else if (c > 0) != (sign > 0) {
			return false
		}
	}
	return true
}

// symbologyID is the symbology identifier of a QR symbol with the given
// modifier (ISO/IEC 15424): "]Q1" plain, "]Q2" with an ECI designator, and
// so on.
func symbologyID(modifier int) string {
	return fmt.Sprintf("]Q%d", modifier)
}

// exactContent returns the content of a decoded symbol. Without an ECI
// designator (symbology identifier ]Q1, ]Q3, ]Q5) the decoder read byte
// segments as ISO-8859-1, so every rune ≤ U+00FF is one original byte:
// mapping runes back to bytes gives the exact content. With an ECI (]Q2,
// ]Q4, ]Q6), or with Kanji/Hanzi segments (runes above U+00FF), the
// decoder's UTF-8 text is returned.
func exactContent(text, sym string) string {
	switch sym {
	case "]Q2", "]Q4", "]Q6":
		return text
	}
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		if r > 0xFF {
			return text
		}
		b.WriteByte(byte(r))
	}
	return b.String()
}

// luminance converts img to one byte of luma per pixel, treating
// transparent pixels as white (a code on a transparent PNG is dark on
// nothing).
func luminance(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, w*h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(out[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return out
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			copy(out[y*w:(y+1)*w], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
		return out
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				r, g, bl, a := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]), uint32(row[4*x+3])
				// Premultiplied: composite over white by adding 255-a.
				v := (19595*r+38470*g+7471*bl+1<<15)>>16 + 255 - a
				out[y*w+x] = byte(min(v, 255))
			}
		}
		return out
	case *image.Paletted:
		pal := make([]byte, len(m.Palette))
		for i, c := range m.Palette {
			pal[i] = lumaOf(c)
		}
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				if int(row[x]) < len(pal) {
					out[y*w+x] = pal[row[x]]
				} else {
					out[y*w+x] = 0xFF
				}
			}
		}
		return out
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out[y*w+x] = lumaOf(img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// lumaOf returns the luma of c (ITU-R BT.601 weights), composited over
// white.
func lumaOf(c color.Color) byte {
	r, g, bl, a := c.RGBA() // premultiplied, 16 bits
	y := (19595*r + 38470*g + 7471*bl + 1<<15) >> 16
	y += 0xFFFF - a // over white
	if y > 0xFFFF {
		y = 0xFFFF
	}
	return byte(y >> 8)
}
