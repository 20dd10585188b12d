package sqlstore

import "errors"

// ErrZeroTime is the cause of ending sessions at the zero time, which both
// stores would keep as NULL, leaving the sessions live.
var ErrZeroTime = errors.New("zero end time")
