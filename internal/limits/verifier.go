package limits

import "time"

// Caps of the verifier service (package verifier): what one request, one
// client and the configuration may cost.
const (
	// MaxVerifierConfig is the largest verifier configuration file read.
	MaxVerifierConfig = 1 << 20

	// MaxVerifyTextBody is the largest request body of QR text (raw or
	// JSON-wrapped): the largest input package verify reads, plus room for
	// a JSON envelope.
	MaxVerifyTextBody = MaxVerifyInput + 4<<10

	// MaxVerifyUpload is the largest image or PDF request body the service
	// may be configured to accept: the larger of the image and PDF caps of
	// package scan, plus room for a multipart envelope.
	MaxVerifyUpload = max(MaxImageBytes, MaxScanPDFBytes) + 64<<10

	// DefaultVerifyUpload is the upload cap when the configuration sets
	// none: a phone photo or a paper certificate's PDF.
	DefaultVerifyUpload = 20 << 20

	// MaxVerifyFormField is the largest multipart form field that is not
	// the file (country, region, time, text).
	MaxVerifyFormField = MaxVerifyTextBody

	// MaxVerifyFormParts is the most parts of a multipart request read.
	MaxVerifyFormParts = 16

	// MaxVerifierHeader is the largest request line and headers of one
	// request (also the read buffer of each connection).
	MaxVerifierHeader = 16 << 10

	// MaxVerifierConns is the most connections the service serves at
	// once; more wait in the listen queue.
	MaxVerifierConns = 4096

	// MaxRateClients is the most client addresses the rate limiter tracks
	// at once; past it, clients without a bucket share one.
	MaxRateClients = 10000

	// MaxVerifierCountries is the most destination countries (with their
	// regions) whose verifiers are kept ready; others are built per
	// request.
	MaxVerifierCountries = 512

	// MaxRegionLength is the longest region code a request may name.
	MaxRegionLength = 16

	// DefaultScanTimeout bounds the scan of one uploaded image or PDF.
	DefaultScanTimeout = 30 * time.Second
)
