package limits

// Caps of the cms package (CMS SignedData, RFC 5652, as national backends
// upload it to the gateway).
const (
	// MaxCMS is the largest CMS SignedData accepted, in bytes. An upload
	// carries one document signer certificate (1–2 KiB) or a JSON batch of
	// rules or revocations (the EU gateway caps a revocation batch at 1000
	// entries, well under 1 MiB); 4 MiB leaves room for both and for the
	// upload certificate chain.
	MaxCMS = 4 << 20

	// MaxCMSCertificates is the largest number of certificates in the
	// certificates field of one SignedData: the signer and its chain. The
	// EU gateway expects exactly one.
	MaxCMSCertificates = 16

	// MaxCMSSigners is the largest number of SignerInfos in one SignedData.
	// The gateway accepts exactly one; a few more are parsed so that the
	// error can say how many there were.
	MaxCMSSigners = 8

	// MaxCMSAttributes is the largest number of attributes in the signed or
	// in the unsigned attributes of one SignerInfo (OpenSSL writes four
	// signed attributes, Bouncy Castle four or five).
	MaxCMSAttributes = 32

	// MaxCMSAttributeValues is the largest number of values in one
	// attribute (contentType, messageDigest and signingTime hold exactly
	// one).
	MaxCMSAttributeValues = 16

	// MaxCMSDigestAlgorithms is the largest number of entries in the
	// digestAlgorithms set of one SignedData.
	MaxCMSDigestAlgorithms = 8

	// MaxCMSDepth is the deepest nesting of ASN.1 values the cms parser
	// walks: indefinite-length (BER) values of the envelope and the values
	// of attributes. A SignedData is about 8 levels deep; OpenSSL's
	// S/MIME-capabilities attribute adds 4 more.
	MaxCMSDepth = 32

	// MaxCMSOIDComponents is the largest number of arcs in one object
	// identifier of a CMS message (the longest OID CMS uses has 9).
	MaxCMSOIDComponents = 32
)
