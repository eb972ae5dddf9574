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

	// --- dcc and valueset ---

	// MaxDCCPayload is the largest EU DCC payload (CBOR or JSON) that
	// package dcc parses; it cannot exceed the decompressed COSE anyway.
	MaxDCCPayload = MaxCOSE

	// MaxDCCText is the longest text string, in bytes, of a DCC payload
	// (the schema allows 80 characters, up to 320 bytes of UTF-8; real
	// issuers overrun it, which the schema stage reports).
	MaxDCCText = 1024

	// MaxValueSetBytes is the largest value-set file read by valueset.Parse.
	MaxValueSetBytes = 4 << 20

	// MaxValueSetEntries is the largest number of codes in one value-set file.
	MaxValueSetEntries = 100000

	// MaxValueSetField is the longest set id, code or display, in bytes.
	MaxValueSetField = 1024

	// healthcert: identifiers, names and free text of the certificate model.

	// MaxUCI is the longest certificate identifier (UCI) accepted.
	MaxUCI = 80

	// MaxUVCI is the longest UVCI, prefix and checksum included (eHN UVCI
	// guidelines: 72 characters).
	MaxUVCI = 72

	// MaxICAOName is the longest ICAO 9303 name component (FamilyICAO,
	// GivenICAO) accepted or produced by transliteration.
	MaxICAOName = 80

	// MaxCertText is the longest free-text field of a certificate (native
	// names, issuer name, centre, codes), in bytes of UTF-8.
	MaxCertText = 256
)

// Caps of the trust package (key files, certificate directories).
const (
	// MaxPrivateKeyPEM is the largest private key file read: a PKCS#8
	// RSA-4096 key in PEM is about 3.3 KiB.
	MaxPrivateKeyPEM = 64 << 10

	// MaxTrustFiles is the largest number of certificate files
	// (*.pem, *.crt, *.cer, *.der) read by one trust.LoadFiles call.
	MaxTrustFiles = 100000
)

// Caps of the scan package (QR codes in images).
const (
	// MaxQRFinderCandidates is the largest number of finder-pattern
	// candidates the QR detector may collect in one attempt. The detector
	// picks the best three candidates in O(n³): an image tiled with
	// finder-like patterns would otherwise keep a CPU busy for hours. A
	// real photo yields a handful.
	MaxQRFinderCandidates = 256
)
