package scan

import (
	"errors"
	"fmt"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"github.com/ithc/ithc/internal/limits"
)

// zxingFallback reads one code with gozxing's own detector, in the order
// that made this package's reader before its locator: the image as it is
// with the adaptive (hybrid) binariser, then with the global-histogram
// binariser, then with a white quiet zone added around it (real scans often
// crop codes tight), then inverted (light modules on a dark background),
// then resampled by 5/4 (codes drawn at a non-integer number of pixels per
// module), then halved (large codes at several pixels per module), and last
// as a pure barcode (a clean rendered code filling the picture). Its
// failures do not tell a damaged code from none: its detector takes text
// and shapes for finder patterns and then fails on their format
// information, or even their error correction.
func zxingFallback(lum []byte, w, h int) (decodeResult, error) {
	type attempt struct {
		lum    []byte
		w, h   int
		global bool // the global-histogram binariser, else the hybrid one
		invert bool
		pure   bool // the PURE_BARCODE reading of a code filling the image
		// The attempt's pixel (x, y) is the image's ((x-off)·scale, (y-off)·scale).
		off   float64
		scale float64
	}
	attempts := []attempt{
		{lum: lum, w: w, h: h, scale: 1},
		{lum: lum, w: w, h: h, global: true, scale: 1},
	}
	// The quiet zone is sized on the short side, where a square code that
	// touches the edges is at most as large; a QR code wants 4 modules of
	// it, a quarter of a version 1 code. The padded copy is bounded by
	// limits.MaxImagePixels too.
	pad := min(w, h)/4 + 16
	if pw, ph := int64(w+2*pad), int64(h+2*pad); pw*ph <= limits.MaxImagePixels {
		padded, pw, ph := addQuietZone(lum, w, h, pad)
		off := float64(pad)
		attempts = append(attempts,
			attempt{lum: padded, w: pw, h: ph, off: off, scale: 1},
			attempt{lum: padded, w: pw, h: ph, global: true, off: off, scale: 1},
			attempt{lum: padded, w: pw, h: ph, invert: true, off: off, scale: 1},
		)
	} else {
		attempts = append(attempts, attempt{lum: lum, w: w, h: h, invert: true, scale: 1})
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
		attempts = append(attempts, attempt{lum: resample(lum, w, h, rw, rh), w: rw, h: rh, scale: float64(den) / float64(num)})
	}
	// A large code at several pixels per module can defeat the detector's
	// estimate of the module size (Lithuania's version-24 test code at 4
	// pixels per module): halved, it reads.
	if min(w/2, h/2) >= minQRPixels {
		attempts = append(attempts, attempt{lum: resample(lum, w, h, w/2, h/2), w: w / 2, h: h / 2, scale: 2})
	}
	// Last, the reading of a clean, unrotated code filling the picture
	// (a rendered image rather than a photo), which needs no finder search.
	attempts = append(attempts, attempt{lum: lum, w: w, h: h, pure: true, scale: 1})
	var last error
	for _, a := range attempts {
		r, err := decodeOnce(a.lum, a.w, a.h, a.global, a.invert, a.pure)
		if err == nil {
			for i, c := range r.corners {
				r.corners[i] = pt{(c.x - a.off) * a.scale, (c.y - a.off) * a.scale}
			}
			return r, nil
		}
		if errors.Is(err, errTooManyCandidates) {
			return decodeResult{}, err
		}
		if !a.pure || last == nil {
			last = err
		}
	}
	return decodeResult{}, last
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

// newHints returns the decoding hints of one attempt. ISO-8859-1 maps each
// byte of a byte segment to the rune of the same value, which exactContent
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

// errTooManyCandidates aborts a search that found more finder-pattern
// candidates than its cap (limits.MaxScanFinderCandidates for the locator,
// limits.MaxQRFinderCandidates for gozxing's detector).
var errTooManyCandidates = fmt.Errorf("%w: too many finder-pattern candidates (a patterned or hostile image)", ErrNoCode)

// decodeOnce runs gozxing's QR detector and decoder over a luminance plane.
//
// gozxing is a port of ZXing whose index arithmetic on unexpected input
// (odd finder-pattern geometry, degenerate dimensions) can panic rather
// than return an error. This is the library boundary, so a recover sits
// here (and one in decodeBits) and turns such a panic into an error. The
// only code of ours that runs inside is the candidate-counting callback of
// newHints, whose deliberate panic is recognised here.
func decodeOnce(lum []byte, w, h int, global, invert, pure bool) (res decodeResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r == errTooManyCandidates {
				res, err = decodeResult{}, errTooManyCandidates
				return
			}
			res, err = decodeResult{}, fmt.Errorf("scan: qr reader failed on this image: %v", r)
		}
	}()
	var src gozxing.LuminanceSource
	src, err = gozxing.NewPlanarYUVLuminanceSource(lum, w, h, 0, 0, w, h, false)
	if err != nil {
		return decodeResult{}, fmt.Errorf("scan: %v", err)
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
		return decodeResult{}, fmt.Errorf("scan: %v", err)
	}
	hints := newHints()
	if pure {
		hints[gozxing.DecodeHintType_PURE_BARCODE] = true
		r, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
		if err != nil {
			return decodeResult{}, err
		}
		// The code fills the picture.
		fw, fh := float64(w), float64(h)
		return decodeResult{text: exactText(r), corners: [4]pt{{0, 0}, {fw, 0}, {fw, fh}, {0, fh}}}, nil
	}
	matrix, err := bmp.GetBlackMatrix()
	if err != nil {
		return decodeResult{}, err
	}
	det, err := detector.NewDetector(matrix).Detect(hints)
	if err != nil {
		return decodeResult{}, err
	}
	d, err := decodeBits(det.GetBits())
	if err != nil {
		return decodeResult{}, err
	}
	// gozxing's points: bottom-left, top-left and top-right finder centres
	// (then an alignment pattern), the centres of modules 3 from the
	// symbol's edges.
	pts := det.GetPoints()
	dim := float64(det.GetBits().GetWidth())
	bl, tl, tr := pt{pts[0].GetX(), pts[0].GetY()}, pt{pts[1].GetX(), pts[1].GetY()}, pt{pts[2].GetX(), pts[2].GetY()}
	ex, ey := tr.sub(tl).scale(1/(dim-7)), bl.sub(tl).scale(1/(dim-7))
	at := func(u, v float64) pt { return tl.add(ex.scale(u - 3.5)).add(ey.scale(v - 3.5)) }
	c := [4]pt{at(0, 0), at(dim, 0), at(dim, dim), at(0, dim)}
	if d.mirrored {
		c[1], c[3] = c[3], c[1]
	}
	return decodeResult{text: d.text, corners: c}, nil
}

// exactText returns the content of a symbol gozxing's reader decoded.
func exactText(res *gozxing.Result) string {
	sym, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string)
	return exactContent(res.GetText(), sym)
}
