package limits

// Caps of revocation batches (package revocation), their gateway routes
// and a verifier's persisted revocation data (docs/revocation.md).
const (
	// MaxRevocationBatchEntries is the largest number of 16-byte entries
	// in one batch: 200,000 entries make a 3.2 MB body, whose CMS stays
	// under MaxCMS. A country revoking more sends several batches.
	MaxRevocationBatchEntries = 200000

	// MaxRevocationSHCEntries is the largest number of entries in one
	// batch of SMART Health Card rids (hash type SHCRID): each carries its
	// rid (at most 1 + MaxSHCRid bytes) besides its 16-byte hash, and
	// 75,000 such entries (3.1 MB) keep the body within
	// MaxRevocationBatchBytes.
	MaxRevocationSHCEntries = 75000

	// MaxRevocationSHCIssuer is the longest SMART Health Card issuer URL
	// (iss) a batch names.
	MaxRevocationSHCIssuer = 255

	// MaxRevocationHeader is the largest header (JSON) of a batch body.
	MaxRevocationHeader = 4 << 10

	// MaxRevocationBatchBytes is the largest batch body: magic, header
	// length, header, count and entries.
	MaxRevocationBatchBytes = 8 + 2 + MaxRevocationHeader + 4 + 16*MaxRevocationBatchEntries

	// MaxRevocationReason is the longest reason of a batch, in bytes.
	MaxRevocationReason = 256

	// MaxRevocationID is the longest batch identifier.
	MaxRevocationID = 64

	// MaxRevocationUpload is the largest upload request body: a batch CMS
	// (at most MaxCMS) in base64 is 4/3 as large.
	MaxRevocationUpload = MaxCMS/3*4 + 4096

	// MaxRevocationBatches is the largest number of live batches a
	// verifier keeps (50 batches hold 10 million entries).
	MaxRevocationBatches = 100000

	// MaxRevocationState is the largest persisted state file of a verifier
	// (the metadata of MaxRevocationBatches batches).
	MaxRevocationState = 128 << 20

	// MaxRevocationInput is the largest file of identifiers or hashes
	// read by "ithc revoke".
	MaxRevocationInput = 1 << 30
)
