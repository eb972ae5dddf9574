package client

import (
	"context"
	"net/http"
	"strings"
)

// UploadRule publishes a rule (its JSON in the gateway rule format, sent
// exactly as given and signed as CMS).
func (c *Client) UploadRule(ctx context.Context, rule []byte) (*Written, error) {
	body, err := c.Sign(rule)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodPost, "/v1/rules", body)
}

// DeleteRule withdraws every version of the rule identifier (such as
// "VR-CN-0001"); the gateway keeps tombstones.
func (c *Client) DeleteRule(ctx context.Context, identifier string) (*Written, error) {
	body, err := c.Sign([]byte(strings.TrimSpace(identifier)))
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodDelete, "/v1/rules", body)
}
