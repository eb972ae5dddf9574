package limits

// Caps of encrypted codes (package envelope, docs/format.md §8) and of the
// recipient encryption keys countries publish through the gateway.
const (
	// MaxRecipients is the most recipient countries one encrypted code
	// may name. Each costs about 178 QR characters with a P-256 key (129
	// with X25519); a native code of 600 to 900 characters encrypted for
	// four countries still fits a version 40 QR code at level Q (1852
	// alphanumeric characters), and the parser stops reading a list
	// longer than eight.
	MaxRecipients = 8

	// MaxEnvelopeText is the longest "HCE1:" text accepted: the capacity
	// of a version 40 QR code in alphanumeric mode.
	MaxEnvelopeText = MaxQRText

	// MaxEnvelopeKID is the longest recipient key identifier accepted, in
	// bytes (ITHC writes 8, the first 8 bytes of SHA-256 of the key's
	// SubjectPublicKeyInfo, as HCERT does for signers).
	MaxEnvelopeKID = 32

	// MaxEncryptionKeyRecord is the largest published recipient key
	// record (JSON) read from a trust list, a file or an upload: a P-256
	// key with its identifiers and validity is about 300 bytes.
	MaxEncryptionKeyRecord = 4 << 10

	// MaxEncryptionKeyValidity is the longest validity (not before to
	// not after) of a published recipient key, in days: keys rotate, and
	// a key that never expires is one whose compromise never ends.
	MaxEncryptionKeyValidity = 3 * 366

	// MaxRecipientKeyFile is the largest --recipient-keys file read (a
	// JSON array of key records: a few hundred countries, each with a
	// few overlapping keys).
	MaxRecipientKeyFile = 1 << 20
)
