package limits

// Caps of the vdsnc package (ICAO VDS-NC seals and the folders of seals
// "ithc conformance vdsnc" reads). Certificate files of CSCAs are bounded
// by MaxCertificatePEM, MaxTrustFiles and MaxTrustCertificates.
const (
	// MaxSeal is the largest VDS-NC seal (JSON) read. A seal in a QR code
	// is at most 2953 bytes (version 40, byte mode, error correction L);
	// seals kept in files may be indented, so 64 KiB leaves room for that
	// and nothing more.
	MaxSeal = 64 << 10

	// MaxSealDepth is the deepest nesting of JSON arrays and objects in a
	// seal. A VDS-NC seal nests 7 deep: the object of a dose is inside the
	// seal, data, msg, ve, ve[i] and vd.
	MaxSealDepth = 12

	// MaxSealItems is the largest number of members of one JSON object or
	// elements of one array in a seal. A vaccination seal lists a few
	// vaccines of a few doses each.
	MaxSealItems = 128

	// MaxConformanceSeals is the largest number of seal files that
	// "ithc conformance vdsnc" reads from one folder.
	MaxConformanceSeals = 10000
)
