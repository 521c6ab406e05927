package web

// Bot is one bot as the web app serves it: the routes of its pages and
// API around its front door. Each bot has a file bot_<name>.go here with
// the front door's interface, the struct whose methods are its handlers
// (it embeds the Server and holds the front door), the constructor that
// internal/bots calls (Claims, Eligibility) and the routes function;
// web.New mounts every Bot it is given.
type Bot struct {
	mount func(s *Server, h handle)
	// public registers routes that need no sign-in (the scheduling bot's
	// patient links, whose unguessable token is the credential); nil for
	// most bots.
	public func(s *Server, m registrar)
}

// handle registers a guarded route (see Server.routes).
type handle func(pattern string, rt route, fn handlerFunc)
