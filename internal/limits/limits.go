// Package limits holds every size cap ITHC applies to untrusted input, in one
// place, so that a reviewer can see at a glance how much memory and time any
// input can cost. Each package that parses untrusted input takes its caps
// from here; add a new cap here, never as a literal in a parser.
package limits

const (
	// MaxQRText is the longest QR text accepted (a version 40 QR code holds
	// at most 4296 alphanumeric characters).
	MaxQRText = 4296

	// MaxCOSE is the largest decompressed COSE_Sign1 accepted: an HCERT
	// never exceeds the QR capacity by more than the compression ratio a
	// real payload reaches, and 64 KiB is far above both.
	MaxCOSE = 64 << 10

	// MaxCBORDepth is the deepest nesting of CBOR arrays, maps and tags.
	MaxCBORDepth = 16

	// MaxCBORItems is the largest number of elements in one CBOR array or
	// pairs in one CBOR map.
	MaxCBORItems = 512

	// MaxEvents is the largest number of events in one native certificate.
	MaxEvents = 64

	// MaxCertificatePEM is the largest PEM or DER file of certificates read.
	MaxCertificatePEM = 1 << 20

	// MaxTrustCertificates is the largest number of signer certificates
	// loaded from files or directories into one trust store.
	MaxTrustCertificates = 100000

	// MaxJSONInput is the largest JSON document read (certificate input,
	// DCC payload JSON, conformance test files).
	MaxJSONInput = 4 << 20

	// MaxJSONDepth is the deepest nesting of JSON accepted in a certificate.
	MaxJSONDepth = 32

	// MaxImageBytes is the largest encoded image accepted for scanning.
	MaxImageBytes = 16 << 20

	// MaxImagePixels is the largest decoded image (width × height) scanned.
	MaxImagePixels = 40 << 20
)
