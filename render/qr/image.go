package qr

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"sync"

	"github.com/ithc/ithc/internal/limits"
)

// MinQuietZone is the margin, in modules, that the standard asks around a
// symbol and the least that images get.
const MinQuietZone = 4

// DefaultModulePixels is the module size of an image whose options set no
// size.
const DefaultModulePixels = 8

// DefaultDPI is the resolution assumed for a size in millimetres when
// ImageOptions.DPI is zero.
const DefaultDPI = 300

// ImageOptions size an image of a Code. At most one of ModulePixels,
// Pixels and Millimetres may be set; with none, modules are
// DefaultModulePixels pixels wide. The zero ImageOptions give a PNG of 8
// pixels per module with a 4-module quiet zone.
type ImageOptions struct {
	// ModulePixels is the width of a module in pixels.
	ModulePixels int
	// Pixels is the width and height of the whole image, quiet zone
	// included. Modules get the largest whole number of pixels that fits;
	// the pixels left over widen the quiet zone, so the image has exactly
	// this size.
	Pixels int
	// Millimetres is the printed width of the whole image at DPI; it is
	// turned into Pixels.
	Millimetres float64
	// DPI is the resolution, in dots per inch, of Millimetres and of the
	// physical size written in a PNG (its pHYs chunk) or an SVG (width in
	// mm). Zero means DefaultDPI with Millimetres, and no physical size
	// otherwise.
	DPI int
	// QuietZone is the light margin in modules; zero means MinQuietZone,
	// and less than MinQuietZone is an error.
	QuietZone int
}

// layout is the geometry of an image: side pixels square, modules of scale
// pixels, the symbol's top-left corner at (offset, offset).
type layout struct {
	side, scale, offset int
	// modules is the symbol plus its quiet zone, in modules.
	modules int
	quiet   int
	dpi     int
}

const maxDPI = 9600

func (c *Code) layout(o ImageOptions) (layout, error) {
	var l layout
	set := 0
	for _, b := range []bool{o.ModulePixels != 0, o.Pixels != 0, o.Millimetres != 0} {
		if b {
			set++
		}
	}
	if set > 1 {
		return l, fmt.Errorf("%w: give one of module pixels, pixels and millimetres, not %d", ErrOptions, set)
	}
	if o.DPI < 0 || o.DPI > maxDPI {
		return l, fmt.Errorf("%w: %d dpi, want 1 to %d", ErrOptions, o.DPI, maxDPI)
	}
	l.quiet = o.QuietZone
	if l.quiet == 0 {
		l.quiet = MinQuietZone
	}
	if l.quiet < MinQuietZone || l.quiet > 1000 {
		return l, fmt.Errorf("%w: quiet zone of %d modules, want %d to 1000 (scanners fail on codes printed closer to an edge)", ErrOptions, o.QuietZone, MinQuietZone)
	}
	l.modules = c.size + 2*l.quiet
	l.dpi = o.DPI
	switch {
	case o.Millimetres != 0:
		if l.dpi == 0 {
			l.dpi = DefaultDPI
		}
		px := o.Millimetres / 25.4 * float64(l.dpi)
		if !(o.Millimetres > 0) || px > limits.MaxQRImageSide {
			return l, fmt.Errorf("%w: %g mm at %d dpi, want more than 0 and at most %d pixels", ErrOptions, o.Millimetres, l.dpi, limits.MaxQRImageSide)
		}
		l.side = int(math.Round(px))
	case o.Pixels != 0:
		l.side = o.Pixels
	default:
		scale := o.ModulePixels
		if scale == 0 {
			scale = DefaultModulePixels
		}
		if scale < 1 || scale > limits.MaxQRImageSide {
			return l, fmt.Errorf("%w: %d pixels per module", ErrOptions, o.ModulePixels)
		}
		l.side = scale * l.modules
	}
	if l.side < 1 || l.side > limits.MaxQRImageSide {
		return l, fmt.Errorf("%w: an image of %d pixels, want 1 to %d", ErrOptions, l.side, limits.MaxQRImageSide)
	}
	l.scale = l.side / l.modules
	if l.scale < 1 {
		return l, fmt.Errorf("%w: %d pixels cannot hold the %d modules of a version %d code with its quiet zone; it needs at least %d",
			ErrOptions, l.side, l.modules, c.Version, l.modules)
	}
	l.offset = (l.side - l.scale*c.size) / 2
	return l, nil
}

