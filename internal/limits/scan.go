package limits

import "time"

// Caps of the scan package beyond MaxImageBytes, MaxImagePixels and
// MaxQRFinderCandidates (limits.go, which bounds gozxing's detector, the
// scanner's fallback): what one image or PDF may cost.
const (
	// MaxScanFinderCandidates is the most distinct finder-pattern
	// candidates one pass of the scanner's locator collects; past it the
	// picture is a pattern (or hostile), not codes, and the pass is given
	// up. Data modules at two pixels each yield a few hundred spurious
	// candidates in a picture of three codes.
	MaxScanFinderCandidates = 4096

	// MaxScanGroupedFinders is how many finder candidates, the most
	// confirmed first, are grouped in threes into candidate symbols:
	// grouping costs their number cubed.
	MaxScanGroupedFinders = 64

	// MaxScanText is the longest text, in bytes, that one decoded QR code
	// may yield: the 7089 digits of a version 40-L symbol in numeric mode,
	// the most any QR code holds (Kanji decoded to UTF-8 stays below it).
	MaxScanText = 7089

	// MaxScanCodes is the most QR codes returned from one image or one PDF
	// page; a picture with more is a pattern, not a document.
	MaxScanCodes = 64

	// MaxScanSymbolAttempts is the most candidate symbols (triples of
	// finder patterns) sampled and decoded in one pass over an image,
	// which bounds the work on pictures full of finder-like shapes.
	MaxScanSymbolAttempts = 48

	// MaxScanPDFBytes is the largest PDF file accepted for scanning. A
	// paper certificate with its embedded fonts is a few MiB.
	MaxScanPDFBytes = 64 << 20

	// MaxScanPDFPages is the most pages of one PDF that are rasterised and
	// scanned; a longer document is refused, not scanned in part.
	MaxScanPDFPages = 32

	// DefaultScanDPI is the resolution PDF pages are rasterised at: a
	// 35 mm code of version 20 gets 3 pixels per module.
	DefaultScanDPI = 200

	// MaxScanDPI is the highest resolution a PDF page is rasterised at
	// (pages where no code was found are tried again at twice the
	// resolution, up to this). Every page is also kept within
	// MaxImagePixels by lowering its resolution.
	MaxScanDPI = 600

	// MinScanDPI is the lowest resolution a page may be lowered to in order
	// to stay within MaxImagePixels; a page too large for it is refused.
	MinScanDPI = 50

	// MaxPDFToolOutput is the most bytes of pdfinfo's output or of a PDF
	// tool's diagnostics read.
	MaxPDFToolOutput = 64 << 10

	// PDFPageTimeout bounds the time pdftoppm may take for one page.
	PDFPageTimeout = 60 * time.Second
)
