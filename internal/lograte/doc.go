// Package lograte keeps an outage from flooding the log. Its Handler
// wraps a slog.Handler: records below Warn pass unchanged; of the records
// at Warn and above, the first of a kind (level, message and the text of
// its "err" attribute) passes at once, its repeats within the window that
// follows (one second in vigil) are held back, and when the window ends
// one record stands for them, the last of them with repeated=N. While the
// repeats go on, the kind writes one line per window.
package lograte