// palette is light (index 0) and dark (index 1).
var palette = color.Palette{color.Gray{Y: 0xFF}, color.Gray{Y: 0}}

// Image draws the code, quiet zone included, as a two-colour paletted
// image (index 0 light, 1 dark).
func (c *Code) Image(o ImageOptions) (*image.Paletted, error) {
	l, err := c.layout(o)
	if err != nil {
		return nil, err
	}
	return c.draw(l), nil
}

func (c *Code) draw(l layout) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, l.side, l.side), palette)
	for y := 0; y < c.size; y++ {
		row := img.Pix[(l.offset+y*l.scale)*img.Stride:]
		for x := 0; x < c.size; x++ {
			if c.dark[y*c.size+x] {
				px := row[l.offset+x*l.scale:][:l.scale]
				for i := range px {
					px[i] = 1
				}
			}
		}
		// Repeat the first pixel row of the module row.
		first := row[:l.side]
		for k := 1; k < l.scale; k++ {
			copy(img.Pix[(l.offset+y*l.scale+k)*img.Stride:][:l.side], first)
		}
	}
	return img
}

// WritePNG writes the code as a PNG of bit depth 1. With a DPI (or a size
// in millimetres) the PNG carries its physical resolution, so that it
// prints at the intended size.
func (c *Code) WritePNG(w io.Writer, o ImageOptions) error {
	l, err := c.layout(o)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression, BufferPool: pngBuffers}
	if err := enc.Encode(&buf, c.draw(l)); err != nil {
		return fmt.Errorf("qr: png: %w", err)
	}
	b := buf.Bytes()
	if l.dpi > 0 {
		b = withPHYs(b, l.dpi)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("qr: writing png: %w", err)
	}
	return nil
}

// pngBuffers keeps the PNG encoder's buffers (a zlib writer of about
// 1 MiB) between images.
var pngBuffers = &pngPool{}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// withPHYs inserts a pHYs chunk (pixels per metre) after the IHDR chunk
// that image/png writes first: 8 bytes of signature, then 4 + 4 + 13 + 4.
func withPHYs(p []byte, dpi int) []byte {
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	ppm := uint32(math.Round(float64(dpi) / 0.0254))
	chunk := make([]byte, 0, 4+4+9+4)
	chunk = binary.BigEndian.AppendUint32(chunk, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1) // unit: metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(p)+len(chunk))
	out = append(out, p[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, p[afterIHDR:]...)
}

// WriteSVG writes the code as an SVG image: a light square and the dark
// modules as one path, in a view box one unit per module. Its width and
// height are in pixels (ModulePixels, Pixels) or millimetres (Millimetres,
// or any size with a DPI). The element has no XML prolog, so it can be
// inlined in an HTML page as it is.
func (c *Code) WriteSVG(w io.Writer, o ImageOptions) error {
	l, err := c.layout(o)
	if err != nil {
		return err
	}
	var width string
	switch {
	case o.Millimetres != 0:
		width = strconv.FormatFloat(o.Millimetres, 'f', -1, 64) + "mm"
	case l.dpi > 0:
		width = strconv.FormatFloat(float64(l.side)*25.4/float64(l.dpi), 'f', 2, 64) + "mm"
	default:
		width = strconv.Itoa(l.side)
	}
	n := strconv.Itoa(l.modules)
	bw := bufio.NewWriter(w)
	bw.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + " " + n +
		`" width="` + width + `" height="` + width + `" shape-rendering="crispEdges">` +
		`<rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	bw.Write(c.svgPath(l.quiet, nil))
	bw.WriteString(`"/></svg>`)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("qr: writing svg: %w", err)
	}
	return nil
}

// svgPath appends to b the path data of the dark modules shifted by quiet
// modules: one rectangle per horizontal run, "M x y h n v 1 h -n z".
func (c *Code) svgPath(quiet int, b []byte) []byte {
	for y := 0; y < c.size; y++ {
		for x := 0; x < c.size; {
			if !c.dark[y*c.size+x] {
				x++
				continue
			}
			run := 1
			for x+run < c.size && c.dark[y*c.size+x+run] {
				run++
			}
			b = append(b, 'M')
			b = strconv.AppendInt(b, int64(x+quiet), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(y+quiet), 10)
			b = append(b, 'h')
			b = strconv.AppendInt(b, int64(run), 10)
			b = append(b, "v1h-"...)
			b = strconv.AppendInt(b, int64(run), 10)
			b = append(b, 'z')
			x += run
		}
	}
	return b
}
