package gateway

import "context"

// revocationRoutes registers the revocation endpoints.
func (g *Gateway) revocationRoutes(route routeFunc) {}

// exportRevocation writes the revocation files of a static export.
func (g *Gateway) exportRevocation(ctx context.Context, write exportWriter) error { return nil }
