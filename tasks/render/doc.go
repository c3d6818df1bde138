// Package render implements the "render" task type: it reads the
// classified.jsonl written by the classify task from the data lake and writes
// a readable PDF report (report.pdf) next to it.
//
// The report holds a title, the run's facts, a summary table per label and
// then one entry per classified page with its URL, label, score and a text
// excerpt. Text is set in the Go fonts (embedded; they cover Latin, Greek and
// Cyrillic) and, when a CJK TrueType font is available, in that font for
// Chinese, Japanese and Korean runs; the font is chosen per character, so one
// line may mix scripts. Characters no font covers are drawn as a visible
// marker and counted (missing_glyphs in the task's XCom) instead of silently
// becoming spaces. Lines wrap on word boundaries (and between CJK
// characters); pages and text sizes are capped.
//
// Parsed fonts are cached by the Handler and shared by concurrent tasks, so a
// worker parses each font once per process.
package render
