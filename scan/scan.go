// Package scan reads the text of a QR code from an image: a PNG, JPEG or
// GIF file (Decode) or an image.Image already in memory (Image), such as a
// photo of a paper certificate or a screenshot of a wallet page.
//
// It follows ISO/IEC 18004 (QR code) through the gozxing QR reader, and
// returns the symbol's content exactly: numeric and alphanumeric segments
// (the "HC1:…" of an HCERT, the "shc:/…" of a SMART Health Card) come back
// as ASCII; byte segments come back as the very bytes encoded, whatever
// character set the encoder meant (a VDS-NC's UTF-8 JSON stays UTF-8),
// unless the symbol declares one with an ECI designator, in which case the
// text is converted from it to UTF-8.
//
// Inputs are bounded before any pixel is decoded: the encoded size by
// limits.MaxImageBytes, the declared width × height by
// limits.MaxImagePixels. Use Decode first; ErrNoCode says the image holds no
// readable QR code.
package scan

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"strings"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

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
	// limits.MaxImagePixels.
	ErrTooLarge = errors.New("scan: image too large")
	// ErrFormat means the input is not a PNG, JPEG or GIF image, or is a
	// corrupt one.
	ErrFormat = errors.New("scan: not a supported image")
)

// Decode reads an encoded PNG, JPEG or GIF image from r and returns the text
// of the QR code it shows. It reads at most limits.MaxImageBytes and checks
// the declared dimensions against limits.MaxImagePixels before decoding any
// pixel.
func Decode(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("scan: read: %w", err)
	}
	if len(data) > limits.MaxImageBytes {
		return "", fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limits.MaxImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return "", fmt.Errorf("%w (%s declared size)", err, format)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrFormat, format, err)
	}
	return Image(img)
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

// Image returns the text of the QR code shown in img. It tries, in order:
// the image as it is with the adaptive (hybrid) binariser, then with the
// global-histogram binariser, then with a white quiet zone added around it
// (real scans often crop codes tight), then inverted (light modules on a
// dark background), then resampled by 5/4 (codes drawn at a non-integer
// number of pixels per module), then halved (large codes at several pixels
// per module), each with the TRY_HARDER hint, and last as a pure barcode
// (a clean rendered code filling the picture). The first success wins.
func Image(img image.Image) (string, error) {
	if img == nil {
		return "", fmt.Errorf("%w: nil image", ErrFormat)
	}
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return "", err
	}
	w, h := b.Dx(), b.Dy()
	if min(w, h) < minQRPixels {
		return "", fmt.Errorf("%w: a %d×%d image is too small to hold one", ErrNoCode, w, h)
	}
	lum := luminance(img)
	type attempt struct {
		lum    []byte
		w, h   int
		global bool // the global-histogram binariser, else the hybrid one
		invert bool
		pure   bool // the PURE_BARCODE reading of a code filling the image
	}
	attempts := []attempt{
		{lum: lum, w: w, h: h},
		{lum: lum, w: w, h: h, global: true},
	}
	// The quiet zone is sized on the short side, where a square code that
	// touches the edges is at most as large; a QR code wants 4 modules of
	// it, a quarter of a version 1 code. The padded copy is bounded by
	// limits.MaxImagePixels too.
	pad := min(w, h)/4 + 16
	if pw, ph := int64(w+2*pad), int64(h+2*pad); pw*ph <= limits.MaxImagePixels {
		padded, pw, ph := addQuietZone(lum, w, h, pad)
		attempts = append(attempts,
			attempt{lum: padded, w: pw, h: ph},
			attempt{lum: padded, w: pw, h: ph, global: true},
			attempt{lum: padded, w: pw, h: ph, invert: true},
		)
	} else {
		attempts = append(attempts, attempt{lum: lum, w: w, h: h, invert: true})
	}
	// Codes rendered at a non-integer number of pixels per module (modules
	// alternately n and n+1 pixels wide) can defeat the reader's sampling
	// grid; resampling by 5/4, or 4/5 where that would exceed the pixel
	// limit, moves the module edges and reads them.
	num, den := 5, 4
	if int64(w)*int64(h)*25/16 > limits.MaxImagePixels {
		num, den = 4, 5
	}
	if rw, rh := w*num/den, h*num/den; min(rw, rh) >= minQRPixels {
		attempts = append(attempts, attempt{lum: resample(lum, w, h, rw, rh), w: rw, h: rh})
	}
	// A large code at several pixels per module can defeat the detector's
	// estimate of the module size (Lithuania's version-24 test code at 4
	// pixels per module): halved, it reads.
	if min(w/2, h/2) >= minQRPixels {
		attempts = append(attempts, attempt{lum: resample(lum, w, h, w/2, h/2), w: w / 2, h: h / 2})
	}
	// Last, the reading of a clean, unrotated code filling the picture
	// (a rendered image rather than a photo), which needs no finder search.
	attempts = append(attempts, attempt{lum: lum, w: w, h: h, pure: true})
	var last error
	found := false
	for _, a := range attempts {
		text, err := decodeOnce(a.lum, a.w, a.h, a.global, a.invert, a.pure)
		if err == nil {
			return text, nil
		}
		if !a.pure || last == nil {
			last = err
		}
		// A symbol located but not read (format or checksum) makes the
		// image unreadable rather than code-less; the pure-barcode reading
		// locates nothing (it takes the whole picture as the code), so its
		// failure says nothing.
		var nf gozxing.NotFoundException
		if !a.pure && !errors.As(err, &nf) && !errors.Is(err, errTooManyCandidates) {
			found = true
		}
	}
	if found {
		return "", fmt.Errorf("%w: %v", ErrUnreadable, last)
	}
	return "", fmt.Errorf("%w in a %d×%d image", ErrNoCode, w, h)
}

