package gateway

import "context"

// encryptionRoutes registers the encryption endpoints.
func (g *Gateway) encryptionRoutes(route routeFunc) {}

// exportEncryption writes the encryption files of a static export.
func (g *Gateway) exportEncryption(ctx context.Context, write exportWriter) error { return nil }
