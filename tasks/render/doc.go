// Package render implements the "render" task type: it reads the
// classified.jsonl written by the classify task from the data lake and writes
// a readable PDF report (report.pdf) next to it.
//
// The report holds a title, the run's facts, a summary table per label and
// then one entry per classified page with its URL, label, score and a text
// excerpt.
//
// Fonts: each character is set in the first font of a fallback chain that
// has a glyph for it, so one line may mix scripts. The chain is the Go
// fonts (embedded; they cover Latin, Greek and Cyrillic), then the
// configured fallback fonts (Config.CJKFontPath and Config.FallbackFontPaths;
// the binary's --cjk-font / DAGWORKER_CJK_FONT, a list separated by ':';
// a task's cjk_font argument goes before them), then every installed font of
// DefaultCJKFontPaths that adds characters: DroidSansFallbackFull for
// Chinese and Japanese, the IPA fonts, NanumGothic and NanumBarunGothic
// (Debian's fonts-nanum) for Korean Hangul. A report embeds only the
// fallback fonts it draws with (a report without CJK text embeds none),
// a large one as a subset of the glyphs it uses; Result.FallbackFonts names
// them. Characters no font covers are drawn as a visible marker and counted
// (missing_glyphs in the task's XCom) instead of silently becoming spaces.
// Lines wrap on word boundaries (Korean too) and between Chinese and
// Japanese characters; pages and text sizes are capped.
//
// Parsed fonts are cached by the Handler and shared by concurrent tasks, so a
// worker parses each font once per process.
package render