// resample scales a luminance plane to rw×rh by nearest neighbour.
func resample(lum []byte, w, h, rw, rh int) []byte {
	out := make([]byte, rw*rh)
	for y := 0; y < rh; y++ {
		row := lum[(y*h/rh)*w:]
		for x := 0; x < rw; x++ {
			out[y*rw+x] = row[x*w/rw]
		}
	}
	return out
}

// minQRPixels is the side of the smallest QR code (version 1, 21 modules)
// at one pixel per module.
const minQRPixels = 21

// newHints returns the decoding hints of one attempt. ISO-8859-1 maps each
// byte of a byte segment to the rune of the same value, which exactText
// undoes to recover the exact bytes. The result-point callback counts the
// finder-pattern candidates the detector collects and aborts the attempt
// (by panicking with errTooManyCandidates, recovered in decodeOnce) past
// limits.MaxQRFinderCandidates: gozxing offers no other way to stop its
// cubic search.
func newHints() map[gozxing.DecodeHintType]any {
	n := 0
	callback := gozxing.ResultPointCallback(func(p gozxing.ResultPoint) {
		if _, ok := p.(*detector.FinderPattern); !ok {
			return
		}
		n++
		if n > limits.MaxQRFinderCandidates {
			panic(errTooManyCandidates)
		}
	})
	return map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_TRY_HARDER:                 true,
		gozxing.DecodeHintType_CHARACTER_SET:              "ISO-8859-1",
		gozxing.DecodeHintType_NEED_RESULT_POINT_CALLBACK: callback,
	}
}

// errTooManyCandidates aborts a detector run that found more finder-pattern
// candidates than limits.MaxQRFinderCandidates.
var errTooManyCandidates = fmt.Errorf("%w: more than %d finder-pattern candidates (a patterned or hostile image)", ErrNoCode, limits.MaxQRFinderCandidates)

// decodeOnce runs the QR reader over a luminance plane.
//
// gozxing is a port of ZXing whose index arithmetic on unexpected input
// (odd finder-pattern geometry, degenerate dimensions) can panic rather
// than return an error. This is the library boundary, so the one recover of
// this package sits here and turns such a panic into an error. The only
// code of ours that runs inside is the candidate-counting callback of
// newHints, whose deliberate panic is recognised here.
func decodeOnce(lum []byte, w, h int, global, invert, pure bool) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r == errTooManyCandidates {
				text, err = "", errTooManyCandidates
				return
			}
			text, err = "", fmt.Errorf("scan: qr reader failed on this image: %v", r)
		}
	}()
	var src gozxing.LuminanceSource
	src, err = gozxing.NewPlanarYUVLuminanceSource(lum, w, h, 0, 0, w, h, false)
	if err != nil {
		return "", fmt.Errorf("scan: %v", err)
	}
	if invert {
		src = src.Invert()
	}
	var bin gozxing.Binarizer
	if global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	} else {
		bin = gozxing.NewHybridBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return "", fmt.Errorf("scan: %v", err)
	}
	hints := newHints()
	if pure {
		hints[gozxing.DecodeHintType_PURE_BARCODE] = true
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return exactText(res), nil
}

// exactText returns the content of a decoded symbol. Without an ECI
// designator (symbology identifier ]Q1, ]Q3, ]Q5) the reader decoded byte
// segments as ISO-8859-1, so every rune ≤ U+00FF is one original byte:
// mapping runes back to bytes gives the exact content. With an ECI (]Q2,
// ]Q4, ]Q6), or with Kanji/Hanzi segments (runes above U+00FF), the
// reader's UTF-8 text is returned.
func exactText(res *gozxing.Result) string {
	text := res.GetText()
	if sym, ok := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string); ok {
		switch sym {
		case "]Q2", "]Q4", "]Q6":
			return text
		}
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

// addQuietZone returns lum surrounded by pad white pixels on every side.
func addQuietZone(lum []byte, w, h, pad int) ([]byte, int, int) {
	pw, ph := w+2*pad, h+2*pad
	out := make([]byte, pw*ph)
	for i := range out {
		out[i] = 0xFF
	}
	for y := 0; y < h; y++ {
		copy(out[(y+pad)*pw+pad:], lum[y*w:(y+1)*w])
	}
	return out, pw, ph
}
