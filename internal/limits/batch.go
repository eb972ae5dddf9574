package limits

// Caps of batch issuance (package issue, "ithc issue --batch").
const (
	// MaxBatchRecords is the most records one batch file may hold: ten
	// million certificates, a large country's campaign, at a few hundred
	// a second is a day of issuance; split larger runs.
	MaxBatchRecords = 10_000_000

	// MaxBatchRecord is the longest record, in bytes: an NDJSON line or a
	// CSV row (a certificate in JSON is at most MaxJSONInput).
	MaxBatchRecord = MaxJSONInput

	// MaxBatchColumns is the most columns of a CSV batch file: holder
	// fields and up to MaxEvents events of about twenty fields each.
	MaxBatchColumns = 2048

	// MaxBatchJournal is the largest journal a batch resumes from: two
	// lines of at most 200 bytes for each of MaxBatchRecords records.
	MaxBatchJournal = 2 * 200 * MaxBatchRecords
)
