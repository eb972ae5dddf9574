package limits

// Caps of format detection in package verify (a code of any format:
// HC1, SMART Health Cards, VDS-NC) and of the bridges of package convert.
// Each format's own parser applies its own caps after detection.
const (
	// MaxVerifyInput is the largest input verify.Verifier.Verify reads
	// that is not an HC1 code (an HC1 code is bounded by MaxQRText): the
	// largest container it accepts is a .smart-health-card file or a FHIR
	// $health-cards-issue response (MaxSHCFile). A QR text is far
	// shorter, and a VDS-NC seal is bounded by MaxSeal once detected.
	MaxVerifyInput = MaxSHCFile

	// MaxDetectKeys is the largest number of top-level members of a JSON
	// document that detection reads before giving up on finding the
	// member that names its format (data and sig of a seal,
	// verifiableCredential of a card file, resourceType of a FHIR
	// response). Each of those formats has at most a handful.
	MaxDetectKeys = 64
)
