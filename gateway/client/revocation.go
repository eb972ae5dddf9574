package client

import (
	"context"
	"net/http"

	"github.com/ithc/ithc/revocation"
)

// UploadRevocation publishes a revocation batch: its body, signed as CMS
// by the upload certificate.
func (c *Client) UploadRevocation(ctx context.Context, b *revocation.Batch) (*Written, error) {
	body, err := c.Sign(b.Marshal())
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodPost, "/v1/revocation/batches", body)
}

// DeleteRevocation deletes the country's revocation batch id (the gateway
// keeps a tombstone, and verifiers un-revoke its entries at their next
// sync).
func (c *Client) DeleteRevocation(ctx context.Context, country, id string) (*Written, error) {
	body, err := c.Sign(revocation.DeleteRequest{Country: country, Batch: id}.Marshal())
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodDelete, "/v1/revocation/batches", body)
}
