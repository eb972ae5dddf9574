package conformance

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// maxSHCQRVersion is the largest QR version SMART Health Cards allow.
const maxSHCQRVersion = 22

// segment is one segment of a QR symbol's bit stream.
type segment struct {
	mode  string // "numeric", "alphanumeric", "byte", "kanji", "eci", …
	count int    // characters (bytes for byte mode)
}

// symbol is what the validator's QR checks need of a QR code beyond its
// text, which package scan does not expose: the version and the segments.
type symbol struct {
	version  int
	segments []segment
}

// readSymbol reads the structure of the QR code in img with the gozxing
// reader: the version from the number of data codewords at the symbol's
// error-correction level, and the segments from the data bit stream
// (ISO/IEC 18004 section 7.4).
func readSymbol(img image.Image) (*symbol, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, err
	}
	r := qrcode.NewQRCodeReader()
	res, err := r.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		res, err = r.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil {
			return nil, fmt.Errorf("reading the qr symbol: %v", err)
		}
	}
	raw := res.GetRawBytes()
	ecName, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	ec, err := decoder.ErrorCorrectionLevel_ValueOf(ecName)
	if err != nil {
		return nil, fmt.Errorf("qr error-correction level %q: %v", ecName, err)
	}
	s := &symbol{}
	for v := 1; v <= 40; v++ {
		ver, err := decoder.Version_GetVersionForNumber(v)
		if err != nil {
			return nil, err
		}
		if ver.GetTotalCodewords()-ver.GetECBlocksForLevel(ec).GetTotalECCodewords() == len(raw) {
			s.version = v
			break
		}
	}
	if s.version == 0 {
		return nil, fmt.Errorf("%d data codewords at level %s match no qr version", len(raw), ecName)
	}
	s.segments, err = parseSegments(raw, s.version)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// bitReader reads bits, most significant first.
type bitReader struct {
	data []byte
	pos  int // in bits
}

func (b *bitReader) left() int { return len(b.data)*8 - b.pos }

func (b *bitReader) read(n int) (int, error) {
	if n > b.left() {
		return 0, fmt.Errorf("qr bit stream ends inside a segment")
	}
	v := 0
	for i := 0; i < n; i++ {
		bit := (b.data[b.pos/8] >> (7 - uint(b.pos%8))) & 1
		v = v<<1 | int(bit)
		b.pos++
	}
	return v, nil
}

// countBits is the width of the character count of a mode, by version
// class (1–9, 10–26, 27–40).
func countBits(mode string, version int) int {
	class := 0
	if version >= 27 {
		class = 2
	} else if version >= 10 {
		class = 1
	}
	return map[string][3]int{
		"numeric":      {10, 12, 14},
		"alphanumeric": {9, 11, 13},
		"byte":         {8, 16, 16},
		"kanji":        {8, 10, 12},
		"hanzi":        {8, 10, 12},
	}[mode][class]
}

func parseSegments(data []byte, version int) ([]segment, error) {
	b := &bitReader{data: data}
	var out []segment
	for b.left() >= 4 {
		m, _ := b.read(4)
		var mode string
		switch m {
		case 0:
			return out, nil // terminator
		case 1:
			mode = "numeric"
		case 2:
			mode = "alphanumeric"
		case 4:
			mode = "byte"
		case 8:
			mode = "kanji"
		case 13:
			mode = "hanzi"
			if _, err := b.read(4); err != nil { // subset
				return nil, err
			}
		case 7: // ECI designator: 1, 2 or 3 bytes
			first, err := b.read(8)
			if err != nil {
				return nil, err
			}
			switch {
			case first&0x80 == 0:
			case first&0xc0 == 0x80:
				_, err = b.read(8)
			default:
				_, err = b.read(16)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, segment{mode: "eci"})
			continue
		case 3: // structured append
			if _, err := b.read(16); err != nil {
				return nil, err
			}
			out = append(out, segment{mode: "structured-append"})
			continue
		case 5:
			out = append(out, segment{mode: "fnc1"})
			continue
		case 9:
			if _, err := b.read(8); err != nil {
				return nil, err
			}
			out = append(out, segment{mode: "fnc1"})
			continue
		default:
			return nil, fmt.Errorf("qr bit stream has mode indicator %04b", m)
		}
		n, err := b.read(countBits(mode, version))
		if err != nil {
			return nil, err
		}
		var bits int
		switch mode {
		case "numeric":
			bits = n/3*10 + []int{0, 4, 7}[n%3]
		case "alphanumeric":
			bits = n/2*11 + n%2*6
		case "byte":
			bits = 8 * n
		default:
			bits = 13 * n
		}
		if _, err := b.skip(bits); err != nil {
			return nil, err
		}
		out = append(out, segment{mode: mode, count: n})
	}
	return out, nil
}

func (b *bitReader) skip(n int) (int, error) {
	if n > b.left() {
		return 0, fmt.Errorf("qr bit stream ends inside a segment")
	}
	b.pos += n
	return n, nil
}
