package web

// TableRoute is one line of the route table, for the tests of web_test.
type TableRoute struct {
	Method, Path string
	// Guard is public, anyOrganiser, ofSession, ofBooking or adminOnly.
	Guard string
	// Limit is the rate limit's name, or "".
	Limit string
	Page  bool
}

// RouteTable is s's route table.
func RouteTable(s *Server) []TableRoute {
	names := map[guard]string{public: "public", anyOrganiser: "anyOrganiser", ofSession: "ofSession",
		ofBooking: "ofBooking", adminOnly: "adminOnly"}
	var out []TableRoute
	for _, rt := range s.routes() {
		out = append(out, TableRoute{Method: rt.method, Path: rt.path, Guard: names[rt.guard], Limit: rt.limit, Page: rt.kind == pageRoute})
	}
	return out
}
