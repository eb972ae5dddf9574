package limits

// Caps of the keys package (key references, encrypted key files, PINs and
// passphrases) and of the trust package's certificate governance checks.
// The key file itself is bounded by MaxPrivateKeyPEM (limits.go).
const (
	// MaxKeyRef is the longest key reference accepted: a file path or a
	// pkcs11: URI. RFC 7512 sets no bound; 4 KiB holds any real path and
	// a URI with every attribute percent-encoded.
	MaxKeyRef = 4 << 10

	// MaxPBKDF2Iterations is the largest PBKDF2 iteration count read from
	// an encrypted key file. The count is attacker-chosen input: without a
	// cap a crafted file could keep a CPU busy for hours. ITHC writes
	// keys.PBKDF2Iterations (600,000: 0.1 to 0.2 s on one core of the
	// build machine); OpenSSL writes 2,048 by default; 10 million is 1.6 s
	// and more.
	MaxPBKDF2Iterations = 10_000_000

	// MaxPBES2Salt is the longest PBKDF2 salt, in bytes, read from an
	// encrypted key file (ITHC and OpenSSL write 16 bytes).
	MaxPBES2Salt = 256

	// MaxSecretFile is the largest passphrase or PIN file read
	// (--passphrase-file, pin-source=file:...).
	MaxSecretFile = 4 << 10

	// MaxCertificateDER is the largest single certificate, in bytes of
	// DER, that trust.CheckCertificateDER inspects. Real CSCA and document
	// signer certificates are 0.5 to 2 KiB.
	MaxCertificateDER = 64 << 10
)
