// Package demosite serves a deterministic multilingual demo website for the
// scrape task's tests, its benchmark and `make run`.
//
// Every page is generated from one compact table of labelled sentences
// (Corpus) in English, German, French, Polish, Russian, Japanese, Greek,
// Spanish and Korean: a root page, one index page per language and
// ArticlesPerLanguage articles per language, each with a topic (politics,
// sport, economy, technology) and a sentiment (positive, negative); the root
// and index pages are neutral. Pages carry the noise a scraper must strip
// (navigation, header, footer, scripts, styles) and the site has the hazards
// a scraper must survive: robots.txt rules, redirect chains, a missing page,
// a server error, a slow page, an oversized page, a gzip bomb and non-HTML
// files. Pages lists what a polite crawl should find, with each page's main
// text.
//
//	srv, err := demosite.Start(ctx, "127.0.0.1:0")
//	if err != nil { ... }
//	defer srv.Close()
//	fmt.Println(srv.URL())
package demosite
