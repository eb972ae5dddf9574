package limits

// Caps of the gateway's store (gateway/store and its sqlite and postgres
// implementations). Both implementations refuse a record over any of them
// with store.ErrInvalid naming the field, before touching the database, so
// that the two stores accept exactly the same records.
const (
	// MaxStoreKind is the longest entry kind ("csca", "signer",
	// "revocation", ...), in bytes of lowercase ASCII.
	MaxStoreKind = 32

	// MaxStoreID is the longest entry ID, in bytes of printable ASCII: a
	// key identifier in base64 is 12 characters, a hex SHA-256 thumbprint
	// 64, a rule identifier or a revocation batch UUID under 64.
	MaxStoreID = 256

	// MaxStoreType is the longest entry type ("DSC", "Acceptance", ...).
	MaxStoreType = 64

	// MaxStoreAction is the longest audit action ("signer.upload", ...).
	MaxStoreAction = 64

	// MaxStoreData is the largest entry content: a certificate DER is a
	// few KiB, a rule or a revocation batch tens of KiB; a value set may be
	// as large as a value-set file (MaxValueSetBytes).
	MaxStoreData = MaxValueSetBytes

	// MaxStoreSignature is the largest signed request kept with an entry:
	// a CMS SignedData carries the content, the signer's certificates and
	// the signature, so it is allowed twice the content cap.
	MaxStoreSignature = 2 * MaxStoreData

	// MaxStoreRequest is the largest request body kept in an audit record,
	// as large as the signature kept with the entry it produced.
	MaxStoreRequest = MaxStoreSignature

	// MaxStoreFilterKinds is the largest number of kinds in one list
	// filter (there are eight kinds today).
	MaxStoreFilterKinds = 32
)
