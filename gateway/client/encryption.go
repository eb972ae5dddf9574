package client

import (
	"context"
	"net/http"
)

// UploadEncryptionKey publishes a recipient encryption key: record is the
// JSON of an envelope.KeyRecord of the client's country (what
// KeyRecord.Marshal returns and "ithc enckey generate" writes). The
// gateway refuses a record of another country, an expired one, and a kid
// that exists or existed.
func (c *Client) UploadEncryptionKey(ctx context.Context, record []byte) (*Written, error) {
	body, err := c.Sign(record)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodPost, "/v1/encryption-keys", body)
}

// DeleteEncryptionKey withdraws a recipient encryption key; record is the
// record as it was uploaded. The gateway keeps a tombstone, so verifiers
// and issuers drop the key at their next sync.
func (c *Client) DeleteEncryptionKey(ctx context.Context, record []byte) (*Written, error) {
	body, err := c.Sign(record)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodDelete, "/v1/encryption-keys", body)
}
