package limits

// Caps of the render packages (render/qr, render/pdf, render/html) and of
// "ithc render": what a QR text, an image or a printed certificate may cost.
const (
	// MaxQRInput is the longest data, in bytes, that qr.Encode accepts:
	// the 7089 digits a version 40-L code holds in numeric mode, the most
	// any QR code holds. Longer input is refused before segmentation.
	MaxQRInput = 7089

	// MaxQRImageSide is the largest side, in pixels, of a QR image drawn
	// by package qr (quiet zone included): a version 40 code at 1200 dpi
	// and 60 mm is 2835 pixels; 8192 keeps a paletted image under 64 MiB.
	MaxQRImageSide = 8192

	// MaxRenderText is the longest text field, in bytes of UTF-8, that the
	// paper certificate and the wallet page print (names, issuer, centre,
	// codes, identifiers). The certificate model allows MaxCertText; a
	// decoded EU DCC may carry up to MaxDCCText.
	MaxRenderText = MaxDCCText

	// MaxRenderEvents is the largest number of events printed on one
	// certificate (the native payload holds at most MaxEvents).
	MaxRenderEvents = MaxEvents

	// MaxPDFPages is the most pages a paper certificate may take; the
	// events table continues over pages, and MaxRenderEvents events of
	// MaxRenderText fields fit well within it.
	MaxPDFPages = 32
)
