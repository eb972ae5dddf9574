package limits

// Caps of the shc package (SMART Health Cards).
const (
	// MaxSHCQRText is the longest numeric QR text ("shc:/" and digits)
	// accepted for one code or one chunk. A version 40 QR code holds at
	// most 7089 digits; the specification keeps a single code within
	// version 22 (1195 JWS characters, 2390 digits).
	MaxSHCQRText = 7089

	// MaxSHCSingleJWS is the longest JWS the specification puts into one
	// QR code (version 22, error correction L): 1195 characters. A longer
	// one is still read, with a warning, as the specification's validator
	// does.
	MaxSHCSingleJWS = 1195

	// MaxSHCChunkJWS is the longest JWS part the deprecated chunked form
	// puts into one QR code: 1191 characters.
	MaxSHCChunkJWS = 1191

	// MaxSHCChunks is the largest number of chunks of one chunked code
	// ("shc:/i/n/"). Real issuers used at most 3 or 4; the validator's
	// own fault case uses 17.
	MaxSHCChunks = 32

	// MaxSHCJWS is the longest compact JWS accepted, in any container
	// (QR chunks, .smart-health-card files, FHIR $health-cards-issue
	// responses): far above what the chunk cap allows in QR codes.
	MaxSHCJWS = MaxSHCChunks * MaxSHCQRText

	// MaxSHCHeader is the largest JWS protected header, decoded. The
	// header holds zip, alg and kid: about 80 bytes.
	MaxSHCHeader = 1 << 10

	// MaxSHCPayload is the largest inflated JWS payload. Inflation stops
	// past it, so a decompression bomb costs at most this much memory;
	// the deflated payload is bounded by MaxSHCJWS and real payloads
	// inflate to a few KiB (example 02, a 55-resource lab report, is
	// 19 KiB).
	MaxSHCPayload = 256 << 10

	// MaxSHCFile is the largest .smart-health-card file, FHIR
	// $health-cards-issue response, JWK set, revocation list or trust
	// directory file read (the VCI directory snapshot of 2026 is 700 KiB).
	MaxSHCFile = 8 << 20

	// MaxSHCCards is the largest number of cards (JWS) in one
	// .smart-health-card file or $health-cards-issue response.
	MaxSHCCards = 100

	// MaxSHCKeys is the largest number of keys in one JWK set.
	MaxSHCKeys = 100

	// MaxSHCIssuers is the largest number of issuers in one trust
	// directory (the VCI snapshot lists about 650).
	MaxSHCIssuers = 10000

	// MaxSHCX5C is the largest number of certificates in a JWK's x5c chain.
	MaxSHCX5C = 8

	// MaxSHCRids is the largest number of entries in one revocation list.
	MaxSHCRids = 1 << 20

	// MaxSHCRid is the longest revocation identifier, without its
	// timestamp (SMART Health Cards: at most 24 base64url characters).
	MaxSHCRid = 24

	// MaxSHCEntries is the largest number of resources in one FHIR bundle.
	MaxSHCEntries = 512

	// MaxSHCJSONDepth is the deepest JSON nesting accepted in a payload,
	// a FHIR bundle or a key file.
	MaxSHCJSONDepth = 32
)
