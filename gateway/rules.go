package gateway

import "context"

// ruleRoutes registers the rules endpoints.
func (g *Gateway) ruleRoutes(route routeFunc) {}

// exportRules writes the rules files of a static export.
func (g *Gateway) exportRules(ctx context.Context, write exportWriter) error { return nil }
